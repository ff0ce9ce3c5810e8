import {
  META_SWE,
  ORIGINAL_POLICIES,
  type EventData,
  type GenerationPolicyVersion,
  type TaskStatusChanged,
} from '@studypath/contracts';
import { deterministicUuid } from '@studypath/platform';
import { BundledCatalog } from '@studypath/problem-bank';
import { pathConfig } from '@studypath/testing';
import {
  generationDecider,
  type GenerationDecision,
  type GenerationState,
  type TasksProposedEvent,
} from './generation.decider';
import { replayGeneration, type TimedFact } from './generation.replay';
import type { CatalogProblem } from './generator';

type TaskStatus = EventData<typeof TaskStatusChanged>['to'];

const path_id = '6f1c2f4e-8d61-4b2a-9f5e-2b8d7c3a1e02';
const catalog: CatalogProblem[] = new BundledCatalog()
  .all()
  .map((p) => ({ id: p.id, module: p.module, difficulty: p.difficulty, topics: p.topics }));
const taskId = (n: number): string => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
const at = (minute: number): string => new Date(Date.UTC(2026, 0, 5, 9, minute)).toISOString();

interface Lived {
  facts: TimedFact[];
  /** What the live service decided on each fact, in order. */
  decided: { cause: TimedFact; decisions: GenerationDecision[] }[];
}

/**
 * A path lived through the live decider, as the service runs it: path.created, every proposed
 * item created as a task by the path service, then the oldest open task ends with each outcome
 * in turn (the user answers them in order). Its facts are what a what-if replays.
 */
function live(outcomes: readonly TaskStatus[]): Lived {
  const decider = generationDecider(deterministicUuid);
  const facts: TimedFact[] = [];
  const decided: Lived['decided'] = [];
  let state: GenerationState = decider.initialState();
  let tasks = 0;
  const open: string[] = [];
  const apply = (fact: TimedFact): void => {
    facts.push(fact);
    const decisions = decider.decide(
      { fact, track: META_SWE, catalog, now: new Date(fact.occurred_at) },
      state,
    );
    if (decisions.length > 0) decided.push({ cause: fact, decisions });
    state = [fact, ...decisions].reduce<GenerationState>(
      (current, event) => decider.evolve(current, event),
      state,
    );
    for (const decision of decisions)
      if (decision.event_type === 'generation.tasks_proposed') created(decision);
  };
  const created = (proposal: TasksProposedEvent): void => {
    for (const { reason, ...item } of proposal.data.tasks) {
      tasks += 1;
      open.push(taskId(tasks));
      apply({
        event_type: 'task.created',
        occurred_at: at(facts.length),
        data: {
          ...item,
          task_id: taskId(tasks),
          path_id,
          proposal_id: proposal.data.proposal_id,
          metadata: { reason },
        },
      });
    }
  };
  apply({
    event_type: 'path.created',
    occurred_at: at(0),
    data: {
      path_id,
      track_id: META_SWE.id,
      config: pathConfig({ hours_per_week: 2 }),
      policies: ORIGINAL_POLICIES,
    },
  });
  for (const to of outcomes) {
    const task_id = open.shift();
    if (!task_id) break;
    apply({
      event_type: 'task.status_changed',
      occurred_at: at(facts.length),
      data: { task_id, path_id, from: 'submitted', to, reason: 'test' },
    });
  }
  return { facts, decided };
}

const replay = (lived: Lived, version: GenerationPolicyVersion) =>
  replayGeneration(lived.facts, version, catalog, META_SWE, deterministicUuid);

const OUTCOMES: TaskStatus[] = [
  'completed',
  'completed',
  'failed',
  'completed',
  'completed',
  'failed',
  'failed',
  'completed',
  'skipped',
  'completed',
  'completed',
];

describe('replayGeneration', () => {
  it('under the version the path ran, reproduces what the live decider proposed, fact by fact', () => {
    const lived = live(OUTCOMES);
    const steps = replay(lived, 'generation-1');
    expect(steps.map((s) => ({ cause: s.cause, decisions: s.proposed }))).toEqual(lived.decided);
    expect(steps.map((s) => s.actual)).toEqual(steps.map((s) => s.proposed));
    // A real history: the first week, then a top-up after most ends.
    expect(steps.length).toBeGreaterThan(5);
  });

  it('under generation-2, proposes otherwise where the rules differ, on the same real history', () => {
    const lived = live(OUTCOMES);
    const steps = replay(lived, 'generation-2');
    // What the path got is still what the live decider proposed.
    expect(steps.map((s) => ({ cause: s.cause, decisions: s.actual }))).toEqual(lived.decided);
    const differing = steps.filter((s) => JSON.stringify(s.proposed) !== JSON.stringify(s.actual));
    expect(differing.length).toBeGreaterThan(0);
    // The first week already: generation-2 never proposes a module twice in a row there.
    const [week] = steps;
    const proposal = week?.proposed[0];
    if (proposal?.event_type !== 'generation.tasks_proposed') throw new Error('no first week');
    const modules = proposal.data.tasks.map((t) => t.module);
    expect(modules.every((m, i) => i === 0 || modules[i - 1] !== m)).toBe(true);
  });

  it('keeps the cause of each proposal and writes nothing: the facts are left as they were', () => {
    const lived = live(OUTCOMES);
    const before = JSON.stringify(lived.facts);
    const steps = replay(lived, 'generation-2');
    expect(JSON.stringify(lived.facts)).toBe(before);
    for (const step of steps) expect(lived.facts).toContain(step.cause);
    expect(replay(lived, 'generation-2')).toEqual(steps);
  });
});
