import { Global, Module, type DynamicModule } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { Cache, ConfigError, HealthRegistry, MemoryCache } from '@studypath/platform';
import { BundledCatalog } from './bundled-catalog';
import { HttpProblemBank } from './http/http-problem-bank';
import { PROBLEM_BANK_CONFIG, ProblemBankModule } from './problem-bank.module';
import { ProblemBank } from './problem-bank.port';
import { TracedProblemBank } from './traced-problem-bank';

/** What PlatformModule gives every process: the cache and the health registry. */
@Global()
@Module({
  providers: [{ provide: Cache, useValue: new MemoryCache() }, HealthRegistry],
  exports: [Cache, HealthRegistry],
})
class FakePlatformModule {}

async function build(...imports: DynamicModule[]) {
  return Test.createTestingModule({ imports: [FakePlatformModule, ...imports] }).compile();
}

const HTTP_ENV = { PROBLEM_BANK_URL: 'http://127.0.0.1:9', PROBLEM_BANK_API_KEY: 'key' };

describe('ProblemBankModule', () => {
  it('provides one shared bundled catalog without PROBLEM_BANK_URL, and no health contributor', async () => {
    const first = await build(ProblemBankModule.forRoot({ env: {} }));
    const second = await build(ProblemBankModule.forRoot({ env: {} }));

    const bank = first.get(ProblemBank);
    expect(bank).toBeInstanceOf(TracedProblemBank);
    expect((bank as TracedProblemBank).bank).toBeInstanceOf(BundledCatalog);
    expect(second.get(ProblemBank)).toBe(bank);
    expect(first.get(PROBLEM_BANK_CONFIG)).toEqual({ kind: 'bundled' });
    expect(first.get(HealthRegistry).all()).toEqual([]);
    await Promise.all([first.close(), second.close()]);
  });

  it('provides the HTTP bank with the platform cache and registers it on /health', async () => {
    const app = await build(ProblemBankModule.forRoot({ env: HTTP_ENV }));

    const traced = app.get(ProblemBank);
    expect(traced).toBeInstanceOf(TracedProblemBank);
    const bank = (traced as TracedProblemBank).bank;
    expect(bank).toBeInstanceOf(HttpProblemBank);
    expect(app.get(HealthRegistry).all()).toEqual([bank]);
    expect(await (bank as HttpProblemBank).checkHealth()).toMatchObject({
      up: true,
      details: { kind: 'http', circuit: 'closed', cache: 'on' },
    });
    await app.close();
  });

  it('is one module for every importer of forRoot(): one bank, one health contributor', async () => {
    Object.assign(process.env, HTTP_ENV);
    try {
      @Module({ imports: [ProblemBankModule.forRoot()] })
      class PathLikeModule {}
      @Module({ imports: [ProblemBankModule.forRoot()] })
      class GenerationLikeModule {}
      const app = await Test.createTestingModule({
        imports: [FakePlatformModule, PathLikeModule, GenerationLikeModule],
      }).compile();

      expect(app.get(HealthRegistry).all()).toHaveLength(1);
      expect(app.select(PathLikeModule).get(ProblemBank)).toBe(
        app.select(GenerationLikeModule).get(ProblemBank),
      );
      await app.close();
    } finally {
      for (const name of Object.keys(HTTP_ENV)) delete process.env[name];
    }
  });

  it('fails the start with a ConfigError naming a bad variable', async () => {
    const failure = build(ProblemBankModule.forRoot({ env: { PROBLEM_BANK_URL: 'not a url' } }));

    await expect(failure).rejects.toBeInstanceOf(ConfigError);
    await expect(failure).rejects.toThrow(/PROBLEM_BANK_URL must be/);
  });
});
