import type { Static, TObject } from '@sinclair/typebox';
import type { TopicName } from '../topics';
import type { EventEnvelope } from './envelope';

/** Turns the data of an older schema version into the data of the next version. */
export type Upcaster = (data: Record<string, unknown>) => Record<string, unknown>;

export interface EventDefinition<TType extends string = string, TSchema extends TObject = TObject> {
  type: TType;
  /** The current schema version; events of older versions are upcast when read. */
  version: number;
  topic: TopicName;
  description: string;
  schema: TSchema;
  /** `upcasters[v]` turns version v into v + 1, for every v below `version`. */
  upcasters: Readonly<Record<number, Upcaster>>;
}

export function defineEvent<TType extends string, TSchema extends TObject>(
  definition: Omit<EventDefinition<TType, TSchema>, 'upcasters' | 'version'> & {
    version?: number;
    upcasters?: Record<number, Upcaster>;
  },
): EventDefinition<TType, TSchema> {
  const version = definition.version ?? 1;
  const upcasters = definition.upcasters ?? {};
  for (let v = 1; v < version; v++) {
    if (!upcasters[v]) {
      throw new Error(`${definition.type}: version ${version} needs an upcaster from version ${v}`);
    }
  }
  return { ...definition, version, upcasters };
}

/** The data type of an event definition. */
export type EventData<D> = D extends EventDefinition<string, infer S> ? Static<S> : never;

/**
 * An event of a definition as a decider emits it: its type and its data. Over a union of
 * definitions it is the union of their events, so `switch (event.event_type)` narrows `data`.
 */
export type EventOf<D> =
  D extends EventDefinition<infer T, infer S> ? { event_type: T; data: Static<S> } : never;

/** An event of a definition as it is stored and delivered: the whole envelope, typed. */
export type EnvelopeOf<D> =
  D extends EventDefinition<infer T, infer S> ? EventEnvelope<T, Static<S>> : never;

/** The envelope of each member of a union of events (`{ event_type, data }`). */
export type Enveloped<E> = E extends { event_type: infer T extends string; data: infer TData }
  ? EventEnvelope<T, TData>
  : never;

/**
 * Narrows an envelope to the definitions it may be of, by its type. Only for envelopes decoded
 * against their definition (a store's read, a consumer's delivery): decoding checked the data.
 */
export function isEnvelopeOf<D extends EventDefinition>(
  definitions: readonly D[],
  envelope: EventEnvelope,
): envelope is EnvelopeOf<D> {
  return definitions.some((definition) => definition.type === envelope.event_type);
}
