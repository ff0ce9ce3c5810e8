import { LATEST_POLICIES } from '@studypath/contracts';
import { deciderSpecification, fold } from '@studypath/decider';
import {
  DomainError,
  IllegalTransitionError,
  InvalidCommandError,
  NotFoundError,
} from './domain-errors';
import { pathDecider, type PathCommand, type PathConfig, type PathEvent } from './path.decider';

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
  data: { path_id: pathId, track_id: 'meta-swe', config, policies: LATEST_POLICIES },
};
const paused: PathEvent = { event_type: 'path.paused', data: { path_id: pathId } };
const archived: PathEvent = { event_type: 'path.archived', data: { path_id: pathId } };
const resumed: PathEvent = { event_type: 'path.resumed', data: { path_id: pathId } };
const configUpdated = (changes: Partial<PathConfig>): PathEvent => ({
  event_type: 'path.config_updated',
  data: { path_id: pathId, config: { ...config, ...changes }, changed: Object.keys(changes) },
});
const spec = deciderSpecification(pathDecider);

/** The domain error a command is refused with, to check what it tells the client. */
function refusal(given: PathEvent[], command: PathCommand): DomainError {
  try {
    pathDecider.decide(command, fold(pathDecider, given));
  } catch (error) {
    if (error instanceof DomainError) return error;
    throw error;
  }
  throw new Error('the command was not refused');
}

