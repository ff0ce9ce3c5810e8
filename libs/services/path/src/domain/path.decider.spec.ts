import { deciderSpecification } from '@studypath/decider';
import { IllegalTransitionError, InvalidCommandError, NotFoundError } from './domain-errors';
import { pathDecider, type PathConfig, type PathEvent } from './path.decider';

const pathId = '6f1c2f4e-8d61-4b2a-9f5e-2b8d7c3a1e01';
const config: PathConfig = {
  target_interview_date: '2027-02-01',
  timezone: 'Europe/Dublin',
  hours_per_week: 6,
  starting_levels: { graphs: 2 },
  personalization_weights: { graphs: 2 },
  pending_tasks_ahead: 5,
  max_attempts: 3,
  expiry_days: 7,
};
const created: PathEvent = {
  event_type: 'path.created',
  data: { path_id: pathId, track_id: 'meta-swe', config },
};
const paused: PathEvent = { event_type: 'path.paused', data: { path_id: pathId } };
const archived: PathEvent = { event_type: 'path.archived', data: { path_id: pathId } };
const spec = deciderSpecification(pathDecider);

describe('pathDecider', () => {
  it('creates a path', () => {
    spec.given([]).when({ type: 'create', pathId, trackId: 'meta-swe', config }).then([created]);
  });

  it('does not create a path twice', () => {
    spec
      .given([created])
      .when({ type: 'create', pathId, trackId: 'meta-swe', config })
      .thenThrows(IllegalTransitionError);
  });

  it('changes the configuration, listing what changed', () => {
    spec
      .given([created])
      .when({ type: 'update_config', changes: { hours_per_week: 10, timezone: 'Europe/Dublin' } })
      .then([
        {
          event_type: 'path.config_updated',
          data: {
            path_id: pathId,
            config: { ...config, hours_per_week: 10 },
            changed: ['hours_per_week'],
          },
        },
      ]);
  });

  it('records nothing when the configuration does not change', () => {
    spec
      .given([created])
      .when({ type: 'update_config', changes: { hours_per_week: 6 } })
      .then([]);
  });

  it('refuses an empty configuration change', () => {
    spec
      .given([created])
      .when({ type: 'update_config', changes: {} })
      .thenThrows(InvalidCommandError);
  });

  it('changes the configuration of a paused path but not of an archived one', () => {
    spec
      .given([created, paused])
      .when({ type: 'update_config', changes: { max_attempts: 5 } })
      .then([
        {
          event_type: 'path.config_updated',
          data: {
            path_id: pathId,
            config: { ...config, max_attempts: 5 },
            changed: ['max_attempts'],
          },
        },
      ]);
    spec
      .given([created, archived])
      .when({ type: 'update_config', changes: { max_attempts: 5 } })
      .thenThrows(IllegalTransitionError, /archived/);
  });

  it('pauses an active path, with a reason', () => {
    spec
      .given([created])
      .when({ type: 'pause', reason: 'vacation' })
      .then([{ event_type: 'path.paused', data: { path_id: pathId, reason: 'vacation' } }]);
  });

  it('refuses to pause a paused or archived path', () => {
    spec
      .given([created, paused])
      .when({ type: 'pause' })
      .thenThrows(IllegalTransitionError, /paused/);
    spec
      .given([created, archived])
      .when({ type: 'pause' })
      .thenThrows(IllegalTransitionError, /archived/);
  });

  it('resumes only a paused path', () => {
    spec
      .given([created, paused])
      .when({ type: 'resume' })
      .then([{ event_type: 'path.resumed', data: { path_id: pathId } }]);
    spec
      .given([created])
      .when({ type: 'resume' })
      .thenThrows(IllegalTransitionError, /active/);
  });

  it('archives an active or paused path, once', () => {
    spec.given([created]).when({ type: 'archive' }).then([archived]);
    spec.given([created, paused]).when({ type: 'archive' }).then([archived]);
    spec.given([created, archived]).when({ type: 'archive' }).thenThrows(IllegalTransitionError);
  });

  it('knows no commands for a path that does not exist', () => {
    for (const command of [
      { type: 'pause' } as const,
      { type: 'resume' } as const,
      { type: 'archive' } as const,
    ]) {
      spec.given([]).when(command).thenThrows(NotFoundError);
    }
    spec
      .given([])
      .when({ type: 'update_config', changes: { hours_per_week: 3 } })
      .thenThrows(NotFoundError);
  });
});
