import { EVENT_DEFINITIONS } from './events/event-catalog';
import type { EventDefinition } from './events/event-definition';
import { Topics, TOPIC_PARTITIONS, type TopicName } from './topics';

const CHANNELS: Record<TopicName, { id: string; description: string }> = {
  [Topics.taskEvents]: {
    id: 'taskEvents',
    description:
      'The source of truth: every study path and task event, written only by the path service.',
  },
  [Topics.generationEvents]: {
    id: 'generationEvents',
    description: 'Facts of the task-generation service.',
  },
  [Topics.evaluationEvents]: {
    id: 'evaluationEvents',
    description: 'Facts of the evaluation service.',
  },
  [Topics.tutorEvents]: { id: 'tutorEvents', description: 'Facts of the tutor-gateway service.' },
  [Topics.analyticsEvents]: {
    id: 'analyticsEvents',
    description: 'Facts of the analytics service.',
  },
};

const envelopeSchema = {
  type: 'object',
  required: [
    'event_id',
    'event_type',
    'schema_version',
    'stream_id',
    'stream_position',
    'global_position',
    'user_id',
    'occurred_at',
    'correlation_id',
    'causation_id',
    'traceparent',
    'data',
  ],
  properties: {
    event_id: {
      type: 'string',
      format: 'uuid',
      description: 'Unique per event; use it to deduplicate (delivery is at-least-once).',
    },
    event_type: { type: 'string' },
    schema_version: {
      type: 'integer',
      minimum: 1,
      description:
        'Older versions are upcast by the services; consumers may see any version they were published with.',
    },
    stream_id: { type: 'string', description: 'The aggregate, e.g. task-<uuid>.' },
    stream_position: {
      type: 'integer',
      minimum: 1,
      description: '1-based, gap-free within a stream.',
    },
    global_position: {
      type: 'integer',
      description: "Position in the publishing service's log: increasing, with gaps.",
    },
    user_id: { type: 'string', maxLength: 255, description: 'The Kafka key.' },
    occurred_at: { type: 'string', format: 'date-time' },
    correlation_id: { type: 'string' },
    causation_id: { type: ['string', 'null'] },
    traceparent: { type: ['string', 'null'], description: 'W3C trace context.' },
    data: { type: 'object' },
  },
};

function messageOf(definition: EventDefinition): Record<string, unknown> {
  return {
    name: definition.type,
    title: definition.type,
    summary: definition.description,
    contentType: 'application/json',
    headers: {
      type: 'object',
      properties: {
        event_id: { type: 'string' },
        event_type: { type: 'string', const: definition.type },
        schema_version: { type: 'string', description: `Currently "${definition.version}".` },
        correlation_id: { type: 'string' },
        traceparent: { type: 'string' },
      },
    },
    payload: {
      allOf: [
        { $ref: '#/components/schemas/EventEnvelope' },
        {
          type: 'object',
          properties: {
            event_type: { const: definition.type },
            schema_version: { const: definition.version },
            data: JSON.parse(JSON.stringify(definition.schema)) as unknown,
          },
        },
      ],
    },
    bindings: {
      kafka: { key: { type: 'string', description: 'user_id' }, bindingVersion: '0.5.0' },
    },
  };
}

/** The AsyncAPI 3.0 document of every topic and event, built from the event catalog. */
export function buildAsyncApiDocument(): Record<string, unknown> {
  const channels: Record<string, unknown> = {};
  const operations: Record<string, unknown> = {};
  const messages: Record<string, unknown> = {};
  for (const [address, channel] of Object.entries(CHANNELS)) {
    const definitions = EVENT_DEFINITIONS.filter((d) => d.topic === address);
    channels[channel.id] = {
      address,
      description: channel.description,
      messages: Object.fromEntries(
        definitions.map((d) => [d.type, { $ref: `#/components/messages/${d.type}` }]),
      ),
      bindings: {
        kafka: { topic: address, partitions: TOPIC_PARTITIONS, bindingVersion: '0.5.0' },
      },
    };
    operations[`receive-${channel.id}`] = {
      action: 'receive',
      channel: { $ref: `#/channels/${channel.id}` },
      summary: `Consume ${address}. Messages are keyed by user_id: one user's events are in order within a partition.`,
    };
    for (const definition of definitions) messages[definition.type] = messageOf(definition);
  }
  return {
    asyncapi: '3.0.0',
    info: {
      title: 'StudyPath events',
      version: '1.0.0',
      description:
        'The Kafka topics of StudyPath for data-warehouse consumers. Generated from the event catalog (libs/contracts) by `npm run asyncapi`; a test fails when this document and the catalog differ.',
    },
    defaultContentType: 'application/json',
    servers: {
      kafka: {
        host: 'kafka:9092',
        protocol: 'kafka',
        description: 'The broker of docker-compose.yml',
      },
    },
    channels,
    operations,
    components: { schemas: { EventEnvelope: envelopeSchema }, messages },
  };
}
