import { BadRequestException, Injectable, NotFoundException } from '@nestjs/common';
import { retrievability } from '../domain';
import { ProgressRepository } from '../projections/progress.repository';
import {
  ReviewCardRepository,
  type CardCursor,
  type ReviewCardRow,
} from '../projections/review-card.repository';

export interface ReviewPage {
  items: (ReviewCardRow & { retrievability: number })[];
  nextCursor: string | null;
}

/** The review queue's reads: a path's cards, owner only (another user's path is not found). */
@Injectable()
export class ReviewQueries {
  constructor(
    private readonly paths: ProgressRepository,
    private readonly cards: ReviewCardRepository,
  ) {}

  async list(
    userId: string,
    pathId: string,
    options: { dueBefore?: Date; cursor?: string; limit: number },
    now: Date,
  ): Promise<ReviewPage> {
    if (!(await this.paths.find(userId, pathId)))
      throw new NotFoundException(`study path ${pathId} not found`);
    const after = options.cursor === undefined ? undefined : decodeCursor(options.cursor);
    const rows = await this.cards.listForPath(userId, pathId, {
      dueBefore: options.dueBefore,
      after,
      limit: options.limit + 1,
    });
    const items = rows.slice(0, options.limit);
    const last = items.at(-1);
    return {
      items: items.map((row) => ({ ...row, retrievability: retrievability(row.card, now) })),
      nextCursor:
        rows.length > options.limit && last
          ? encodeCursor({ dueAt: last.due_at, problemId: last.problem_id })
          : null,
    };
  }
}

function encodeCursor(cursor: CardCursor): string {
  return Buffer.from(JSON.stringify([cursor.dueAt.toISOString(), cursor.problemId])).toString(
    'base64url',
  );
}

function decodeCursor(cursor: string): CardCursor {
  const invalid = () =>
    new BadRequestException('cursor must be the next_cursor of a previous page');
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw invalid();
  }
  if (
    !Array.isArray(parsed) ||
    parsed.length !== 2 ||
    typeof parsed[0] !== 'string' ||
    typeof parsed[1] !== 'string' ||
    Number.isNaN(Date.parse(parsed[0]))
  )
    throw invalid();
  return { dueAt: new Date(parsed[0]), problemId: parsed[1] };
}
