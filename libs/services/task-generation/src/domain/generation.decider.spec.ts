import {
  META_SWE,
  LATEST_POLICIES,
  ORIGINAL_POLICIES,
  type GenerationPolicyVersion,
  type PathPolicies,
  type EventData,
  type EventOf,
  type TaskCreated,
  type TaskStatusChanged,
  type Track,
} from '@studypath/contracts';
import { deciderSpecification, fold } from '@studypath/decider';
import { deterministicUuid } from '@studypath/platform';
import { BundledCatalog } from '@studypath/problem-bank';
import {
  generationDecider,
  type DueReview,
  type GenerationCommand,
  type GenerationEvent,
  type GenerationFact,
  type PathConfig,
  type PathGeneration,
  type TasksProposedEvent,
} from './generation.decider';
import { generatorFor, initialBatchSize, type CatalogProblem } from './generator';
import { pathConfig } from '@studypath/testing';

type TaskStatus = EventData<typeof TaskStatusChanged>['to'];

const path_id = '6f1c2f4e-8d61-4b2a-9f5e-2b8d7c3a1e01';
const now = new Date('2026-01-05T09:00:00Z');
const catalog: CatalogProblem[] = new BundledCatalog()
  .all()
  .map((p) => ({ id: p.id, module: p.module, difficulty: p.difficulty, topics: p.topics }));
const config = pathConfig();
/** A track of two modules only, to tell the path's own track from META_SWE. */
const TWO_MODULES: Track = {
  id: 'two-modules',
  title: 'Two modules',
  description: 'graphs and trees',
  modules: META_SWE.modules.filter((m) => m.id === 'graphs' || m.id === 'trees'),
};

const decider = generationDecider(deterministicUuid);
const spec = deciderSpecification(decider);

const command = (
  fact: GenerationFact,
  options: Partial<Omit<GenerationCommand, 'fact'>> = {},
): GenerationCommand => ({ fact, track: META_SWE, catalog, now, ...options });

const created = (
  changes: Partial<PathConfig> = {},
  track_id = META_SWE.id,
  policies: PathPolicies = ORIGINAL_POLICIES,
): GenerationFact => ({
  event_type: 'path.created',
  data: { path_id, track_id, config: { ...config, ...changes }, policies },
});
const configUpdated = (changes: Partial<PathConfig>): GenerationFact => ({
  event_type: 'path.config_updated',
  data: { path_id, config: { ...config, ...changes }, changed: Object.keys(changes) },
});
const policiesChanged = (
  generation: GenerationPolicyVersion,
  changed: ('generation' | 'scheduling')[] = ['generation'],
): GenerationFact => ({
  event_type: 'path.policies_changed',
  data: {
    path_id,
    policies: { generation, scheduling: 'fsrs-1' },
    changed,
    reason: 'test',
  },
});
const paused: GenerationFact = { event_type: 'path.paused', data: { path_id } };
const resumed: GenerationFact = { event_type: 'path.resumed', data: { path_id } };
const archived: GenerationFact = { event_type: 'path.archived', data: { path_id } };
const statusChanged = (task_id: string, to: TaskStatus, from: TaskStatus = 'pending') =>
  ({
    event_type: 'task.status_changed',
    data: { task_id, path_id, from, to, reason: 'test' },
  }) satisfies GenerationFact;

const reviewId = (n: number): string => `00000000-0000-4000-9000-${String(n).padStart(12, '0')}`;
/** A due review of a problem the path's first proposal did not hold, as analytics publishes it. */
const reviewDue = (n: number, changes: Partial<DueReview> = {}) =>
  ({
    event_type: 'analytics.review_due',
    data: {
      review_id: reviewId(n),
      card_state: 'review',
      due_at: '2026-01-12T07:30:00.000Z',
      last_interval_days: 6,
      scheduling_policy: 'fsrs-1',
      path_id,
      problem_id: 'graph-courier-reach',
      module: 'graphs',
      topics: ['bfs', 'grids'],
      difficulty: 2,
      last_rating: 'good',
      ...changes,
    },
  }) satisfies GenerationFact;
