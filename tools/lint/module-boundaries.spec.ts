import { execFileSync } from 'node:child_process';
import * as path from 'node:path';

const root = path.resolve(__dirname, '../..');

/**
 * The module boundaries of DESIGN.md are enforced by lint, not by convention: these imports must
 * fail `npm run lint`. Only the boundary rule runs here (the type-aware rules need files on disk).
 */
describe('module boundaries', () => {
  beforeAll(() => {
    // The rule reads Nx's cached project graph and silently skips without one: build it first,
    // as `npm run lint` does.
    execFileSync(process.execPath, [require.resolve('nx/bin/nx'), 'show', 'projects'], {
      cwd: root,
      stdio: 'ignore',
      env: { ...process.env, NX_DAEMON: 'false' },
    });
  }, 60_000);

  async function violations(file: string, code: string): Promise<string[]> {
    const output = execFileSync(process.execPath, [path.join(__dirname, 'boundary-probe.mjs')], {
      cwd: root,
      input: JSON.stringify([{ file, code }]),
      encoding: 'utf8',
    });
    const [messages] = JSON.parse(output) as string[][];
    return messages ?? [];
  }

  it('fails when one service imports another (path -> evaluation)', async () => {
    const messages = await violations(
      'libs/services/path/src/probe.ts',
      "import { EvaluationServiceModule } from '@studypath/evaluation-service';\nexport const probe = EvaluationServiceModule;\n",
    );

    expect(messages).toHaveLength(1);
    expect(messages[0]).toMatch(/scope:path/);
  });

  it('fails when a service app imports another service', async () => {
    const messages = await violations(
      'apps/analytics-service/src/probe.ts',
      "import { TutorGatewayServiceModule } from '@studypath/tutor-gateway-service';\nexport const probe = TutorGatewayServiceModule;\n",
    );

    expect(messages).toHaveLength(1);
  });

  it('fails when a shared lib imports a service', async () => {
    const messages = await violations(
      'libs/platform/src/probe.ts',
      "import { PathServiceModule } from '@studypath/path-service';\nexport const probe = PathServiceModule;\n",
    );

    expect(messages).toHaveLength(1);
  });

  it('fails when the contracts lib imports anything but contracts', async () => {
    const messages = await violations(
      'libs/contracts/src/probe.ts',
      "import { loadConfig } from '@studypath/platform';\nexport const probe = loadConfig;\n",
    );

    // Reported as a cycle, since every lib depends on contracts; either way lint fails.
    expect(messages).toHaveLength(1);
  });

  it('fails when production code imports the test harness, and lets tests and tools use it', async () => {
    const code =
      "import { createTestDatabase } from '@studypath/testing';\nexport const probe = createTestDatabase;\n";

    expect(await violations('libs/services/path/src/probe.ts', code)).toEqual([
      expect.stringMatching(/production code may not import/),
    ]);
    expect(await violations('apps/path-service/src/probe.ts', code)).toContainEqual(
      expect.stringMatching(/production code may not import/),
    );
    expect(await violations('libs/services/path/src/probe.int-spec.ts', code)).toEqual([]);
    expect(await violations('tools/bench/probe.bench.ts', code)).toEqual([]);
  });

  it('keeps domain code pure: no platform, store, bus or framework, types aside', async () => {
    const file = 'libs/services/path/src/domain/probe.ts';

    expect(
      await violations(
        file,
        "import { loadConfig } from '@studypath/platform';\nexport const probe = loadConfig;\n",
      ),
    ).toEqual([expect.stringMatching(/domain code is pure/)]);
    expect(
      await violations(
        file,
        "import { Injectable } from '@nestjs/common';\nexport const probe = Injectable;\n",
      ),
    ).toEqual([expect.stringMatching(/domain code is pure/)]);
    expect(
      await violations(
        file,
        "import { createTestDatabase } from '@studypath/testing';\nexport const probe = createTestDatabase;\n",
      ),
    ).toEqual([expect.stringMatching(/domain code is pure/)]);
    expect(
      await violations(
        file,
        "import type { RunResult } from '@studypath/sandbox';\nimport { assertNever } from '@studypath/decider';\nexport type Probe = RunResult;\nexport const probe = assertNever;\n",
      ),
    ).toEqual([]);
  });

  it('fails when a lib reaches into tools/ by a relative path', async () => {
    const messages = await violations(
      'libs/platform/src/probe.ts',
      "import { runBench } from '../../../tools/bench/bench-support';\nexport const probe = runBench;\n",
    );

    expect(messages).toHaveLength(1);
  });

  it('fails when pure domain helpers import anything with I/O', async () => {
    const messages = await violations(
      'libs/decider/src/probe.ts',
      "import { loadConfig } from '@studypath/platform';\nexport const probe = loadConfig;\n",
    );

    expect(messages).toHaveLength(1);
  });

  it('lets every project import the contracts lib', async () => {
    for (const file of [
      'libs/services/path/src/probe.ts',
      'libs/platform/src/probe.ts',
      'apps/evaluation-service/src/probe.ts',
    ]) {
      expect(
        await violations(
          file,
          "import { Topics } from '@studypath/contracts';\nexport const probe = Topics;\n",
        ),
      ).toEqual([]);
    }
  });

  it('lets the embedded process compose every service', async () => {
    const messages = await violations(
      'apps/studypath/src/probe.ts',
      "import { PathServiceModule } from '@studypath/path-service';\nimport { EvaluationServiceModule } from '@studypath/evaluation-service';\nexport const probe = [PathServiceModule, EvaluationServiceModule];\n",
    );

    expect(messages).toEqual([]);
  });
});
