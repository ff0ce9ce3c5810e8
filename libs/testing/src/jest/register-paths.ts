import * as path from 'node:path';
import { register } from 'tsconfig-paths';

// Jest's global setup runs outside the test runtime, so its moduleNameMapper does not apply there:
// resolve the @studypath/* aliases the way the type checker does.
const root = path.resolve(__dirname, '../../../..');
const { compilerOptions } = require(path.join(root, 'tsconfig.base.json')) as {
  compilerOptions: { paths: Record<string, string[]> };
};
register({ baseUrl: root, paths: compilerOptions.paths });
