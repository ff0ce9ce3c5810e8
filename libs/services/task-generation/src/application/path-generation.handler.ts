import { Controller, Logger } from '@nestjs/common';
import {
  META_SWE,
  findTrack,
  PathArchived,
  PathConfigUpdated,
  PathCreated,
  PathPaused,
  PathResumed,
  TaskCreated,
  TaskStatusChanged,
  type EnvelopeOf,
  type EventData,
  type EventEnvelope,
} from '@studypath/contracts';
import {
  InjectEventStore,
  InjectInbox,
  type Inbox,
  type PostgresEventStore,
} from '@studypath/event-store';
import { HandleEvents } from '@studypath/messaging';
import { assertNever } from '@studypath/decider';
import type { EntityManager } from 'typeorm';
import { generateTasks, initialBatchSize, type HistoryTask } from '../domain/generator';
import { deterministicUuid } from '@studypath/platform';
import { ProblemCatalog } from './problem-catalog';

export const GENERATION_CONSUMER_GROUP = 'task-generation';

type PathConfig = EventData<typeof PathCreated>['config'];

/** A task of the path as the generator tracks it: the generator's view plus where it came from. */
interface TrackedTask extends HistoryTask {
  proposalId: string;
  taskId: string | null;
}

interface GenerationState {
  path_id: string;
  user_id: string;
  status: 'active' | 'paused' | 'archived';
  config: PathConfig;
  clock: number;
  proposals: number;
  tasks: TrackedTask[];
}

const OUTCOME: Partial<Record<string, HistoryTask['outcome']>> = {
  completed: 'passed',
  failed: 'failed',
  skipped: 'skipped',
  expired: 'expired',
};

/**
 * The task-generation service's reaction to the task stream: a new path gets its first week of
 * tasks, and the window of pending tasks is topped up as tasks end or the configuration changes.
 * State per path lives in `generation_paths`, changed only through the inbox, and each proposal
 * is appended to the service's own log in the same transaction (then relayed to Kafka).
 */
/** The task events that move a path's generation state. */
const GENERATION_INPUTS = [
  PathCreated,
  PathConfigUpdated,
  PathPaused,
  PathResumed,
  PathArchived,
  TaskCreated,
  TaskStatusChanged,
] as const;

@Controller()
export class PathGenerationHandler {
  private readonly logger = new Logger('TaskGeneration');

  constructor(
    @InjectInbox('task_generation') private readonly inbox: Inbox,
    @InjectEventStore('task_generation') private readonly store: PostgresEventStore,
    private readonly catalog: ProblemCatalog,
  ) {}

  @HandleEvents(GENERATION_CONSUMER_GROUP, GENERATION_INPUTS)
  async onTaskEvent(event: EnvelopeOf<(typeof GENERATION_INPUTS)[number]>): Promise<void> {
    const problems = await this.catalog.problems();
    await this.inbox.handleOnce(GENERATION_CONSUMER_GROUP, event.event_id, async (manager) => {
      if (event.event_type === 'path.created') {
        const data = event.data;
        const state: GenerationState = {
          path_id: data.path_id,
          user_id: event.user_id,
          status: 'active',
          config: data.config,
          clock: 1,
          proposals: 0,
          tasks: [],
        };
        const track = findTrack(data.track_id) ?? META_SWE;
        const count = Math.max(
          initialBatchSize(data.config, track),
          data.config.pending_tasks_ahead,
        );
        await this.propose(manager, state, count, 'initial', event, problems);
        await this.insert(manager, state, event.occurred_at);
        return;
      }
      const pathId = event.data.path_id;
      const state = await this.load(manager, pathId);
      if (!state) return; // a path this service never saw created (e.g. before it existed)
      switch (event.event_type) {
        case 'path.config_updated':
          state.config = event.data.config;
          break;
        case 'path.paused':
          state.status = 'paused';
          break;
        case 'path.resumed':
          state.status = 'active';
          break;
        case 'path.archived':
          state.status = 'archived';
          break;
        case 'task.created': {
          const created = event.data;
          const known = state.tasks.find(
            (t) =>
              t.proposalId === created.proposal_id &&
              t.problemId === created.problem_id &&
              t.taskId === null,
          );
          if (known) known.taskId = created.task_id;
          break;
        }
        case 'task.status_changed': {
          const change = event.data;
          const outcome = OUTCOME[change.to];
          const task = state.tasks.find((t) => t.taskId === change.task_id);
          if (!outcome || !task || task.outcome !== 'open') break;
          task.outcome = outcome;
          task.decidedAt = state.clock;
          state.clock += 1;
          break;
        }
        default:
          return assertNever(event, 'event');
      }
      await this.topUp(manager, state, event, problems);
      await this.save(manager, state, event.occurred_at);
    });
  }

