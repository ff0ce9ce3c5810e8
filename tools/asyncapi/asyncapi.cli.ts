import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { buildAsyncApiDocument } from '@studypath/contracts';
import { stringify } from 'yaml';

/** `npm run asyncapi`: writes docs/asyncapi.yaml from the event catalog. */
const target = path.resolve(__dirname, '../../docs/asyncapi.yaml');
writeFileSync(
  target,
  stringify(buildAsyncApiDocument(), { lineWidth: 0, aliasDuplicateObjects: false }),
);
console.log(`wrote ${path.relative(process.cwd(), target)}`);
