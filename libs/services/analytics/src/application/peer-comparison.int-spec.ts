import { randomUUID } from 'node:crypto';
import { NotFoundException } from '@nestjs/common';
import type { ModuleId } from '@studypath/contracts';
import { MemoryCache } from '@studypath/platform';
import { createTestDatabase, type TestDatabase } from '@studypath/testing';
import type { DataSource } from 'typeorm';
import { AnalyticsDatabase } from '../analytics.database';
import { evolveProgress, initialProgress, type ProgressEvent } from '../domain';
import { ProgressHistory } from '../domain/progress-history.factory';
import { ProgressRepository } from '../projections/progress.repository';
import { ReviewCardRepository } from '../projections/review-card.repository';
import { ProgressCache } from './progress-cache';
import { ProgressQueries } from './progress-queries.service';

interface Learner {
  userId: string;
  trackId?: string;
  status?: 'active' | 'archived';
  updatedAt?: string;
  /** Per module: passing and failing evaluations (one task each). */
  modules: Partial<Record<ModuleId, { passes: number; fails: number }>>;
}

/** A path's history with the given results, folded as the projection would, under its own id. */
function pathState(learner: Learner, pathId: string) {
  const history = new ProgressHistory('2026-03-02T09:00:00Z').path({}, learner.trackId);
  let n = 0;
  for (const [module, { passes, fails }] of Object.entries(learner.modules)) {
    for (let i = 0; i < passes + fails; i++) {
      const task = `t${n++}`;
      history
        .task(task, { module: module as ModuleId })
        .start(task)
        .after(10)
        .submit(task, `${task}-s`)
        .evaluate(task, `${task}-s`, i < passes ? 'passed' : 'failed');
    }
  }
  const events = JSON.parse(
    JSON.stringify(history.events).replaceAll(history.pathId, pathId),
  ) as ProgressEvent[];
  return events.reduce(evolveProgress, initialProgress());
}

describe('peer comparison: percentiles per module among the learners of a track (real PostgreSQL)', () => {
  let db: TestDatabase;
  let dataSource: DataSource;
  let queries: ProgressQueries;

  beforeAll(async () => {
    db = await createTestDatabase([AnalyticsDatabase]);
    dataSource = await db.dataSource(AnalyticsDatabase);
    queries = new ProgressQueries(
      new ProgressRepository(dataSource),
      new ProgressCache(new MemoryCache()),
      new ReviewCardRepository(dataSource),
    );
  });

  afterAll(async () => {
    await db.drop();
  });

  /** Inserts a projection row directly; returns its path id. */
  async function insert(learner: Learner): Promise<string> {
    const pathId = randomUUID();
    await dataSource.query(
      `INSERT INTO analytics.path_progress (path_id, user_id, status, state, version, updated_at)
       VALUES ($1, $2, $3, $4, 1, $5)`,
      [
        pathId,
        learner.userId,
        learner.status ?? 'active',
        JSON.stringify(pathState(learner, pathId)),
        learner.updatedAt ?? '2026-03-02T10:00:00Z',
      ],
    );
    return pathId;
  }

  it('ranks the learner against the track per module, from counts only, null below a cohort of 20', async () => {
    const me = 'learner-me';
    const mine = await insert({
      userId: me,
      updatedAt: '2026-03-03T10:00:00Z',
      modules: { 'arrays-strings': { passes: 2, fails: 1 }, graphs: { passes: 1, fails: 0 } },
    });
    // My other path of the track is not a peer.
    await insert({ userId: me, modules: { 'arrays-strings': { passes: 0, fails: 5 } } });

    const others: Learner[] = Array.from({ length: 24 }, (_, k) => ({
      userId: `peer-${k}`,
      modules: {
        'arrays-strings': { passes: k % 5, fails: 1 + (k % 2) },
        ...(k < 4 ? { graphs: { passes: 1, fails: 0 } } : {}),
      },
    }));
    // One learner with two paths of the track counts once, by the path changed last.
    others.push({
      userId: 'peer-twice',
      updatedAt: '2026-03-02T12:00:00Z',
      modules: { 'arrays-strings': { passes: 0, fails: 1 } },
    });
    const noise: Learner[] = [
      {
        userId: 'peer-twice',
        updatedAt: '2026-03-01T12:00:00Z',
        modules: { 'arrays-strings': { passes: 9, fails: 0 } },
      },
      // Archived paths, other tracks and learners who never tried the module are no peers.
      {
        userId: 'peer-archived',
        status: 'archived',
        modules: { 'arrays-strings': { passes: 0, fails: 3 } },
      },
      {
        userId: 'peer-other-track',
        trackId: 'google-l4',
        modules: { 'arrays-strings': { passes: 0, fails: 3 } },
      },
      { userId: 'peer-elsewhere', modules: { graphs: { passes: 0, fails: 1 } } },
    ];
    const ids = [];
    for (const learner of [...others, ...noise]) ids.push(await insert(learner));

    const { value } = await queries.percentiles(me, mine);

    // The brute-force answer: the others below me (accuracy 2/3, 2 completed), ties not below.
    const peers = others.flatMap((o) => o.modules['arrays-strings'] ?? []);
    const accuracyBelow = peers.filter((p) => p.passes / (p.passes + p.fails) < 2 / 3).length;
    const completedBelow = peers.filter((p) => p.passes < 2).length;
    expect(value.modules['arrays-strings']).toEqual({
      cohortSize: 26,
      accuracy: { percentile: Math.round((100 * accuracyBelow) / 25), reason: null },
      completed: { percentile: Math.round((100 * completedBelow) / 25), reason: null },
    });
    expect(value.modules['arrays-strings']?.accuracy.percentile).toBe(64); // 16 of 25: the five at 2/3 are ties, not below
    // Six attempted graphs: four peers, peer-elsewhere and me.
    const small = { percentile: null, reason: 'cohort smaller than 20' };
    expect(value.modules.graphs).toEqual({ cohortSize: null, accuracy: small, completed: small });
    const none = { percentile: null, reason: 'no attempts in this module yet' };
    expect(value.modules['dynamic-programming']).toEqual({
      cohortSize: null,
      accuracy: none,
      completed: none,
    });

    // Nothing of anyone else: no user id, no path id.
    const answer = JSON.stringify(value);
    for (const learner of [...others, ...noise]) expect(answer).not.toContain(learner.userId);
    for (const id of ids) expect(answer).not.toContain(id);

    // Owner only: someone else's path is not found.
    await expect(queries.percentiles('peer-0', mine)).rejects.toBeInstanceOf(NotFoundException);
  });

  it('says why there is no percentile for a track with fewer than 20 learners', async () => {
    const me = 'learner-small-track';
    const mine = await insert({
      userId: me,
      trackId: 'amazon-sde',
      modules: { 'arrays-strings': { passes: 1, fails: 1 } },
    });
    for (let k = 0; k < 18; k++) {
      await insert({
        userId: `small-${k}`,
        trackId: 'amazon-sde',
        modules: { 'arrays-strings': { passes: k % 3, fails: 1 } },
      });
    }
    const { value } = await queries.percentiles(me, mine);
    expect(value.modules['arrays-strings']).toEqual({
      cohortSize: null,
      accuracy: { percentile: null, reason: 'cohort smaller than 20' },
      completed: { percentile: null, reason: 'cohort smaller than 20' },
    });
    expect(JSON.stringify(value)).not.toMatch(/small-\d/);
  });
});