/** The review task a due review asks for, at `order` of its path. */
const reviewTask = (due: ReturnType<typeof reviewDue>, order: number): TasksProposedEvent => {
  const { review_id, card_state, due_at, last_interval_days, scheduling_policy } = due.data;
  return {
    event_type: 'generation.tasks_proposed',
    data: {
      path_id,
      proposal_id: deterministicUuid(`${path_id}:review:${review_id}`),
      tasks: [
        {
          problem_id: due.data.problem_id,
          module: due.data.module,
          topics: due.data.topics,
          difficulty: due.data.difficulty,
          order,
          source: 'review',
          reason: `spaced repetition: due ${due_at.slice(0, 10)}`,
          review: { review_id, card_state, due_at, last_interval_days, scheduling_policy },
        },
      ],
    },
  };
};

const taskId = (n: number): string => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;

/** The `task.created` of item `index` of a proposal, as the path service writes it. */
function taskCreated(
  proposal: TasksProposedEvent,
  index: number,
  task_id: string,
): EventOf<typeof TaskCreated> {
  const item = proposal.data.tasks[index];
  if (!item) throw new Error(`the proposal has no item ${index}`);
  const { reason, ...task } = item;
  return {
    event_type: 'task.created',
    data: {
      ...task,
      task_id,
      path_id,
      proposal_id: proposal.data.proposal_id,
      metadata: { reason },
    },
  };
}

/** The single proposal a decision holds. */
function proposalOf(events: GenerationEvent[]): TasksProposedEvent {
  const [event] = events;
  if (events.length !== 1 || event?.event_type !== 'generation.tasks_proposed')
    throw new Error(`expected one proposal, got ${JSON.stringify(events)}`);
  return event;
}

/** What the decider decides on `fact` after `history`. */
const decide = (
  history: GenerationEvent[],
  fact: GenerationFact,
  options: Partial<Omit<GenerationCommand, 'fact'>> = {},
): GenerationEvent[] => decider.decide(command(fact, options), fold(decider, history));

const stateOf = (events: GenerationEvent[]): PathGeneration => {
  const state = fold(decider, events);
  if (state.status === 'none') throw new Error('the path was never created');
  return state;
};

/**
 * The proposal the rules ask for once `history` (ending with the fact decided on) is folded:
 * proposal n of the path, seeded `<path>:<n>`, at the path's clock, ordered after its tasks.
 */
function expectedProposal(
  history: GenerationEvent[],
  count: number,
  source: 'initial' | 'adaptive',
  options: {
    track?: Track;
    daysToInterview?: number | null;
    version?: GenerationPolicyVersion;
  } = {},
): TasksProposedEvent {
  const state = stateOf(history);
  const tasks = generatorFor(options.version ?? 'generation-1')({
    track: options.track ?? META_SWE,
    catalog,
    config: state.config,
    history: state.tasks,
    count,
    seed: `${path_id}:${state.proposals}`,
    daysToInterview: options.daysToInterview ?? null,
    source,
    clock: state.clock,
  });
  expect(tasks).toHaveLength(count);
  return {
    event_type: 'generation.tasks_proposed',
    data: {
      path_id,
      proposal_id: deterministicUuid(`${path_id}:proposal:${state.proposals}`),
      tasks: tasks.map((task, i) => ({ ...task, order: state.tasks.length + i })),
    },
  };
}

// A path with its first three tasks proposed and created, tasks 1 to 3. Made before each test
// rather than once as the file loads: the generator then runs inside the tests that rely on it,
// and mutation testing (perTest coverage) runs only those tests for a mutant of the generator.
let first: TasksProposedEvent;
let start: GenerationEvent[];
beforeEach(() => {
  first = proposalOf(decide([], created()));
  start = [
    created(),
    first,
    taskCreated(first, 0, taskId(1)),
    taskCreated(first, 1, taskId(2)),
    taskCreated(first, 2, taskId(3)),
  ];
});

