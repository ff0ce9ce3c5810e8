import { Module, type DynamicModule } from '@nestjs/common';
import { Cache, HealthRegistry } from '@studypath/platform';
import { BundledCatalog } from './bundled-catalog';
import { HttpProblemBank } from './http/http-problem-bank';
import { loadProblemBankConfig, type ProblemBankConfig } from './problem-bank.config';
import { ProblemBank } from './problem-bank.port';
import { TracedProblemBank } from './traced-problem-bank';

/** The validated PROBLEM_BANK_* configuration, for whoever needs to know which bank is in use. */
export const PROBLEM_BANK_CONFIG = Symbol('PROBLEM_BANK_CONFIG');

export interface ProblemBankModuleOptions {
  /** Defaults to process.env; tests pass their own. */
  env?: NodeJS.ProcessEnv;
}

let bundled: TracedProblemBank | undefined;

/** The bundled catalog, loaded once per process and shared: it is read-only. */
function sharedBundledCatalog(): TracedProblemBank {
  return (bundled ??= new TracedProblemBank(new BundledCatalog(), 'bundled'));
}

function createProblemBank(
  config: ProblemBankConfig,
  cache: Cache,
  health: HealthRegistry,
): ProblemBank {
  if (config.kind === 'bundled') return sharedBundledCatalog();
  const bank = new HttpProblemBank({
    baseUrl: config.url,
    apiKey: config.apiKey,
    timeoutMs: config.timeoutMs,
    cache,
  });
  health.register(bank);
  return new TracedProblemBank(bank, 'http');
}

/**
 * Provides `ProblemBank`: the external bank over HTTP when PROBLEM_BANK_URL is set (caching in
 * the platform's Cache, reporting as `problem-bank` on /health), else the bundled catalog. Needs
 * PlatformModule (Cache, HealthRegistry). The environment is read while the application is
 * built, so a bad variable fails the start with a ConfigError that names it.
 *
 * `forRoot()` returns one module object per process, so that every service module importing it
 * in the embedded process shares one bank (and one health contributor).
 */
@Module({})
export class ProblemBankModule {
  private static shared: DynamicModule | undefined;

  static forRoot(options: ProblemBankModuleOptions = {}): DynamicModule {
    if (options.env === undefined)
      return (ProblemBankModule.shared ??= ProblemBankModule.build({}));
    return ProblemBankModule.build(options);
  }

  private static build(options: ProblemBankModuleOptions): DynamicModule {
    return {
      module: ProblemBankModule,
      global: false,
      providers: [
        {
          provide: PROBLEM_BANK_CONFIG,
          useFactory: (): ProblemBankConfig => loadProblemBankConfig(options.env ?? process.env),
        },
        {
          provide: ProblemBank,
          inject: [PROBLEM_BANK_CONFIG, Cache, HealthRegistry],
          useFactory: createProblemBank,
        },
      ],
      exports: [ProblemBank, PROBLEM_BANK_CONFIG],
    };
  }
}