  private async topUp(
    manager: EntityManager,
    state: GenerationState,
    event: EventEnvelope,
    problems: Awaited<ReturnType<ProblemCatalog['problems']>>,
  ): Promise<void> {
    if (state.status !== 'active') return;
    const open = state.tasks.filter((t) => t.outcome === 'open').length;
    const missing = state.config.pending_tasks_ahead - open;
    if (missing > 0) await this.propose(manager, state, missing, 'adaptive', event, problems);
  }

  private async propose(
    manager: EntityManager,
    state: GenerationState,
    count: number,
    source: 'initial' | 'adaptive',
    event: EventEnvelope,
    problems: Awaited<ReturnType<ProblemCatalog['problems']>>,
  ): Promise<void> {
    const now = new Date(event.occurred_at);
    const interview = state.config.target_interview_date
      ? new Date(`${state.config.target_interview_date}T00:00:00Z`)
      : null;
    const proposals = generateTasks({
      track: META_SWE,
      catalog: problems,
      config: state.config,
      history: state.tasks,
      count,
      seed: `${state.path_id}:${state.proposals}`,
      daysToInterview: interview
        ? Math.ceil((interview.getTime() - now.getTime()) / 86_400_000)
        : null,
      source,
      clock: state.clock,
    });
    if (proposals.length === 0) {
      this.logger.warn(`path ${state.path_id}: the catalog has nothing left to propose`);
      return;
    }
    const proposalId = deterministicUuid(`${state.path_id}:proposal:${state.proposals}`);
    const firstOrder = state.tasks.length;
    await this.store.append(
      `generation-${state.path_id}`,
      [
        {
          event_type: 'generation.tasks_proposed',
          data: {
            path_id: state.path_id,
            proposal_id: proposalId,
            tasks: proposals.map((p, i) => ({ ...p, order: firstOrder + i })),
          },
        },
      ],
      {
        expectedVersion: 'any',
        streamType: 'generation',
        userId: state.user_id,
        correlationId: event.correlation_id,
        causationId: event.event_id,
        traceparent: event.traceparent ?? undefined,
        manager,
      },
    );
    for (const p of proposals) {
      state.tasks.push({
        problemId: p.problem_id,
        module: p.module,
        difficulty: p.difficulty,
        topics: p.topics,
        source: p.source,
        outcome: 'open',
        proposedAt: state.clock,
        proposalId,
        taskId: null,
      });
    }
    state.clock += 1;
    state.proposals += 1;
  }

  private async load(manager: EntityManager, pathId: string): Promise<GenerationState | undefined> {
    const rows = (await manager.query(
      'SELECT path_id, user_id, status, config, clock, proposals, tasks FROM task_generation.generation_paths WHERE path_id = $1 FOR UPDATE',
      [pathId],
    )) as GenerationState[];
    return rows[0];
  }

  private async insert(manager: EntityManager, state: GenerationState, at: string): Promise<void> {
    await manager.query(
      `INSERT INTO task_generation.generation_paths (path_id, user_id, status, config, clock, proposals, tasks, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) ON CONFLICT (path_id) DO NOTHING`,
      [
        state.path_id,
        state.user_id,
        state.status,
        JSON.stringify(state.config),
        state.clock,
        state.proposals,
        JSON.stringify(state.tasks),
        at,
      ],
    );
  }

  private async save(manager: EntityManager, state: GenerationState, at: string): Promise<void> {
    await manager.query(
      `UPDATE task_generation.generation_paths
          SET status = $2, config = $3, clock = $4, proposals = $5, tasks = $6, updated_at = $7
        WHERE path_id = $1`,
      [
        state.path_id,
        state.status,
        JSON.stringify(state.config),
        state.clock,
        state.proposals,
        JSON.stringify(state.tasks),
        at,
      ],
    );
  }
}