describe('generationDecider', () => {
  describe('a new path', () => {
    it('gets its first week at its hours per week', () => {
      // 3 hours at 25 minutes a task (every module starts at level 1): 7 tasks.
      const fact = created({ hours_per_week: 3, pending_tasks_ahead: 1 });
      spec
        .given([])
        .when(command(fact))
        .then([expectedProposal([fact], 7, 'initial')]);
    });

    it('gets at least its window of pending tasks', () => {
      const fact = created({ hours_per_week: 1, pending_tasks_ahead: 6 });
      spec
        .given([])
        .when(command(fact))
        .then([expectedProposal([fact], 6, 'initial')]);
    });

    it('sizes its first week by its starting levels', () => {
      const fact = created({
        hours_per_week: 5,
        pending_tasks_ahead: 1,
        starting_levels: Object.fromEntries(META_SWE.modules.map((m) => [m.id, 5])),
      });
      // 5 hours at 75 minutes a task.
      spec
        .given([])
        .when(command(fact))
        .then([expectedProposal([fact], 4, 'initial')]);
    });

    it('is sized and generated on its own track', () => {
      const levels = { graphs: 5, trees: 5 };
      const fact = created(
        { hours_per_week: 5, pending_tasks_ahead: 1, starting_levels: levels },
        TWO_MODULES.id,
      );
      // On META_SWE the other ten modules start at level 1 (25 minutes): a bigger first week.
      expect(
        initialBatchSize({ ...config, hours_per_week: 5, starting_levels: levels }, META_SWE),
      ).toBe(9);
      const decided = decide([], fact, { track: TWO_MODULES });
      expect(decided).toEqual([expectedProposal([fact], 4, 'initial', { track: TWO_MODULES })]);
      expect(new Set(proposalOf(decided).data.tasks.map((t) => t.module))).toEqual(
        new Set(['graphs', 'trees']),
      );
    });

    it('counts the days to the interview from when the path was created', () => {
      const fact = created({ hours_per_week: 3, target_interview_date: '2026-01-15' });
      // 9 days and 15 hours away: 10 days, urgent enough to open every module at once.
      const urgent = expectedProposal([fact], 7, 'initial', { daysToInterview: 10 });
      expect(urgent).not.toEqual(expectedProposal([fact], 7, 'initial'));
      spec.given([]).when(command(fact)).then([urgent]);
    });

    it('is started once: a second path.created proposes nothing and changes nothing', () => {
      spec.given(start).when(command(created())).then([]);
      expect(decider.evolve(stateOf(start), created({ hours_per_week: 9 }))).toEqual(
        stateOf(start),
      );
    });

    it('says so when the catalog has nothing to propose', () => {
      spec
        .given([])
        .when(command(created({ pending_tasks_ahead: 5 }), { catalog: [] }))
        .then([{ event_type: 'generation.catalog_exhausted', data: { path_id, wanted: 5 } }]);
    });

    it('starts active on its track, with its configuration and generation version, at clock 1', () => {
      expect(fold(decider, [created({ hours_per_week: 4 }, TWO_MODULES.id)])).toEqual({
        status: 'active',
        pathId: path_id,
        trackId: TWO_MODULES.id,
        config: { ...config, hours_per_week: 4 },
        generation: 'generation-1',
        clock: 1,
        proposals: 0,
        tasks: [],
        pendingReviews: [],
      });
    });
  });

  describe('the window of pending tasks', () => {
    it('is topped up when a task ends', () => {
      const ended = statusChanged(taskId(1), 'completed', 'submitted');
      spec
        .given(start)
        .when(command(ended))
        .then([expectedProposal([...start, ended], 1, 'adaptive')]);
    });

    it('is topped up by as many tasks as are missing', () => {
      const history = [
        ...start,
        paused,
        statusChanged(taskId(1), 'failed'),
        statusChanged(taskId(2), 'skipped'),
      ];
      spec
        .given(history)
        .when(command(resumed))
        .then([expectedProposal([...history, resumed], 2, 'adaptive')]);
    });

    it('is left alone while it is full', () => {
      spec
        .given(start)
        .when(command(statusChanged(taskId(1), 'in_progress')))
        .then([]);
    });

    it('is not topped up by pausing or archiving the path', () => {
      // The top-up after task 1 ended came short: the window has room.
      const short = [...start, statusChanged(taskId(1), 'completed', 'submitted')];
      spec.given(short).when(command(paused)).then([]);
      spec.given(short).when(command(archived)).then([]);
    });

    it('gets nothing while the path is paused or archived', () => {
      for (const stop of [paused, archived]) {
        spec
          .given([...start, stop])
          .when(command(statusChanged(taskId(1), 'completed', 'submitted')))
          .then([]);
      }
    });

    it('grows when the configuration raises it', () => {
      const raised = configUpdated({ pending_tasks_ahead: 5 });
      spec
        .given(start)
        .when(command(raised))
        .then([expectedProposal([...start, raised], 2, 'adaptive')]);
    });

    it('shrinks when the configuration lowers it: ending a task then proposes nothing', () => {
      const lowered = configUpdated({ pending_tasks_ahead: 2 });
      const completed = statusChanged(taskId(1), 'completed', 'submitted');
      const expired = statusChanged(taskId(2), 'expired');
      spec.given(start).when(command(lowered)).then([]);
      spec
        .given([...start, lowered])
        .when(command(completed))
        .then([]);
      spec
        .given([...start, lowered, completed])
        .when(command(expired))
        .then([expectedProposal([...start, lowered, completed, expired], 1, 'adaptive')]);
    });

    it('left short, is topped up after any later fact while the path is active', () => {
      // The top-up after task 1 ended came short (nothing was proposed): 2 open tasks of 3.
      const short = [...start, statusChanged(taskId(1), 'completed', 'submitted')];
      const changed = configUpdated({ hours_per_week: 2 });
      spec.given(short).when(command(paused)).then([]);
      spec
        .given(short)
        .when(command(changed))
        .then([expectedProposal([...short, changed], 1, 'adaptive')]);
    });

    it('says so when the catalog has nothing left for it', () => {
      spec
        .given(start)
        .when(command(statusChanged(taskId(1), 'completed', 'submitted'), { catalog: [] }))
        .then([{ event_type: 'generation.catalog_exhausted', data: { path_id, wanted: 1 } }]);
    });

    it('ignores the facts of a path it never saw created', () => {
      for (const fact of [
        configUpdated({ pending_tasks_ahead: 5 }),
        resumed,
        statusChanged(taskId(1), 'completed', 'submitted'),
        taskCreated(first, 0, taskId(1)),
      ]) {
        spec.given([]).when(command(fact)).then([]);
        expect(fold(decider, [fact])).toEqual({ status: 'none' });
      }
    });
  });

  describe('tasks', () => {
    it('links a proposed item to its task id when the task is created', () => {
      const state = stateOf([created(), first, taskCreated(first, 1, taskId(7))]);
      expect(state.tasks.map((t) => t.taskId)).toEqual([null, taskId(7), null]);
      expect(state.tasks.every((t) => t.proposalId === first.data.proposal_id)).toBe(true);
    });

    it('links each item once, to the task of its own proposal and problem', () => {
      const proposed: GenerationEvent[] = [created(), first];
      const unlinked = stateOf(proposed);
      // A task id already linked does not link a second item.
      expect(
        stateOf([
          ...proposed,
          taskCreated(first, 0, taskId(1)),
          taskCreated(first, 1, taskId(1)),
        ]).tasks.map((t) => t.taskId),
      ).toEqual([taskId(1), null, null]);
      // A linked item keeps its task.
      expect(
        stateOf([
          ...proposed,
          taskCreated(first, 0, taskId(1)),
          taskCreated(first, 0, taskId(9)),
        ]).tasks.map((t) => t.taskId),
      ).toEqual([taskId(1), null, null]);
      // A task of another proposal, or of another problem, links nothing.
      const otherProposal = taskCreated(first, 0, taskId(1));
      otherProposal.data.proposal_id = deterministicUuid('another proposal');
      const otherProblem = taskCreated(first, 0, taskId(2));
      otherProblem.data.problem_id = 'not-proposed';
      expect(stateOf([...proposed, otherProposal, otherProblem])).toEqual(unlinked);
    });

    it('ignores a task id seen before, and a task of no proposed item', () => {
      const again = taskCreated(first, 1, taskId(1));
      const stranger = taskCreated(first, 0, taskId(9));
      stranger.data.proposal_id = deterministicUuid('another proposal');
      expect(stateOf([...start, again, stranger])).toEqual(stateOf(start));
    });

    it.each([
      ['completed', 'passed'],
      ['failed', 'failed'],
      ['skipped', 'skipped'],
      ['expired', 'expired'],
    ] as const)('records %s as the outcome %s, at the current tick', (to, outcome) => {
      const before = stateOf(start);
      const after = stateOf([...start, statusChanged(taskId(2), to)]);
      expect(after.tasks[1]).toEqual({ ...before.tasks[1], outcome, decidedAt: before.clock });
      expect(after.clock).toBe(before.clock + 1);
    });

    it.each(['pending', 'in_progress', 'submitted'] as const)(
      'ignores the non-terminal status %s',
      (to) => {
        expect(stateOf([...start, statusChanged(taskId(1), to, 'in_progress')])).toEqual(
          stateOf(start),
        );
      },
    );

    it('ignores a status of an unknown task, and a second end of a task', () => {
      const ended = stateOf([...start, statusChanged(taskId(1), 'failed')]);
      expect(stateOf([...start, statusChanged(taskId(8), 'completed')])).toEqual(stateOf(start));
      expect(
        stateOf([
          ...start,
          statusChanged(taskId(1), 'failed'),
          statusChanged(taskId(1), 'skipped'),
        ]),
      ).toEqual(ended);
    });

    it('orders proposals and outcomes on one clock', () => {
      const passed = statusChanged(taskId(3), 'completed', 'submitted');
      const failed = statusChanged(taskId(1), 'failed', 'submitted');
      const topUp = proposalOf(decide([...start, passed], failed));
      const state = stateOf([...start, passed, failed, topUp]);
      expect(state.tasks.map((t) => [t.outcome, t.proposedAt, t.decidedAt])).toEqual([
        ['failed', 1, 3],
        ['open', 1, undefined],
        ['passed', 1, 2],
        ['open', 4, undefined],
        ['open', 4, undefined],
      ]);
      expect(state.clock).toBe(5);
      expect(state.proposals).toBe(2);
    });

    it('follows the path: paused, resumed, archived, and its new configuration', () => {
      expect(stateOf([...start, paused]).status).toBe('paused');
      expect(stateOf([...start, paused, resumed]).status).toBe('active');
      expect(stateOf([...start, archived]).status).toBe('archived');
      expect(stateOf([...start, configUpdated({ hours_per_week: 9 })]).config).toEqual({
        ...config,
        hours_per_week: 9,
      });
    });
  });

  describe('due reviews', () => {
    it('become one review task with the review, ordered after the path, on an active path', () => {
      const due = reviewDue(1);
      spec
        .given(start)
        .when(command(due))
        .then([reviewTask(due, 3)]);
      const [proposal] = decide(start, due) as [TasksProposedEvent];
      expect(proposal.data.tasks[0]?.reason.length).toBeLessThanOrEqual(500);
      expect(proposal.data.tasks[0]?.reason).toBe('spaced repetition: due 2026-01-12');
    });

    it('are proposed once: the same review id again proposes nothing', () => {
      const due = reviewDue(1);
      const proposed = [...start, due, reviewTask(due, 3)];
      // Redelivered, or published again by a second run of the job (another event, the same review).
      spec.given(proposed).when(command(due)).then([]);
      spec
        .given(proposed)
        .when(command(reviewDue(1, { due_at: '2026-01-13T00:00:00.000Z' })))
        .then([]);
      // Also once its task exists and has ended.
      const created = taskCreated(reviewTask(due, 3), 0, taskId(4));
      spec
        .given([...proposed, created, statusChanged(taskId(4), 'completed', 'submitted')])
        .when(command(due))
        .then([]);
      expect(stateOf(proposed).tasks[3]).toMatchObject({ reviewId: reviewId(1), source: 'review' });
    });

    it('of different reviews are each proposed', () => {
      const one = reviewDue(1);
      const two = reviewDue(2, { problem_id: 'tree-level-sums', module: 'trees' });
      spec
        .given([...start, one, reviewTask(one, 3)])
        .when(command(two))
        .then([reviewTask(two, 4)]);
    });

    it('wait while the path is paused and are proposed on resume, after its top-up, once', () => {
      const one = reviewDue(1);
      const two = reviewDue(2, { problem_id: 'tree-level-sums', module: 'trees' });
      const ended = statusChanged(taskId(1), 'completed', 'submitted');
      const waiting = [...start, paused, ended, one, two, one];
      spec
        .given([...start, paused])
        .when(command(one))
        .then([]);
      expect(stateOf(waiting).pendingReviews.map((r) => r.review_id)).toEqual([
        reviewId(1),
        reviewId(2),
      ]);
      // Task 1 ended while paused: the window has room for one, the reviews come on top of it.
      const topUp = expectedProposal([...waiting, resumed], 1, 'adaptive');
      const decided = decide(waiting, resumed);
      expect(decided).toEqual([topUp, reviewTask(one, 4), reviewTask(two, 5)]);
      const after = stateOf([...waiting, resumed, ...decided]);
      expect(after.pendingReviews).toEqual([]);
      expect(after.tasks.map((t) => t.reviewId)).toEqual([
        undefined,
        undefined,
        undefined,
        undefined,
        reviewId(1),
        reviewId(2),
      ]);
      // Proposed, they are not proposed again: not on the next fact, nor on a later resume.
      spec
        .given([...waiting, resumed, ...decided])
        .when(command(one))
        .then([]);
      spec
        .given([...waiting, resumed, ...decided, paused])
        .when(command(resumed))
        .then([]);
    });

    it('are ignored by an archived path, even one archived while they waited', () => {
      const due = reviewDue(1);
      spec
        .given([...start, archived])
        .when(command(due))
        .then([]);
      expect(stateOf([...start, archived, due])).toEqual(stateOf([...start, archived]));
      expect(stateOf([...start, paused, due, archived]).pendingReviews).toEqual([]);
    });

    it('are ignored for a path never seen created', () => {
      spec
        .given([])
        .when(command(reviewDue(1)))
        .then([]);
      expect(fold(decider, [reviewDue(1)])).toEqual({ status: 'none' });
    });

    it('count in the window once proposed: the top-up stays, later ends top up as usual', () => {
      const due = reviewDue(1);
      const withReview = [
        ...start,
        due,
        reviewTask(due, 3),
        taskCreated(reviewTask(due, 3), 0, taskId(4)),
      ];
      // Four open tasks for a window of three: one ending proposes nothing.
      const first = statusChanged(taskId(1), 'completed', 'submitted');
      spec.given(withReview).when(command(first)).then([]);
      // The review ending too leaves two open: the window is topped up again.
      const second = statusChanged(taskId(4), 'completed', 'submitted');
      spec
        .given([...withReview, first])
        .when(command(second))
        .then([expectedProposal([...withReview, first, second], 1, 'adaptive')]);
    });

    it('come after the top-up of a window left short', () => {
      // The top-up after task 1 ended came short (nothing was proposed): 2 open tasks of 3.
      const short = [...start, statusChanged(taskId(1), 'completed', 'submitted')];
      const due = reviewDue(1);
      spec
        .given(short)
        .when(command(due))
        .then([expectedProposal([...short, due], 1, 'adaptive'), reviewTask(due, 4)]);
    });
  });

  describe('the generation version', () => {
    it('is the one path.created names, and runs from the first batch', () => {
      const fact = created(
        { hours_per_week: 3, pending_tasks_ahead: 1 },
        META_SWE.id,
        LATEST_POLICIES,
      );
      expect(stateOf([fact]).generation).toBe('generation-2');
      const second = expectedProposal([fact], 7, 'initial', { version: 'generation-2' });
      expect(second).not.toEqual(expectedProposal([fact], 7, 'initial'));
      spec.given([]).when(command(fact)).then([second]);
    });

    it('is moved by path.policies_changed that changes generation, and the next top-up runs it', () => {
      const moved = [...start, policiesChanged('generation-2')];
      expect(stateOf(moved).generation).toBe('generation-2');
      // A wider window: five tasks to top up, where the two versions' rules tell.
      const widened = configUpdated({ pending_tasks_ahead: 8 });
      const underTwo = expectedProposal([...moved, widened], 5, 'adaptive', {
        version: 'generation-2',
      });
      expect(underTwo).not.toEqual(expectedProposal([...moved, widened], 5, 'adaptive'));
      spec.given(moved).when(command(widened)).then([underTwo]);
      spec
        .given(start)
        .when(command(widened))
        .then([expectedProposal([...start, widened], 5, 'adaptive')]);
    });

    it('is moved back the same way', () => {
      const back = [...start, policiesChanged('generation-2'), policiesChanged('generation-1')];
      expect(stateOf(back).generation).toBe('generation-1');
    });

    it('stays when path.policies_changed changes only the scheduling', () => {
      const fact = policiesChanged('generation-2', ['scheduling']);
      expect(stateOf([...start, fact]).generation).toBe('generation-1');
    });

    it('changes no task proposed before, and a full window gets nothing', () => {
      const fact = policiesChanged('generation-2');
      spec.given(start).when(command(fact)).then([]);
      expect(stateOf([...start, fact])).toEqual({ ...stateOf(start), generation: 'generation-2' });
    });

    it('tops a short window up under the new version', () => {
      // The top-up after task 1 ended came short (nothing was proposed): 2 open tasks of 3.
      const short = [...start, statusChanged(taskId(1), 'completed', 'submitted')];
      const fact = policiesChanged('generation-2');
      spec
        .given(short)
        .when(command(fact))
        .then([expectedProposal([...short, fact], 1, 'adaptive', { version: 'generation-2' })]);
    });

    it('of a path never seen created changes nothing', () => {
      spec
        .given([])
        .when(command(policiesChanged('generation-2')))
        .then([]);
      expect(fold(decider, [policiesChanged('generation-2')])).toEqual({ status: 'none' });
    });

    it('is an error when unknown, never a fallback', () => {
      const state = {
        ...stateOf(start),
        generation: 'generation-0' as GenerationPolicyVersion,
      };
      expect(() =>
        decider.decide(command(statusChanged(taskId(1), 'completed', 'submitted')), state),
      ).toThrow(/generation-0/);
    });

    it('can be forced for a replay, whatever the path records', () => {
      const forced = generationDecider(deterministicUuid, { generation: 'generation-2' });
      const ended = statusChanged(taskId(1), 'completed', 'submitted');
      expect(forced.decide(command(ended), stateOf(start))).toEqual([
        expectedProposal([...start, ended], 1, 'adaptive', { version: 'generation-2' }),
      ]);
    });
  });

  describe('proposal ids', () => {
    it('number the proposals of a path: uuid(<path>:proposal:<n>)', () => {
      expect(first.data.proposal_id).toBe('8602d68e-ff50-5a01-aca9-7768798f9ccd');
      const next = proposalOf(decide(start, statusChanged(taskId(1), 'completed')));
      expect(next.data.proposal_id).toBe('4370021e-ebd0-542f-8f82-234479614308');
      expect(next.data.tasks[0]?.order).toBe(3);
    });

    it('are the same, with the same proposals, for the same facts', () => {
      const fact = statusChanged(taskId(2), 'skipped');
      expect(decide(start, fact)).toEqual(
        generationDecider(deterministicUuid).decide(command(fact), fold(decider, start)),
      );
    });

    it('leave the state alone when the catalog is exhausted', () => {
      const state = stateOf(start);
      expect(
        decider.evolve(state, {
          event_type: 'generation.catalog_exhausted',
          data: { path_id, wanted: 2 },
        }),
      ).toBe(state);
    });
  });

  it('refuses a fact or an event it does not know', () => {
    const state = fold(decider, start);
    expect(() =>
      decider.decide(command({ event_type: 'path.renamed' } as unknown as GenerationFact), state),
    ).toThrow('unexpected fact: {"event_type":"path.renamed"}');
    expect(() =>
      decider.evolve(state, { event_type: 'path.renamed' } as unknown as GenerationEvent),
    ).toThrow('unexpected event: {"event_type":"path.renamed"}');
  });
});
