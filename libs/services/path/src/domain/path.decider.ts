import { isDeepStrictEqual } from 'node:util';
import type { EventData, PathCreated, PathEvent, PathPolicies } from '@studypath/contracts';
import { assertNever, type Decider } from '@studypath/decider';
import { IllegalTransitionError, InvalidCommandError, NotFoundError } from './domain-errors';

export type PathConfig = EventData<typeof PathCreated>['config'];
export type PathStatus = 'active' | 'paused' | 'archived';

export type { PathEvent };

export type PathCommand =
  | { type: 'create'; pathId: string; trackId: string; config: PathConfig; policies: PathPolicies }
  | { type: 'move_policies'; policies: Partial<PathPolicies>; reason?: string }
  | { type: 'update_config'; changes: Partial<PathConfig> }
  | { type: 'pause'; reason?: string }
  | { type: 'resume' }
  | { type: 'archive'; reason?: string };

export type PathState =
  | { status: 'none' }
  | {
      status: PathStatus;
      pathId: string;
      trackId: string;
      config: PathConfig;
      policies: PathPolicies;
    };

function existing(state: PathState): Exclude<PathState, { status: 'none' }> {
  if (state.status === 'none') throw new NotFoundError('study path not found');
  return state;
}

function illegal(action: string, state: { status: string }): never {
  throw new IllegalTransitionError(`cannot ${action} a study path that is ${state.status}`, {
    current_status: state.status,
  });
}

const CONFIG_KEYS = [
  'target_interview_date',
  'timezone',
  'hours_per_week',
  'starting_levels',
  'personalization_weights',
  'pending_tasks_ahead',
  'max_attempts',
  'expiry_days',
] as const satisfies readonly (keyof PathConfig)[];

/**
 * The study path's rules: created once; its configuration changes while it is not archived;
 * active ⇄ paused; archived is final.
 */
export const pathDecider: Decider<PathCommand, PathEvent, PathState> = {
  initialState: () => ({ status: 'none' }),

  decide(command, state) {
    switch (command.type) {
      case 'create':
        if (state.status !== 'none') illegal('create', state);
        return [
          {
            event_type: 'path.created',
            data: {
              path_id: command.pathId,
              track_id: command.trackId,
              config: command.config,
              policies: command.policies,
            },
          },
        ];
      case 'move_policies': {
        const path = existing(state);
        if (path.status === 'archived') illegal('move the policies of', path);
        const policies: PathPolicies = { ...path.policies, ...command.policies };
        const changed = (['generation', 'scheduling'] as const).filter(
          (key) => policies[key] !== path.policies[key],
        );
        if (changed.length === 0) return [];
        return [
          {
            event_type: 'path.policies_changed',
            data: {
              path_id: path.pathId,
              policies,
              changed,
              ...(command.reason ? { reason: command.reason } : {}),
            },
          },
        ];
      }
      case 'update_config': {
        const path = existing(state);
        if (path.status === 'archived') illegal('change the configuration of', path);
        const config: PathConfig = { ...path.config, ...command.changes };
        const changed = CONFIG_KEYS.filter(
          (key) => !isDeepStrictEqual(config[key], path.config[key]),
        );
        if (Object.keys(command.changes).length === 0) {
          throw new InvalidCommandError('the configuration change is empty');
        }
        if (changed.length === 0) return [];
        return [
          { event_type: 'path.config_updated', data: { path_id: path.pathId, config, changed } },
        ];
      }
      case 'pause': {
        const path = existing(state);
        if (path.status !== 'active') illegal('pause', path);
        return [
          {
            event_type: 'path.paused',
            data: { path_id: path.pathId, ...(command.reason ? { reason: command.reason } : {}) },
          },
        ];
      }
      case 'resume': {
        const path = existing(state);
        if (path.status !== 'paused') illegal('resume', path);
        return [{ event_type: 'path.resumed', data: { path_id: path.pathId } }];
      }
      case 'archive': {
        const path = existing(state);
        if (path.status === 'archived') illegal('archive', path);
        return [
          {
            event_type: 'path.archived',
            data: { path_id: path.pathId, ...(command.reason ? { reason: command.reason } : {}) },
          },
        ];
      }
      default:
        return assertNever(command, 'command');
    }
  },

  evolve(state, event) {
    switch (event.event_type) {
      case 'path.created':
        return {
          status: 'active',
          pathId: event.data.path_id,
          trackId: event.data.track_id,
          config: event.data.config,
          policies: event.data.policies,
        };
      case 'path.policies_changed':
        return state.status === 'none' ? state : { ...state, policies: event.data.policies };
      case 'path.config_updated':
        return state.status === 'none' ? state : { ...state, config: event.data.config };
      case 'path.paused':
        return state.status === 'none' ? state : { ...state, status: 'paused' };
      case 'path.resumed':
        return state.status === 'none' ? state : { ...state, status: 'active' };
      case 'path.archived':
        return state.status === 'none' ? state : { ...state, status: 'archived' };
      default:
        return assertNever(event, 'event');
    }
  },
};
