import type { INestApplication } from '@nestjs/common';
import type { CustomTransportStrategy } from '@nestjs/microservices';

/** The provider of the process's NestJS transport strategy for events (the messaging lib's). */
export const EVENT_TRANSPORT = Symbol('EVENT_TRANSPORT');

/**
 * Connects the application's event handlers (a hybrid application: HTTP plus the event transport)
 * and starts them. Call it after `app.init()`, so that handlers only run once every module is
 * ready; a process without the messaging module has nothing to start.
 */
export async function startEventHandlers(app: INestApplication): Promise<void> {
  let strategy: CustomTransportStrategy;
  try {
    strategy = app.get<symbol, CustomTransportStrategy>(EVENT_TRANSPORT, { strict: false });
  } catch {
    return;
  }
  app.connectMicroservice({ strategy }, { inheritAppConfig: false });
  await app.startAllMicroservices();
}

/**
 * Stops the application's event handlers: each consumer finishes the message in hand, commits
 * it and leaves its group. The first step of a shutdown after HTTP (see `startProcess`); Nest
 * closes the transport again later, which is then a no-op.
 */
export async function stopEventHandlers(app: INestApplication): Promise<void> {
  let strategy: CustomTransportStrategy;
  try {
    strategy = app.get<symbol, CustomTransportStrategy>(EVENT_TRANSPORT, { strict: false });
  } catch {
    return;
  }
  await strategy.close();
}
