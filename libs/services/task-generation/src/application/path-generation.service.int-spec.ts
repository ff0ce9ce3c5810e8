import { randomUUID } from 'node:crypto';
import {
  LATEST_POLICIES,
  ORIGINAL_POLICIES,
  PathConfigUpdated,
  PathCreated,
  PathPaused,
  PathPoliciesChanged,
  PathResumed,
  ReviewDue,
  TaskCreated,
  TaskStatusChanged,
  type EventData,
  type TasksProposed,
} from '@studypath/contracts';
import { PostgresEventStore } from '@studypath/event-store';
import { deterministicUuid } from '@studypath/platform';
import { BundledCatalog } from '@studypath/problem-bank';
import { createTestDatabase, envelope, pathConfig, type TestDatabase } from '@studypath/testing';
import type { DataSource } from 'typeorm';
import { GenerationStateRepository } from '../projections/generation-state.repository';
import { TaskGenerationDatabase, TaskGenerationEventStore } from '../task-generation.database';
import { PathGenerationService, type GenerationInput } from './path-generation.service';
import { ProblemCatalog } from './problem-catalog';

const config = pathConfig();
const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

/** How the service receives a user's task event: its owner, when it occurred, its trace. */
const delivery = (user_id: string, occurred_at = '2026-01-05T09:00:00.000Z') => ({
  user_id,
  occurred_at,
  traceparent,
});

/** A due review of a path's card, as the analytics service publishes it. */
const reviewDue = (pathId: string, reviewId: string): EventData<typeof ReviewDue> => ({
  review_id: reviewId,
  card_state: 'review',
  due_at: '2026-01-12T07:30:00.000Z',
  last_interval_days: 6,
  scheduling_policy: 'fsrs-1',
  path_id: pathId,
  problem_id: 'graph-courier-reach',
  module: 'graphs',
  topics: ['bfs'],
  difficulty: 1,
  last_rating: 'good',
});

/** What a review task carries of its review. */
const reviewOf = ({
  review_id,
  card_state,
  due_at,
  last_interval_days,
  scheduling_policy,
}: EventData<typeof ReviewDue>) => ({
  review_id,
  card_state,
  due_at,
  last_interval_days,
  scheduling_policy,
});

interface StoredRow {
  user_id: string;
  track_id: string;
  status: string;
  generation: string;
  clock: number;
  proposals: number;
  tasks: { taskId: string | null; outcome: string; reviewId?: string }[];
  pending_reviews: { review_id: string }[];
  created_at: Date;
  updated_at: Date;
}

