import { dashboardOf } from './dashboard';
import { evolveBoard, initialBoard } from './task-board';
import { evolveProgress, initialProgress } from './progress.read-model';
import { ProgressHistory } from './progress-history.factory';

function pathOf(history: ProgressHistory, archived = false) {
  const events = archived
    ? [
        ...history.events,
        {
          event_type: 'path.archived' as const,
          data: { path_id: history.pathId },
          occurred_at: history.now.toISOString(),
        },
      ]
    : history.events;
  const board = events.reduce(evolveBoard, initialBoard());
  return {
    pathId: history.pathId,
    status: board.status,
    state: events.reduce(evolveProgress, initialProgress()),
    board,
  };
}

describe('dashboardOf', () => {
  const history = () =>
    new ProgressHistory('2026-03-04T09:00:00Z')
      .path({ timezone: 'Europe/Berlin', target_interview_date: '2026-04-01' })
      .task('a', { topics: ['graphs'] })
      .task('b', { topics: ['arrays'] })
      .task('c')
      .start('a')
      .submit('a', 's1')
      .evaluate('a', 's1', 'failed', 0)
      .submit('a', 's2', 2)
      .evaluate('a', 's2', 'passed')
      .start('b')
      .status('b', 'pending', 'in_progress')
      .skip('c');

  it('sums this week, names the task in progress as the next one, and the weakest topics', () => {
    const given = history();
    const dashboard = dashboardOf([pathOf(given)], new Date('2026-03-05T10:00:00Z'));
    expect(dashboard).toMatchObject({
      today: '2026-03-05',
      nextTask: { pathId: given.pathId, taskId: given.id('b'), status: 'in_progress' },
      streak: { current: 1, longest: 1 },
      tasksCompletedThisWeek: 1,
      daysToInterview: 27,
    });
    expect(dashboard.accuracyTrend.map((w) => w.weekStart)).toEqual([
      '2026-02-09',
      '2026-02-16',
      '2026-02-23',
      '2026-03-02',
    ]);
    expect(dashboard.accuracyTrend[3]).toMatchObject({ attempts: 2, accuracy: 0.5 });
    expect(dashboard.weakestTopics.map((t) => t.topic)).toEqual(['graphs']);
  });

  it('lists an archived path but counts nothing of it', () => {
    const dashboard = dashboardOf([pathOf(history(), true)], new Date('2026-03-05T10:00:00Z'));
    expect(dashboard).toMatchObject({
      nextTask: null,
      streak: { current: 0, longest: 0 },
      tasksCompletedThisWeek: 0,
      weakestTopics: [],
      daysToInterview: null,
    });
    expect(dashboard.paths).toHaveLength(1);
  });
});
