// Lints code as if it were a file of the workspace, with only the module-boundary rules (Nx's, and
// the ban on importing the test harness from production code), and prints their messages as JSON. Used by module-boundaries.spec.ts (Jest's VM cannot load
// eslint.config.mjs itself). Input on stdin: [{ "file": "libs/...", "code": "..." }, ...].
import { ESLint } from 'eslint';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const RULES = new Set(['@nx/enforce-module-boundaries', 'no-restricted-imports']);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

let input = '';
for await (const chunk of process.stdin) input += chunk;

const eslint = new ESLint({
  cwd: root,
  ruleFilter: ({ ruleId }) => RULES.has(ruleId),
  overrideConfig: { languageOptions: { parserOptions: { projectService: false } } },
});
const results = [];
for (const { file, code } of JSON.parse(input)) {
  const [result] = await eslint.lintText(code, { filePath: path.join(root, file) });
  results.push(result.messages.filter((m) => RULES.has(m.ruleId)).map((m) => m.message));
}
process.stdout.write(JSON.stringify(results));
