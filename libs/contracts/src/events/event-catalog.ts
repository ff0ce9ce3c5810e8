import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import type { TopicName } from '../topics';
import type { EventEnvelope } from './envelope';
import type { EventDefinition, EventOf } from './event-definition';
import { PATH_EVENTS } from './path.events';
import { SERVICE_EVENTS } from './service.events';

/** Every event type of the system, at its current schema version. */
export const EVENT_DEFINITIONS = [...PATH_EVENTS, ...SERVICE_EVENTS] as const;

/** Any event of the system, as `{ event_type, data }`. */
export type AnyEvent = EventOf<(typeof EVENT_DEFINITIONS)[number]>;

/** An event's data breaks its JSON Schema. The message names each offending field. */
export class EventSchemaError extends Error {
  constructor(
    readonly eventType: string,
    readonly problems: string[],
  ) {
    super(`${eventType} does not match its schema: ${problems.join('; ')}`);
    this.name = 'EventSchemaError';
  }
}

export class UnknownEventTypeError extends Error {
  constructor(readonly eventType: string) {
    super(`unknown event type "${eventType}"`);
    this.name = 'UnknownEventTypeError';
  }
}

function describe(error: ErrorObject): string {
  const field = error.instancePath
    ? error.instancePath.slice(1).replace(/\//g, '.')
    : ((error.params as { missingProperty?: string; additionalProperty?: string })
        .missingProperty ??
      (error.params as { additionalProperty?: string }).additionalProperty ??
      '(data)');
  if (error.keyword === 'required') {
    return `${(error.params as { missingProperty: string }).missingProperty} is required`;
  }
  if (error.keyword === 'additionalProperties') {
    return `${(error.params as { additionalProperty: string }).additionalProperty} is not allowed`;
  }
  return `${field} ${error.message ?? 'is invalid'}`;
}

/**
 * The event catalog: looks up definitions, validates data against the JSON Schema of its type and
 * version, and upcasts events of older versions. Used wherever events cross a boundary.
 */
export class EventCatalog {
  private readonly definitions = new Map<string, EventDefinition>();
  private readonly validators = new Map<string, ValidateFunction>();

  constructor(definitions: readonly EventDefinition[] = EVENT_DEFINITIONS) {
    const ajv = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true });
    addFormats(ajv);
    for (const definition of definitions) {
      if (this.definitions.has(definition.type)) {
        throw new Error(`event type ${definition.type} is defined twice`);
      }
      this.definitions.set(definition.type, definition);
      this.validators.set(definition.type, ajv.compile(definition.schema));
    }
  }

  all(): EventDefinition[] {
    return [...this.definitions.values()];
  }

  get(eventType: string): EventDefinition {
    const definition = this.definitions.get(eventType);
    if (!definition) throw new UnknownEventTypeError(eventType);
    return definition;
  }

  has(eventType: string): boolean {
    return this.definitions.has(eventType);
  }

  topicOf(eventType: string): TopicName {
    return this.get(eventType).topic;
  }

  /** Throws EventSchemaError unless `data` is valid for the current version of `eventType`. */
  validate(eventType: string, data: unknown): void {
    this.get(eventType);
    const validator = this.validators.get(eventType) as ValidateFunction;
    if (!validator(data)) {
      throw new EventSchemaError(eventType, (validator.errors ?? []).map(describe));
    }
  }

  /** Brings the data of a stored version up to the current version. */
  upcast(
    eventType: string,
    schemaVersion: number,
    data: unknown,
  ): { version: number; data: unknown } {
    const definition = this.get(eventType);
    if (schemaVersion > definition.version) {
      throw new Error(
        `${eventType} version ${schemaVersion} is newer than this code knows (${definition.version}); deploy the newer code first`,
      );
    }
    let current = data as Record<string, unknown>;
    for (let version = schemaVersion; version < definition.version; version++) {
      const upcaster = definition.upcasters[version];
      if (!upcaster) throw new Error(`${eventType}: no upcaster from version ${version}`);
      current = upcaster(current);
    }
    return { version: definition.version, data: current };
  }

  /** Upcasts an envelope read from a store or a topic, then validates it. */
  decode<T extends EventEnvelope>(envelope: T): T {
    const { version, data } = this.upcast(
      envelope.event_type,
      envelope.schema_version,
      envelope.data,
    );
    this.validate(envelope.event_type, data);
    return { ...envelope, schema_version: version, data };
  }
}

/** The process-wide catalog of the current code. */
export const eventCatalog = new EventCatalog();
