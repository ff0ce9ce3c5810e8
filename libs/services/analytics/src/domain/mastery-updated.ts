import type { EventData, MasteryUpdated, TaskEvaluated } from '@studypath/contracts';
import { masteryOf, MASTERY_MODEL } from './mastery.model';
import type { ProgressState } from './progress.read-model';

export type MasteryUpdatedData = EventData<typeof MasteryUpdated>;

/**
 * The `analytics.mastery_updated` an evaluation calls for, from the progress the evaluation was
 * folded into; null when it moved no mastery (it could not run, or the fold did not count it).
 */
export function masteryUpdateFor(
  state: ProgressState,
  evaluation: EventData<typeof TaskEvaluated>,
): MasteryUpdatedData | null {
  const task = state.tasks[evaluation.task_id];
  if (!task || task.evaluated[evaluation.submission_id] !== true) return null;
  const moduleRating = state.mastery.modules[task.module];
  if (!moduleRating) return null;
  return {
    path_id: evaluation.path_id,
    task_id: evaluation.task_id,
    submission_id: evaluation.submission_id,
    model: MASTERY_MODEL,
    module: {
      module: task.module,
      mastery: masteryOf(moduleRating),
      evaluations: moduleRating.evaluations,
    },
    topics: task.topics.flatMap((topic) => {
      const rating = state.mastery.topics[topic];
      return rating ? [{ topic, mastery: masteryOf(rating), evaluations: rating.evaluations }] : [];
    }),
  };
}
