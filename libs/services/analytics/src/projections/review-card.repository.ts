import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@studypath/platform';
import type { DataSource, EntityManager } from 'typeorm';
import type { LocalDay, ReviewCard, ReviewRating } from '../domain';

/** One card of the review queue: a learner's FSRS card for one problem. */
export interface ReviewCardRow {
  user_id: string;
  problem_id: string;
  /** The path the problem was last practised on: where its review tasks go. */
  path_id: string;
  module: string;
  topics: string[];
  difficulty: number;
  card: ReviewCard;
  state: ReviewCard['state'];
  due_at: Date;
  /** `due_at`'s date in the path's time zone: the day the review counts against. */
  due_day: LocalDay;
  interval_days: number;
  last_rating: ReviewRating;
  reviews: number;
  scheduling_policy: string;
  pending_review_id: string | null;
  pending_since: Date | null;
}

const COLUMNS = `user_id, problem_id, path_id, module, topics, difficulty, card, state, due_at,
  to_char(due_day, 'YYYY-MM-DD') AS due_day, interval_days, last_rating, reviews, scheduling_policy,
  pending_review_id, pending_since`;

/** Where a page of a path's cards goes on from: the last card's due time and problem. */
export interface CardCursor {
  dueAt: Date;
  problemId: string;
}

@Injectable()
export class ReviewCardRepository {
  constructor(@InjectDataSource('analytics') private readonly dataSource: DataSource) {}

  /** The learner's card of the problem, locked until the transaction ends; undefined if none. */
  async lock(
    userId: string,
    problemId: string,
    manager: EntityManager,
  ): Promise<ReviewCardRow | undefined> {
    const rows = (await manager.query(
      `SELECT ${COLUMNS} FROM analytics.review_cards
        WHERE user_id = $1 AND problem_id = $2 FOR UPDATE`,
      [userId, problemId],
    )) as ReviewCardRow[];
    return rows[0];
  }

  /** Reviews of the path's other cards per local day from `from` on: the load a new one joins. */
  async bookedDays(
    pathId: string,
    from: LocalDay,
    exceptProblemId: string,
    manager: EntityManager,
  ): Promise<Record<LocalDay, number>> {
    const rows = (await manager.query(
      `SELECT to_char(due_day, 'YYYY-MM-DD') AS day, count(*)::int AS n
         FROM analytics.review_cards
        WHERE path_id = $1 AND due_day >= $2::date AND problem_id <> $3
        GROUP BY due_day`,
      [pathId, from, exceptProblemId],
    )) as { day: LocalDay; n: number }[];
    return Object.fromEntries(rows.map((r) => [r.day, r.n]));
  }

  async save(row: ReviewCardRow, manager: EntityManager): Promise<void> {
    await manager.query(
      `INSERT INTO analytics.review_cards
         (user_id, problem_id, path_id, module, topics, difficulty, card, state, due_at, due_day,
          interval_days, last_rating, reviews, scheduling_policy, pending_review_id, pending_since)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10::date, $11, $12, $13, $14, $15, $16)
       ON CONFLICT (user_id, problem_id) DO UPDATE
          SET path_id = excluded.path_id, module = excluded.module, topics = excluded.topics,
              difficulty = excluded.difficulty, card = excluded.card, state = excluded.state,
              due_at = excluded.due_at, due_day = excluded.due_day,
              interval_days = excluded.interval_days, last_rating = excluded.last_rating,
              reviews = excluded.reviews, scheduling_policy = excluded.scheduling_policy,
              pending_review_id = excluded.pending_review_id,
              pending_since = excluded.pending_since, updated_at = now()`,
      [
        row.user_id,
        row.problem_id,
        row.path_id,
        row.module,
        JSON.stringify(row.topics),
        row.difficulty,
        JSON.stringify(row.card),
        row.state,
        row.due_at,
        row.due_day,
        row.interval_days,
        row.last_rating,
        row.reviews,
        row.scheduling_policy,
        row.pending_review_id,
        row.pending_since,
      ],
    );
  }

  /**
   * Cards due at `now` with no review under way, on active paths, the longest overdue first,
   * locked (others running the same pass skip them). Index review_cards_due.
   */
  async lockDue(now: Date, limit: number, manager: EntityManager): Promise<ReviewCardRow[]> {
    return (await manager.query(
      `SELECT ${COLUMNS} FROM analytics.review_cards c
        WHERE c.pending_review_id IS NULL AND c.due_at <= $1
          AND EXISTS (SELECT 1 FROM analytics.path_progress p
                       WHERE p.path_id = c.path_id AND p.status = 'active')
        ORDER BY c.due_at
        LIMIT $2
        FOR UPDATE OF c SKIP LOCKED`,
      [now, limit],
    )) as ReviewCardRow[];
  }

  async markPending(
    card: Pick<ReviewCardRow, 'user_id' | 'problem_id'>,
    reviewId: string,
    at: Date,
    manager: EntityManager,
  ): Promise<void> {
    await manager.query(
      `UPDATE analytics.review_cards SET pending_review_id = $3, pending_since = $4, updated_at = now()
        WHERE user_id = $1 AND problem_id = $2`,
      [card.user_id, card.problem_id, reviewId, at],
    );
  }

  /**
   * A page of the user's cards of a path, by due time (then problem), those due before
   * `dueBefore` only when it is given. Index review_cards_path.
   */
  async listForPath(
    userId: string,
    pathId: string,
    options: { dueBefore?: Date; after?: CardCursor; limit: number },
  ): Promise<ReviewCardRow[]> {
    return (await this.dataSource.query(
      `SELECT ${COLUMNS} FROM analytics.review_cards
        WHERE path_id = $1 AND user_id = $2
          AND ($3::timestamptz IS NULL OR due_at < $3)
          AND ($4::timestamptz IS NULL OR (due_at, problem_id) > ($4, $5::text))
        ORDER BY due_at, problem_id
        LIMIT $6`,
      [
        pathId,
        userId,
        options.dueBefore ?? null,
        options.after?.dueAt ?? null,
        options.after?.problemId ?? null,
        options.limit,
      ],
    )) as ReviewCardRow[];
  }

  /** Every card of the user (a learner has hundreds at most): what the dashboard's figures read. */
  async listByUser(userId: string): Promise<Pick<ReviewCardRow, 'path_id' | 'card' | 'due_day'>[]> {
    return (await this.dataSource.query(
      `SELECT path_id, card, to_char(due_day, 'YYYY-MM-DD') AS due_day
         FROM analytics.review_cards WHERE user_id = $1`,
      [userId],
    )) as Pick<ReviewCardRow, 'path_id' | 'card' | 'due_day'>[];
  }
}
