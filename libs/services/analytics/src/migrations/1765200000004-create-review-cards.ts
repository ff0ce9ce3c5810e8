import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The review queue (docs/reviews.md): one FSRS card per learner and problem, made when a task on
 * the problem first ends and rated again at every later ending. `card` is the scheduler's state
 * as JSON; the columns beside it are what the queue is listed and searched by. A card with a
 * `pending_review_id` has had its `analytics.review_due` published and waits for its review task
 * to end; the due job looks only at cards without one (the partial index).
 */
export class CreateReviewCards1765200000004 implements MigrationInterface {
  name = 'CreateReviewCards1765200000004';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      CREATE TABLE analytics.review_cards (
        user_id           varchar(255) NOT NULL,
        problem_id        text         NOT NULL,
        path_id           uuid         NOT NULL,
        module            text         NOT NULL,
        topics            jsonb        NOT NULL DEFAULT '[]',
        difficulty        integer      NOT NULL,
        card              jsonb        NOT NULL,
        state             text         NOT NULL,
        due_at            timestamptz  NOT NULL,
        due_day           date         NOT NULL,
        interval_days     real         NOT NULL,
        last_rating       text         NOT NULL,
        reviews           integer      NOT NULL DEFAULT 1,
        scheduling_policy text         NOT NULL,
        pending_review_id uuid,
        pending_since     timestamptz,
        created_at        timestamptz  NOT NULL DEFAULT now(),
        updated_at        timestamptz  NOT NULL DEFAULT now(),
        PRIMARY KEY (user_id, problem_id)
      )`);
    await runner.query(`
      CREATE INDEX review_cards_due ON analytics.review_cards (due_at)
       WHERE pending_review_id IS NULL`);
    await runner.query(
      `CREATE INDEX review_cards_path ON analytics.review_cards (path_id, due_at)`,
    );
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('DROP TABLE analytics.review_cards');
  }
}
