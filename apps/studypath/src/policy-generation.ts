import { findTrack, type EventEnvelope } from '@studypath/contracts';
import { deterministicUuid } from '@studypath/platform';
import { BundledCatalog } from '@studypath/problem-bank';
import {
  GENERATION_INPUTS,
  replayGeneration,
  type GenerationDecision,
  type TimedFact,
} from '@studypath/task-generation-service';

const GENERATION_TYPES = new Set<string>(GENERATION_INPUTS.map((d) => d.type));

function describe(decisions: readonly GenerationDecision[]): string {
  const parts = decisions.map((d) =>
    d.event_type === 'generation.tasks_proposed'
      ? d.data.tasks.map((t) => `${t.module}/${t.problem_id} d${t.difficulty}`).join(', ')
      : `catalog exhausted (wanted ${d.data.wanted})`,
  );
  return parts.join('; ') || '(nothing)';
}

/**
 * The generation part of a what-if: the path's facts (from its own log) replayed by the live
 * decider under the versions it ran, with what `asked` would have proposed on each fact beside
 * what it really got. Choosing from the bundled catalog, as the embedded process does; the review
 * queue's `analytics.review_due` facts are not in the path's log, so review tasks are left out.
 */
export function generationWhatIf(
  history: readonly EventEnvelope[],
  recorded: string,
  asked: string,
): string[] {
  const facts = history
    .filter((e) => GENERATION_TYPES.has(e.event_type))
    .map(
      (e) => ({ event_type: e.event_type, data: e.data, occurred_at: e.occurred_at }) as TimedFact,
    );
  const created = facts.find((f) => f.event_type === 'path.created');
  const track =
    created?.event_type === 'path.created' ? findTrack(created.data.track_id) : undefined;
  if (!track)
    return ['task generation: the path has no path.created of a known track: nothing to replay'];
  const catalog = new BundledCatalog()
    .all()
    .map((p) => ({ id: p.id, module: p.module, difficulty: p.difficulty, topics: p.topics }));
  const steps = replayGeneration(
    facts,
    asked as Parameters<typeof replayGeneration>[1],
    catalog,
    track,
    deterministicUuid,
  );
  const lines = [
    `task generation: ${recorded} (what the path got) vs ${asked}, on each fact that made a proposal`,
  ];
  let differing = 0;
  for (const step of steps) {
    const actual = describe(step.actual);
    const proposed = describe(step.proposed);
    if (actual !== proposed) differing += 1;
    lines.push(
      `  ${step.cause.occurred_at.slice(0, 16).replace('T', ' ')} ${step.cause.event_type}${actual === proposed ? '' : '  *'}`,
      `    ${recorded.padEnd(14)} ${actual}`,
      `    ${asked.padEnd(14)} ${proposed}`,
    );
  }
  lines.push(`  ${differing} of ${steps.length} decisions differ (*)`);
  return lines;
}
