// Lints code as if it were a file of the workspace, with only the module-boundary rule, and prints
// the rule's messages as JSON. Used by module-boundaries.spec.ts (Jest's VM cannot load
// eslint.config.mjs itself). Input on stdin: [{ "file": "libs/...", "code": "..." }, ...].
import { ESLint } from 'eslint';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const RULE = '@nx/enforce-module-boundaries';
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

let input = '';
for await (const chunk of process.stdin) input += chunk;

const eslint = new ESLint({
  cwd: root,
  ruleFilter: ({ ruleId }) => ruleId === RULE,
  overrideConfig: { languageOptions: { parserOptions: { projectService: false } } },
});
const results = [];
for (const { file, code } of JSON.parse(input)) {
  const [result] = await eslint.lintText(code, { filePath: path.join(root, file) });
  results.push(result.messages.filter((m) => m.ruleId === RULE).map((m) => m.message));
}
process.stdout.write(JSON.stringify(results));
