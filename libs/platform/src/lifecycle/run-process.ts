import {
  ConsoleLogger,
  Logger,
  Module,
  ValidationPipe,
  type INestApplication,
  type Type,
  type DynamicModule,
} from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import type { ServiceName } from '@studypath/contracts';
import type { AppConfig } from '../config/app-config';
import type { ProcessRole } from '../config/environment';
import { ConfigError, loadConfig } from '../config/load-config';
import { ErrorFilter } from '../http/error.filter';
import { PlatformModule } from '../platform.module';
import { startEventHandlers } from './event-transport';

export interface PreparedProcess {
  /** The configuration the application is built with (e.g. with the embedded database's URL). */
  config: AppConfig;
  /** Runs after the application has closed, e.g. to stop an embedded database. */
  stop?: () => Promise<void>;
  /** Lines for the start banner, e.g. where the embedded database keeps its data. */
  notes?: string[];
}

export interface ProcessDefinition {
  /** The process's name in logs: `path-service`, `studypath`, ... */
  name: string;
  role: ProcessRole;
  service?: ServiceName;
  /** The modules of the services this process runs. */
  modules: (Type | DynamicModule)[];
  /** Work before the application is built: start what the configuration leaves embedded. */
  prepare?: (config: AppConfig) => Promise<PreparedProcess>;
  /** Lines printed once the process listens. */
  banner?: (app: INestApplication, config: AppConfig, url: string) => string[];
}

export interface RunningProcess {
  app: INestApplication;
  config: AppConfig;
  url: string;
  notes: string[];
  /** Closes the application, then what `prepare` started. Safe to call more than once. */
  shutdown: () => Promise<void>;
}

/** Builds and starts the HTTP application of a process. Throws on any failure to start. */
export async function startProcess(
  definition: ProcessDefinition,
  env: NodeJS.ProcessEnv = process.env,
): Promise<RunningProcess> {
  const loaded = loadConfig({ role: definition.role, service: definition.service, env });
  const logger = new ConsoleLogger(definition.name, {
    logLevels: loaded.logLevels,
    json: loaded.role === 'service' && loaded.environment === 'production',
  });
  Logger.overrideLogger(logger);
  const prepared = definition.prepare ? await definition.prepare(loaded) : { config: loaded };
  const { config } = prepared;

  @Module({ imports: [PlatformModule.forRoot(config), ...definition.modules] })
  class ProcessModule {}

  let app: INestApplication | undefined;
  try {
    app = await NestFactory.create(ProcessModule, { logger, abortOnError: false });
    app.setGlobalPrefix('v1', { exclude: ['health', 'health/live'] });
    // Above the largest accepted submission (64 KB of code), so that the API, not the parser, says why.
    (app as NestExpressApplication).useBodyParser('json', { limit: '256kb' });
    app.useGlobalFilters(new ErrorFilter());
    app.useGlobalPipes(
      new ValidationPipe({ whitelist: true, forbidNonWhitelisted: true, transform: true }),
    );
    const document = SwaggerModule.createDocument(
      app,
      new DocumentBuilder()
        .setTitle(`StudyPath API (${definition.name})`)
        .setDescription(
          'The HTTP edge of StudyPath for web clients. Every /v1 route takes a bearer JWT.',
        )
        .setVersion('1')
        .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' })
        .build(),
    );
    SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs/openapi.json' });
    await app.init();
    await startEventHandlers(app);
    await app.listen(config.http.port, config.http.host);
  } catch (error) {
    await app?.close().catch(() => undefined);
    await prepared.stop?.().catch(() => undefined);
    throw error;
  }

  const address = app.getHttpServer().address() as { port: number } | string | null;
  const port = typeof address === 'object' && address ? address.port : config.http.port;
  const host =
    config.http.host === '0.0.0.0' || config.http.host === '::' ? 'localhost' : config.http.host;
  const url = `http://${host}:${port}`;
  const running = app;
  let closing: Promise<void> | undefined;
  const shutdown = (): Promise<void> =>
    (closing ??= (async () => {
      try {
        await running.close();
      } finally {
        await prepared.stop?.();
      }
    })());
  return { app: running, config, url, notes: prepared.notes ?? [], shutdown };
}

/**
 * The `main` of every process: starts it, prints where it listens, and stops it cleanly on
 * SIGINT/SIGTERM (exit 0; a second signal, or a shutdown past SHUTDOWN_TIMEOUT_MS, exits 1).
 * A signal that arrives while the process is still starting stops it as soon as it has started.
 * A bad environment exits 1 with one message that lists every bad variable.
 */
export async function runProcess(definition: ProcessDefinition): Promise<void> {
  const logger = new Logger(definition.name);
  let running: RunningProcess | undefined;
  let stopping = false;

  const shutdownAndExit = (process_: RunningProcess): void => {
    const timer = setTimeout(() => {
      logger.error(`shutdown took longer than ${process_.config.shutdownTimeoutMs} ms: exiting`);
      process.exit(1);
    }, process_.config.shutdownTimeoutMs);
    timer.unref();
    process_.shutdown().then(
      () => {
        logger.log('stopped');
        process.exit(0);
      },
      (error: unknown) => {
        logger.error(`shutdown failed: ${String(error)}`);
        process.exit(1);
      },
    );
  };
  // Installed before anything starts, so that no signal finds the process without its handler.
  const onSignal = (signal: NodeJS.Signals): void => {
    if (stopping) {
      logger.warn(`${signal} again: exiting without waiting`);
      process.exit(1);
    }
    stopping = true;
    logger.log(`${signal} received: shutting down`);
    if (running) shutdownAndExit(running);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  try {
    running = await startProcess(definition);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${definition.name}: ${error.message}\n`);
    } else {
      logger.error(
        `failed to start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
      );
    }
    process.exit(stopping ? 0 : 1);
  }
  if (stopping) {
    shutdownAndExit(running);
    return;
  }

  const lines = definition.banner?.(running.app, running.config, running.url) ?? [
    `${definition.name} listening on ${running.url} (health: ${running.url}/health)`,
  ];
  for (const line of [...lines, ...running.notes]) logger.log(line);
}
