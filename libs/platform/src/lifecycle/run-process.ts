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
import {
  DependencyWaiter,
  isDependencyFailure,
  processDependencies,
  sleepUnlessAborted,
  StartAborted,
} from './dependencies';
import { startEventHandlers, stopEventHandlers } from './event-transport';
import { ProcessHttpServer } from './process-http-server';
import { metricsAccess, withHttpMetrics } from '../metrics/http-metrics';
import { ProcessMetrics } from '../metrics/process-metrics';
import { ProcessLogger } from '../logging/process.logger';
import { stopTracing } from '../tracing/start-tracing';

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
  /**
   * The longest one of its message handlers may hold a message (ms): the evaluation service's is
   * the sandbox's wall limit. The shutdown timeout is made longer (see loadConfig).
   */
  longestHandlerMs?: number;
}

export interface RunningProcess {
  app: INestApplication;
  config: AppConfig;
  url: string;
  notes: string[];
  /** What `GET /metrics` serves. */
  metrics: ProcessMetrics;
  /** Stops the process in its order (see stopInOrder). Safe to call more than once. */
  shutdown: () => Promise<void>;
}

export interface StartOptions {
  /** Aborting it stops a start that is still waiting: startProcess then rejects with StartAborted. */
  signal?: AbortSignal;
  /** The first pause between two rounds of dependency checks (tests shorten it). */
  dependencyCheckDelayMs?: number;
}

/** How long requests in flight may take to finish in a shutdown (event streams are then cut). */
const HTTP_DRAIN_MS = 5_000;
/** A start that failed because a dependency went away is tried again after this, doubling. */
const RESTART_DELAY_MS = 1_000;
const MAX_RESTART_DELAY_MS = 30_000;

/**
 * The order a process stops in; each step begins once the one before it has finished, and every
 * step runs even if one before it failed, so that whatever was started is stopped.
 *
 * 1. HTTP stops accepting connections (requests in flight go on).
 * 2. The consumers finish the message in hand, commit it and leave their groups (a submission
 *    being evaluated may take the sandbox's wall limit: hence the shutdown timeout).
 * 3. The application closes (`app.close()`), running Nest's hooks kind by kind, each kind in every
 *    module before the next: relays and background jobs stop, and long polls are answered
 *    (OnModuleDestroy); the bus closes its producer (BeforeApplicationShutdown); the requests in
 *    flight finish, at most HTTP_DRAIN_MS (the adapter's close); the database pools and the cache
 *    close (OnApplicationShutdown).
 * 4. What `prepare` started (embedded PostgreSQL), once nothing uses it any more.
 */
async function stopInOrder(steps: [name: string, stop: () => Promise<void>][]): Promise<void> {
  let failure: Error | undefined;
  for (const [name, stop] of steps) {
    await stop().catch((error: unknown) => {
      failure ??= new Error(`stopping ${name} failed: ${describeError(error)}`, { cause: error });
    });
  }
  if (failure) throw failure;
}

function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Sets up an application's HTTP edge: prefix, body size, error shape, validation, OpenAPI. */
function configureApplication(app: INestApplication, definition: ProcessDefinition): void {
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
}

/**
 * Builds and starts the application once its dependencies answer: created, initialised (topics
 * created or verified, migrations run), its event handlers subscribed, then given the HTTP
 * server. A start that fails because a dependency went away meanwhile is closed and tried again
 * after the dependencies answer again; any other failure is thrown.
 */
async function startApplication(
  definition: ProcessDefinition,
  config: AppConfig,
  http: ProcessHttpServer,
  logger: ConsoleLogger,
  options: StartOptions,
  metrics: ProcessMetrics,
): Promise<INestApplication> {
  const waiter = new DependencyWaiter(processDependencies(config), new Logger(definition.name), {
    initialDelayMs: options.dependencyCheckDelayMs,
  });
  @Module({ imports: [PlatformModule.forRoot(config, metrics), ...definition.modules] })
  class ProcessModule {}

  for (let delay = RESTART_DELAY_MS; ; delay = Math.min(delay * 2, MAX_RESTART_DELAY_MS)) {
    await waiter.waitUntilUp(options.signal);
    let app: INestApplication | undefined;
    try {
      app = await NestFactory.create(ProcessModule, http.adapterForApplication(HTTP_DRAIN_MS), {
        logger,
        abortOnError: false,
      });
      configureApplication(app, definition);
      await app.init();
      await startEventHandlers(app);
      return app;
    } catch (error) {
      await app?.close().catch(() => undefined);
      if (options.signal?.aborted) throw new StartAborted();
      if (!isDependencyFailure(error) && (await waiter.checkAll())) throw error;
      new Logger(definition.name).warn(
        `could not start, a dependency went away (${describeError(error)}); starting again in ${delay / 1000} s once it answers`,
      );
      await sleepUnlessAborted(delay, options.signal);
    }
  }
}

