import { randomUUID } from 'node:crypto';
import {
  EVENT_DEFINITIONS,
  type EnvelopeOf,
  type EventData,
  type EventDefinition,
  type EventEnvelope,
} from '@studypath/contracts';

/**
 * An event as it is delivered, for tests: `data` under the envelope of its type, at the type's
 * current schema version, first in a stream of its own. `overrides` set any other field.
 *
 * Given a definition, the data and the result are typed from it; given a type name, anything goes,
 * which is what tests of unknown types, old versions and invalid data need.
 */
export function envelope<D extends EventDefinition>(
  definition: D,
  data: EventData<D>,
  overrides?: Partial<EnvelopeOf<D>>,
): EnvelopeOf<D>;
export function envelope(
  type: string,
  data: unknown,
  overrides?: Partial<EventEnvelope>,
): EventEnvelope;
export function envelope(
  definitionOrType: EventDefinition | string,
  data: unknown,
  overrides: Partial<EventEnvelope> = {},
): EventEnvelope {
  const definition =
    typeof definitionOrType === 'string'
      ? EVENT_DEFINITIONS.find((d) => d.type === definitionOrType)
      : definitionOrType;
  return {
    event_id: randomUUID(),
    event_type: typeof definitionOrType === 'string' ? definitionOrType : definitionOrType.type,
    schema_version: definition?.version ?? 1,
    stream_id: `test-${randomUUID()}`,
    stream_position: 1,
    global_position: 1,
    user_id: 'user-1',
    occurred_at: new Date().toISOString(),
    correlation_id: randomUUID(),
    causation_id: null,
    traceparent: null,
    data,
    ...overrides,
  };
}
