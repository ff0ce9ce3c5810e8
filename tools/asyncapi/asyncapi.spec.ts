import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { buildAsyncApiDocument, EVENT_DEFINITIONS } from '@studypath/contracts';
import { parse } from 'yaml';

describe('docs/asyncapi.yaml', () => {
  const published = parse(
    readFileSync(path.resolve(__dirname, '../../docs/asyncapi.yaml'), 'utf8'),
  ) as {
    components: { messages: Record<string, unknown> };
  };

  it('is what the event catalog generates (run `npm run asyncapi` after changing an event)', () => {
    expect(published).toEqual(JSON.parse(JSON.stringify(buildAsyncApiDocument())));
  });

  it('documents every event type', () => {
    expect(Object.keys(published.components.messages).sort()).toEqual(
      EVENT_DEFINITIONS.map((d) => d.type).sort(),
    );
  });
});