describe('PathGenerationService (real PostgreSQL, bundled catalog)', () => {
  let db: TestDatabase;
  let dataSource: DataSource;
  let store: PostgresEventStore;
  let service: PathGenerationService;

  beforeAll(async () => {
    db = await createTestDatabase([TaskGenerationDatabase]);
    dataSource = await db.dataSource(TaskGenerationDatabase);
    store = new PostgresEventStore(dataSource, TaskGenerationEventStore);
    service = new PathGenerationService(
      store,
      new GenerationStateRepository(),
      new ProblemCatalog(new BundledCatalog()),
    );
  });

  afterAll(async () => {
    await db?.drop();
  });

  const apply = (event: GenerationInput): Promise<void> =>
    dataSource.transaction((manager) => service.apply(event, manager));

  async function row(pathId: string): Promise<StoredRow | undefined> {
    const rows = (await dataSource.query(
      'SELECT * FROM task_generation.generation_paths WHERE path_id = $1',
      [pathId],
    )) as StoredRow[];
    return rows[0];
  }

  it('proposes a new path its first tasks, as caused by path.created, and keeps its state', async () => {
    const pathId = randomUUID();
    const created = envelope(
      PathCreated,
      { path_id: pathId, track_id: 'meta-swe', config, policies: ORIGINAL_POLICIES },
      delivery('user-1'),
    );
    await apply(created);

    const [proposal, ...more] = await store.readStream(`generation-${pathId}`);
    expect(more).toEqual([]);
    expect(proposal).toMatchObject({
      event_type: 'generation.tasks_proposed',
      user_id: 'user-1',
      correlation_id: created.correlation_id,
      causation_id: created.event_id,
      traceparent,
      data: { path_id: pathId, proposal_id: deterministicUuid(`${pathId}:proposal:0`) },
    });
    expect(await row(pathId)).toMatchObject({
      user_id: 'user-1',
      track_id: 'meta-swe',
      status: 'active',
      clock: 2,
      proposals: 1,
      tasks: [{ taskId: null }, { taskId: null }, { taskId: null }],
    });
  });

  it('links tasks and tops the window up when one ends, keeping the creation time', async () => {
    const pathId = randomUUID();
    await apply(
      envelope(
        PathCreated,
        { path_id: pathId, track_id: 'meta-swe', config, policies: ORIGINAL_POLICIES },
        delivery('user-2'),
      ),
    );
    const [proposal] = await store.readStream(`generation-${pathId}`);
    const { proposal_id, tasks } = proposal?.data as EventData<typeof TasksProposed>;
    const taskIds = tasks.map(() => randomUUID());
    for (const [order, task] of tasks.entries()) {
      await apply(
        envelope(
          TaskCreated,
          {
            task_id: taskIds[order] as string,
            path_id: pathId,
            problem_id: task.problem_id,
            module: task.module,
            topics: task.topics,
            difficulty: task.difficulty,
            order,
            source: 'initial',
            proposal_id,
          },
          delivery('user-2'),
        ),
      );
    }
    const before = await row(pathId);
    await apply(
      envelope(
        TaskStatusChanged,
        {
          task_id: taskIds[0] as string,
          path_id: pathId,
          from: 'submitted',
          to: 'completed',
          reason: 'all tests passed',
        },
        delivery('user-2', '2026-01-06T09:00:00.000Z'),
      ),
    );

    const proposals = await store.readStream(`generation-${pathId}`);
    expect(proposals).toHaveLength(2);
    expect(proposals[1]?.data).toMatchObject({
      proposal_id: deterministicUuid(`${pathId}:proposal:1`),
      tasks: [{ source: 'adaptive', order: 3 }],
    });
    const after = await row(pathId);
    expect(after?.tasks.map((t) => [t.taskId, t.outcome])).toEqual([
      [taskIds[0], 'passed'],
      [taskIds[1], 'open'],
      [taskIds[2], 'open'],
      [null, 'open'],
    ]);
    expect(after?.created_at).toEqual(before?.created_at);
    expect(after?.updated_at).toEqual(new Date('2026-01-06T09:00:00.000Z'));
  });

  it('ignores the facts of a path it never saw created', async () => {
    const pathId = randomUUID();
    await apply(envelope(PathResumed, { path_id: pathId }, delivery('user-3')));
    await apply(envelope(ReviewDue, reviewDue(pathId, randomUUID()), delivery('user-3')));
    expect(await store.readStream(`generation-${pathId}`)).toEqual([]);
    expect(await row(pathId)).toBeUndefined();
  });

  it('proposes a due review as one review task carrying the review, once per review id', async () => {
    const pathId = randomUUID();
    const reviewId = randomUUID();
    await apply(
      envelope(
        PathCreated,
        { path_id: pathId, track_id: 'meta-swe', config, policies: ORIGINAL_POLICIES },
        delivery('user-6'),
      ),
    );
    const due = envelope(ReviewDue, reviewDue(pathId, reviewId), delivery('user-6'));
    await apply(due);
    // Two runs of the job publish the same review as two events; neither proposes it again.
    await apply(envelope(ReviewDue, reviewDue(pathId, reviewId), delivery('user-6')));
    await apply(envelope(ReviewDue, reviewDue(pathId, reviewId), delivery('user-6')));

    const [, review, ...more] = await store.readStream(`generation-${pathId}`);
    expect(more).toEqual([]);
    expect(review).toMatchObject({
      event_type: 'generation.tasks_proposed',
      user_id: 'user-6',
      causation_id: due.event_id,
      data: {
        path_id: pathId,
        proposal_id: deterministicUuid(`${pathId}:review:${reviewId}`),
        tasks: [
          {
            problem_id: 'graph-courier-reach',
            module: 'graphs',
            topics: ['bfs'],
            difficulty: 1,
            order: 3,
            source: 'review',
            reason: 'spaced repetition: due 2026-01-12',
            review: reviewOf(due.data),
          },
        ],
      },
    });
    expect((await row(pathId))?.tasks.map((t) => t.reviewId)).toEqual([
      undefined,
      undefined,
      undefined,
      reviewId,
    ]);
  });

  it('keeps a due review while the path is paused and proposes it on resume', async () => {
    const pathId = randomUUID();
    const reviewId = randomUUID();
    await apply(
      envelope(
        PathCreated,
        { path_id: pathId, track_id: 'meta-swe', config, policies: ORIGINAL_POLICIES },
        delivery('user-7'),
      ),
    );
    await apply(envelope(PathPaused, { path_id: pathId }, delivery('user-7')));
    const due = envelope(ReviewDue, reviewDue(pathId, reviewId), delivery('user-7'));
    await apply(due);
    expect(await store.readStream(`generation-${pathId}`)).toHaveLength(1);
    expect((await row(pathId))?.pending_reviews.map((r) => r.review_id)).toEqual([reviewId]);

    await apply(envelope(PathResumed, { path_id: pathId }, delivery('user-7')));
    const proposals = await store.readStream(`generation-${pathId}`);
    expect(proposals).toHaveLength(2);
    expect(proposals[1]?.data).toMatchObject({
      tasks: [{ source: 'review', order: 3, review: reviewOf(due.data) }],
    });
    expect((await row(pathId))?.pending_reviews).toEqual([]);
  });

  it('records the generation version of path.created and moves it on path.policies_changed', async () => {
    const pathId = randomUUID();
    await apply(
      envelope(
        PathCreated,
        { path_id: pathId, track_id: 'meta-swe', config, policies: LATEST_POLICIES },
        delivery('user-10'),
      ),
    );
    expect(await row(pathId)).toMatchObject({ generation: 'generation-2' });
    await apply(
      envelope(
        PathPoliciesChanged,
        {
          path_id: pathId,
          policies: { generation: 'generation-1', scheduling: 'fsrs-deadline-1' },
          changed: ['generation'],
        },
        delivery('user-10'),
      ),
    );
    expect(await row(pathId)).toMatchObject({ generation: 'generation-1', proposals: 1 });
  });

  it('refuses a path whose stored generation version it does not know, writing nothing', async () => {
    const pathId = randomUUID();
    await apply(
      envelope(
        PathCreated,
        { path_id: pathId, track_id: 'meta-swe', config, policies: ORIGINAL_POLICIES },
        delivery('user-11'),
      ),
    );
    await dataSource.query(
      `UPDATE task_generation.generation_paths SET generation = 'generation-9' WHERE path_id = $1`,
      [pathId],
    );
    await expect(
      apply(envelope(PathPaused, { path_id: pathId }, delivery('user-11'))),
    ).rejects.toThrow(/generation-9/);
    expect(await row(pathId)).toMatchObject({ status: 'active', generation: 'generation-9' });
  });

  it('refuses a path on a track it does not know, writing nothing', async () => {
    const pathId = randomUUID();
    await expect(
      apply(
        envelope(
          PathCreated,
          { path_id: pathId, track_id: 'unknown', config, policies: ORIGINAL_POLICIES },
          delivery('user-4'),
        ),
      ),
    ).rejects.toThrow(/unknown/);
    expect(await row(pathId)).toBeUndefined();
  });

  it('gives the paths generated before the track column the META_SWE track', async () => {
    const pathId = randomUUID();
    // Back to before the track column: the pending reviews and generation columns came after it.
    await dataSource.undoLastMigration({ transaction: 'each' });
    await dataSource.undoLastMigration({ transaction: 'each' });
    await dataSource.undoLastMigration({ transaction: 'each' });
    await dataSource.query(
      `INSERT INTO task_generation.generation_paths (path_id, user_id, status, config, created_at, updated_at)
       VALUES ($1, 'user-5', 'active', $2, now(), now())`,
      [pathId, JSON.stringify(config)],
    );
    await dataSource.runMigrations({ transaction: 'each' });
    expect(await row(pathId)).toMatchObject({
      track_id: 'meta-swe',
      pending_reviews: [],
      generation: 'generation-1',
    });
  });

  it('gives the paths generated before the generation column generation-1, and runs it', async () => {
    const pathId = randomUUID();
    await dataSource.undoLastMigration({ transaction: 'each' });
    await dataSource.query(
      `INSERT INTO task_generation.generation_paths
              (path_id, user_id, track_id, status, config, created_at, updated_at)
       VALUES ($1, 'user-9', 'meta-swe', 'active', $2, now(), now())`,
      [pathId, JSON.stringify(config)],
    );
    await dataSource.runMigrations({ transaction: 'each' });
    expect(await row(pathId)).toMatchObject({ generation: 'generation-1' });
    // The row loads and moves on as generation-1's (its window of 3 is empty: it is topped up).
    await apply(
      envelope(
        PathConfigUpdated,
        { path_id: pathId, config, changed: ['hours_per_week'] },
        delivery('user-9'),
      ),
    );
    expect(await store.readStream(`generation-${pathId}`)).toHaveLength(1);
    expect(await row(pathId)).toMatchObject({ generation: 'generation-1', proposals: 1 });
  });
});
