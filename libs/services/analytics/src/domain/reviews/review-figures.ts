import type { LocalDay } from '../local-calendar';
import { retrievability, type ReviewCard } from './scheduling-policy';

/** A card of the review queue as the figures read it. */
export interface QueuedCard {
  card: ReviewCard;
  /** The local date (the path's time zone) the card falls due on. */
  dueDay: LocalDay;
}

/** The review queue's figures for a home screen (docs/reviews.md). */
export interface ReviewFigures {
  cards: number;
  /** Cards due on `today`. */
  dueToday: number;
  /** Cards due on a day before `today`. */
  overdue: number;
  /** Mean recall probability of the reviewed cards at `now` (FSRS); null without a card. */
  retentionEstimate: number | null;
}

export function reviewFiguresOf(
  cards: readonly QueuedCard[],
  today: LocalDay,
  now: Date,
): ReviewFigures {
  let dueToday = 0;
  let overdue = 0;
  let recall = 0;
  let reviewed = 0;
  for (const { card, dueDay } of cards) {
    if (dueDay === today) dueToday += 1;
    else if (dueDay < today) overdue += 1;
    if (card.last_review !== null) {
      recall += retrievability(card, now);
      reviewed += 1;
    }
  }
  return {
    cards: cards.length,
    dueToday,
    overdue,
    retentionEstimate: reviewed === 0 ? null : Math.round((recall / reviewed) * 1000) / 1000,
  };
}

/** The figures of several paths' queues added up (the estimate weighted by reviewed cards). */
export function sumReviewFigures(parts: readonly ReviewFigures[]): ReviewFigures {
  const withEstimate = parts.filter((p) => p.retentionEstimate !== null && p.cards > 0);
  const weight = withEstimate.reduce((n, p) => n + p.cards, 0);
  return {
    cards: parts.reduce((n, p) => n + p.cards, 0),
    dueToday: parts.reduce((n, p) => n + p.dueToday, 0),
    overdue: parts.reduce((n, p) => n + p.overdue, 0),
    retentionEstimate:
      weight === 0
        ? null
        : Math.round(
            (withEstimate.reduce((s, p) => s + (p.retentionEstimate ?? 0) * p.cards, 0) / weight) *
              1000,
          ) / 1000,
  };
}
