import type { MigrationInterface, QueryRunner } from 'typeorm';

export interface EventStoreTables {
  /** The service's schema. */
  schema: string;
  /** The append-only events table: `task_events` for the path service, `events` elsewhere. */
  eventsTable: string;
}

type MigrationClass = new () => MigrationInterface;

const IDENTIFIER = /^[a-z_][a-z0-9_]*$/;

/**
 * The migration that creates a service's event store: the append-only events table (immutable by
 * trigger), the streams table with each stream's position, checkpoints for log readers (the relay,
 * projections) and the inbox of handled messages (idempotent consumers).
 */
export function eventStoreMigration({ schema, eventsTable }: EventStoreTables): MigrationClass {
  if (!IDENTIFIER.test(schema) || !IDENTIFIER.test(eventsTable)) {
    throw new Error(`invalid schema or table name: ${schema}.${eventsTable}`);
  }
  const events = `"${schema}"."${eventsTable}"`;
  const guard = `"${schema}"."${eventsTable}_are_immutable"`;

  return class CreateEventStore1764400000000 implements MigrationInterface {
    name = 'CreateEventStore1764400000000';

    async up(runner: QueryRunner): Promise<void> {
      await runner.query(`
        CREATE TABLE ${events} (
          global_position bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
          stream_id       text         NOT NULL,
          stream_position bigint       NOT NULL CHECK (stream_position > 0),
          transaction_id  xid8         NOT NULL DEFAULT pg_current_xact_id(),
          event_id        uuid         NOT NULL,
          event_type      text         NOT NULL,
          schema_version  integer      NOT NULL CHECK (schema_version > 0),
          user_id         varchar(255) NOT NULL,
          data            jsonb        NOT NULL,
          metadata        jsonb        NOT NULL DEFAULT '{}'::jsonb,
          occurred_at     timestamptz  NOT NULL,
          recorded_at     timestamptz  NOT NULL DEFAULT clock_timestamp(),
          CONSTRAINT "${eventsTable}_stream_position_unique" UNIQUE (stream_id, stream_position),
          CONSTRAINT "${eventsTable}_stream_event_unique" UNIQUE (stream_id, event_id)
        )`);
      // readAll's gap-safe scan: WHERE (transaction_id, global_position) > $after ORDER BY the same.
      await runner.query(
        `CREATE INDEX "${eventsTable}_log_order" ON ${events} (transaction_id, global_position)`,
      );
      await runner.query(`
        CREATE FUNCTION ${guard}() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          RAISE EXCEPTION 'events are immutable: % on %.% is not allowed', TG_OP, TG_TABLE_SCHEMA, TG_TABLE_NAME
            USING ERRCODE = 'restrict_violation';
        END $$`);
      await runner.query(
        `CREATE TRIGGER "${eventsTable}_no_update_delete" BEFORE UPDATE OR DELETE ON ${events} FOR EACH ROW EXECUTE FUNCTION ${guard}()`,
      );
      await runner.query(
        `CREATE TRIGGER "${eventsTable}_no_truncate" BEFORE TRUNCATE ON ${events} FOR EACH STATEMENT EXECUTE FUNCTION ${guard}()`,
      );
      await runner.query(`
        CREATE TABLE "${schema}".streams (
          stream_id       text        PRIMARY KEY,
          stream_type     text        NOT NULL,
          stream_position bigint      NOT NULL CHECK (stream_position > 0),
          created_at      timestamptz NOT NULL DEFAULT now(),
          updated_at      timestamptz NOT NULL DEFAULT now()
        )`);
      await runner.query(`
        CREATE TABLE "${schema}".checkpoints (
          name            text        PRIMARY KEY,
          transaction_id  xid8        NOT NULL,
          global_position bigint      NOT NULL,
          updated_at      timestamptz NOT NULL DEFAULT now()
        )`);
      await runner.query(`
        CREATE TABLE "${schema}".inbox (
          consumer   text        NOT NULL,
          message_id text        NOT NULL,
          handled_at timestamptz NOT NULL DEFAULT now(),
          PRIMARY KEY (consumer, message_id)
        )`);
    }

    async down(runner: QueryRunner): Promise<void> {
      await runner.query(`DROP TABLE "${schema}".inbox`);
      await runner.query(`DROP TABLE "${schema}".checkpoints`);
      await runner.query(`DROP TABLE "${schema}".streams`);
      await runner.query(`DROP TABLE ${events}`);
      await runner.query(`DROP FUNCTION ${guard}()`);
    }
  };
}