describe('pathDecider', () => {
  it('creates a path', () => {
    spec
      .given([])
      .when({ type: 'create', pathId, trackId: 'meta-swe', config, policies: LATEST_POLICIES })
      .then([created]);
  });

  it('does not create a path twice', () => {
    spec
      .given([created])
      .when({ type: 'create', pathId, trackId: 'meta-swe', config, policies: LATEST_POLICIES })
      .thenThrows(IllegalTransitionError, /^cannot create a study path that is active$/);
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

  it('records nothing when a map changes only the order of its keys', () => {
    const levels = { graphs: 2, trees: 3 };
    const reordered = { trees: 3, graphs: 2 };

    spec
      .given([created, configUpdated({ starting_levels: levels })])
      .when({ type: 'update_config', changes: { starting_levels: reordered } })
      .then([]);
  });

  it('refuses an empty configuration change', () => {
    spec
      .given([created])
      .when({ type: 'update_config', changes: {} })
      .thenThrows(InvalidCommandError, /^the configuration change is empty$/);
  });

  it('lists every field that changed, in a fixed order', () => {
    const changes: Partial<PathConfig> = {
      expiry_days: 3,
      max_attempts: 5,
      pending_tasks_ahead: 2,
      personalization_weights: { graphs: 1, trees: 3 },
      starting_levels: { graphs: 4 },
      hours_per_week: 12,
      timezone: 'Asia/Tokyo',
      target_interview_date: '2027-03-01',
    };
    spec
      .given([created])
      .when({ type: 'update_config', changes })
      .then([
        {
          event_type: 'path.config_updated',
          data: {
            path_id: pathId,
            config: { ...config, ...changes },
            changed: [
              'target_interview_date',
              'timezone',
              'hours_per_week',
              'starting_levels',
              'personalization_weights',
              'pending_tasks_ahead',
              'max_attempts',
              'expiry_days',
            ],
          },
        },
      ]);
  });

  it('compares against the configuration as last changed', () => {
    const updated = configUpdated({ hours_per_week: 10 });
    spec
      .given([created, updated])
      .when({ type: 'update_config', changes: { hours_per_week: 10 } })
      .then([]);
    spec
      .given([created, updated])
      .when({ type: 'update_config', changes: { hours_per_week: 6 } })
      .then([configUpdated({ hours_per_week: 6 })]);
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
      .thenThrows(
        IllegalTransitionError,
        /^cannot change the configuration of a study path that is archived$/,
      );
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
      .thenThrows(IllegalTransitionError, /^cannot pause a study path that is paused$/);
    spec
      .given([created, archived])
      .when({ type: 'pause' })
      .thenThrows(IllegalTransitionError, /^cannot pause a study path that is archived$/);
  });

  it('names the current status in a refusal', () => {
    expect(refusal([created, paused], { type: 'pause' }).details).toEqual({
      current_status: 'paused',
    });
    expect(refusal([created, archived], { type: 'archive' }).details).toEqual({
      current_status: 'archived',
    });
  });

  it('resumes only a paused path', () => {
    spec
      .given([created, paused])
      .when({ type: 'resume' })
      .then([{ event_type: 'path.resumed', data: { path_id: pathId } }]);
    spec
      .given([created])
      .when({ type: 'resume' })
      .thenThrows(IllegalTransitionError, /^cannot resume a study path that is active$/);
  });

  it('pauses a resumed path again', () => {
    spec
      .given([created, paused, resumed])
      .when({ type: 'pause' })
      .then([{ event_type: 'path.paused', data: { path_id: pathId } }]);
    spec
      .given([created, paused, resumed])
      .when({ type: 'resume' })
      .thenThrows(IllegalTransitionError, /active/);
  });

  it('archives an active or paused path, once', () => {
    spec.given([created]).when({ type: 'archive' }).then([archived]);
    spec.given([created, paused]).when({ type: 'archive' }).then([archived]);
    spec
      .given([created, archived])
      .when({ type: 'archive' })
      .thenThrows(IllegalTransitionError, /^cannot archive a study path that is archived$/);
    spec
      .given([created, paused])
      .when({ type: 'archive', reason: 'got the job' })
      .then([{ event_type: 'path.archived', data: { path_id: pathId, reason: 'got the job' } }]);
  });

  it('knows no commands for a path that does not exist', () => {
    for (const command of [
      { type: 'pause' } as const,
      { type: 'resume' } as const,
      { type: 'archive' } as const,
    ]) {
      spec
        .given([])
        .when(command)
        .thenThrows(NotFoundError, /^study path not found$/);
    }
    spec
      .given([])
      .when({ type: 'update_config', changes: { hours_per_week: 3 } })
      .thenThrows(NotFoundError);
  });

  it('folds nothing into a path that was never created', () => {
    for (const event of [configUpdated({ hours_per_week: 1 }), paused, resumed, archived]) {
      expect(fold(pathDecider, [event])).toEqual({ status: 'none' });
    }
    spec.given([paused]).when({ type: 'resume' }).thenThrows(NotFoundError);
    spec.given([archived]).when({ type: 'pause' }).thenThrows(NotFoundError);
  });

  it('refuses a command or an event it does not know', () => {
    const state = fold(pathDecider, [created]);
    expect(() => pathDecider.decide({ type: 'rename' } as unknown as PathCommand, state)).toThrow(
      'unexpected command: {"type":"rename"}',
    );
    expect(() =>
      pathDecider.evolve(state, { event_type: 'path.renamed' } as unknown as PathEvent),
    ).toThrow('unexpected event: {"event_type":"path.renamed"}');
  });

  describe('policies', () => {
    it('moves a path to other versions, naming what changed, and nothing when nothing does', () => {
      spec
        .given([created])
        .when({ type: 'move_policies', policies: { scheduling: 'fsrs-1' }, reason: 'trial' })
        .then([
          {
            event_type: 'path.policies_changed',
            data: {
              path_id: pathId,
              policies: { ...LATEST_POLICIES, scheduling: 'fsrs-1' },
              changed: ['scheduling'],
              reason: 'trial',
            },
          },
        ]);
      spec
        .given([created])
        .when({ type: 'move_policies', policies: { ...LATEST_POLICIES } })
        .then([]);
    });

    it('refuses to move an archived path', () => {
      expect(
        refusal([created, archived], { type: 'move_policies', policies: { scheduling: 'fsrs-1' } }),
      ).toBeInstanceOf(IllegalTransitionError);
    });
  });
});
