import type { ServiceDatabaseOptions } from '@studypath/platform';
import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The embedded process's dead letters: what the in-process bus could not deliver, kept until an
 * operator replays them (`npm run dlq -- replay`), which sets `replay_requested_at`; the bus then
 * delivers the row to its group again and sets `replayed_at`.
 */
export class CreateDeadLetters1765000000001 implements MigrationInterface {
  name = 'CreateDeadLetters1765000000001';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      CREATE TABLE messaging.dead_letters (
        id                  bigint       GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        consumer_group      text         NOT NULL,
        topic               text         NOT NULL,
        partition           integer      NOT NULL,
        message_offset      text         NOT NULL,
        message_key         text         NOT NULL,
        value               text         NOT NULL,
        headers             jsonb        NOT NULL,
        error               text         NOT NULL,
        failed_at           timestamptz  NOT NULL DEFAULT now(),
        replay_requested_at timestamptz,
        replayed_at         timestamptz,
        CHECK (replayed_at IS NULL OR replay_requested_at IS NOT NULL)
      )`);
    await runner.query(
      'CREATE INDEX dead_letters_by_queue ON messaging.dead_letters (consumer_group, topic, id)',
    );
    // The bus looks for replays every few seconds: a partial index keeps that at nothing.
    await runner.query(`
      CREATE INDEX dead_letters_replays_due ON messaging.dead_letters (consumer_group, id)
       WHERE replay_requested_at IS NOT NULL AND replayed_at IS NULL`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('DROP TABLE messaging.dead_letters');
  }
}

/** The schema of the embedded bus's dead letters, and the migrations that build it. */
export const MessagingDatabase: ServiceDatabaseOptions = {
  schema: 'messaging',
  migrations: [CreateDeadLetters1765000000001],
};