/**
 * Starts a process: its HTTP server first (from then on /health/live answers, and /health says
 * 503 until the process is ready), then what `prepare` starts, then waits for PostgreSQL and
 * Kafka with backoff, saying what it waits for, and builds the application once they answer.
 * Rejects on a bad configuration (ConfigError), a failure to start that is not a dependency's,
 * or StartAborted when `options.signal` aborts while it waits.
 */
export async function startProcess(
  definition: ProcessDefinition,
  env: NodeJS.ProcessEnv = process.env,
  options: StartOptions = {},
): Promise<RunningProcess> {
  const loaded = loadConfig({
    role: definition.role,
    service: definition.service,
    env,
    longestHandlerMs: definition.longestHandlerMs,
  });
  const logger = new ProcessLogger(definition.name, {
    logLevels: loaded.logLevels,
    json: loaded.role === 'service' && loaded.environment === 'production',
  });
  Logger.overrideLogger(logger);

  const metrics = new ProcessMetrics();
  const http = new ProcessHttpServer((next) =>
    withHttpMetrics(metrics, metricsAccess(loaded), next),
  );
  await http.listen(loaded.http.port, loaded.http.host);
  let prepared: PreparedProcess | undefined;
  let app: INestApplication;
  try {
    prepared = definition.prepare ? await definition.prepare(loaded) : { config: loaded };
    app = await startApplication(definition, prepared.config, http, logger, options, metrics);
  } catch (error) {
    await http.stop(0);
    await prepared?.stop?.().catch(() => undefined);
    throw error;
  }
  http.serve(app.getHttpAdapter().getInstance());

  const { config } = prepared;
  const host =
    config.http.host === '0.0.0.0' || config.http.host === '::' ? 'localhost' : config.http.host;
  const url = `http://${host}:${http.port}`;
  const running = app;
  const stopPrepared = prepared.stop;
  let closing: Promise<void> | undefined;
  const shutdown = (): Promise<void> =>
    (closing ??= stopInOrder([
      ['accepting HTTP connections', async () => http.stopAccepting()],
      ['the consumers', () => stopEventHandlers(running)],
      [
        'the application (relays and jobs, the bus, requests in flight, the pools, the cache)',
        () => running.close(),
      ],
      ['HTTP', () => http.stop(HTTP_DRAIN_MS)],
      ['the embedded services', async () => stopPrepared?.()],
    ]));
  return { app: running, config, url, notes: prepared.notes ?? [], metrics, shutdown };
}

/**
 * The `main` of every process: starts it, prints where it listens, and stops it cleanly on
 * SIGINT/SIGTERM (exit 0; a second signal, or a shutdown past SHUTDOWN_TIMEOUT_MS, exits 1).
 * A signal that arrives while the process waits for its dependencies stops the wait (exit 0); one
 * that arrives while the application is being built stops it as soon as it has started.
 * A bad environment exits 1 with one message that lists every bad variable.
 */
export async function runProcess(definition: ProcessDefinition): Promise<void> {
  const logger = new Logger(definition.name);
  const starting = new AbortController();
  let running: RunningProcess | undefined;
  let stopping = false;

  const shutdownAndExit = (process_: RunningProcess): void => {
    const timer = setTimeout(() => {
      logger.error(`shutdown took longer than ${process_.config.shutdownTimeoutMs} ms: exiting`);
      process.exit(1);
    }, process_.config.shutdownTimeoutMs);
    timer.unref();
    // The spans of the shutdown itself are exported last.
    process_
      .shutdown()
      .finally(stopTracing)
      .then(
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
    else starting.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  try {
    running = await startProcess(definition, process.env, { signal: starting.signal });
  } catch (error) {
    if (error instanceof StartAborted) {
      logger.log('stopped before it was ready');
      process.exit(0);
    }
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
