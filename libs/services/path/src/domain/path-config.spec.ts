import { META_SWE, type Track } from '@studypath/contracts';
import { InvalidCommandError } from './domain-errors';
import {
  DEFAULT_MAX_ATTEMPTS,
  newPathConfig,
  PATH_CONFIG_DEFAULTS,
  pathConfigChanges,
  SELF_ASSESSMENT_LEVELS,
  SELF_ASSESSMENTS,
  trackForNewPath,
} from './path-config';
import type { PathConfig } from './path.decider';
import { maxAttemptsOf } from './task.decider';

const modules = META_SWE.modules.map((m) => m.id);
const every = (value: number) => Object.fromEntries(modules.map((id) => [id, value]));
/** A track of two modules, to see that only the track's modules get a level and a weight. */
const small: Track = { ...META_SWE, id: 'small', modules: META_SWE.modules.slice(0, 2) };

function thrown(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error('expected an error');
}

describe('path configuration', () => {
  describe('a new path', () => {
    it('takes every default when the client chooses nothing', () => {
      expect(newPathConfig({}, META_SWE)).toEqual({
        target_interview_date: null,
        timezone: 'UTC',
        hours_per_week: 5,
        starting_levels: every(1),
        personalization_weights: every(1),
        pending_tasks_ahead: 5,
        max_attempts: 3,
        expiry_days: 7,
      });
    });

    it('keeps what the client chose', () => {
      const chosen = {
        target_interview_date: '2027-03-15',
        timezone: 'Europe/Dublin',
        hours_per_week: 6,
        pending_tasks_ahead: 2,
        max_attempts: 5,
        expiry_days: 30,
      };
      expect(newPathConfig(chosen, META_SWE)).toMatchObject(chosen);
    });

    it('starts every module not named at the self-assessed level', () => {
      const config = newPathConfig(
        { self_assessment: 'advanced', starting_levels: { graphs: 5 } },
        META_SWE,
      );
      expect(config.starting_levels).toEqual({ ...every(3), graphs: 5 });
    });

    it('weighs every module not named 1', () => {
      const config = newPathConfig({ personalization_weights: { trees: 4 } }, META_SWE);
      expect(config.personalization_weights).toEqual({ ...every(1), trees: 4 });
    });

    it("gives a level and a weight to the track's modules only", () => {
      const config = newPathConfig({}, small);
      expect(Object.keys(config.starting_levels)).toEqual(['arrays-strings', 'hashing']);
      expect(Object.keys(config.personalization_weights)).toEqual(['arrays-strings', 'hashing']);
    });

    it('refuses modules that are not on the track, naming them', () => {
      const error = thrown(() => newPathConfig({ starting_levels: { graphs: 2 } }, small));
      expect(error).toBeInstanceOf(InvalidCommandError);
      expect((error as Error).message).toBe(
        'starting_levels names modules that are not on the small track: graphs',
      );
      expect(() => newPathConfig({ personalization_weights: { trees: 2 } }, small)).toThrow(
        'personalization_weights names modules that are not on the small track: trees',
      );
    });
  });

  describe('a change', () => {
    const current: PathConfig = {
      ...newPathConfig({}, META_SWE),
      starting_levels: { ...every(2), graphs: 4 },
      personalization_weights: { ...every(1), graphs: 3 },
    };

    it('holds only the fields the client sent', () => {
      expect(
        pathConfigChanges(
          { hours_per_week: 3, max_attempts: 5, timezone: undefined },
          current,
          META_SWE,
        ),
      ).toEqual({ hours_per_week: 3, max_attempts: 5 });
      expect(pathConfigChanges({}, current, META_SWE)).toEqual({});
    });

    it('keeps a null interview date (the date is forgotten)', () => {
      expect(pathConfigChanges({ target_interview_date: null }, current, META_SWE)).toEqual({
        target_interview_date: null,
      });
    });

    it('sets the levels named and keeps the others', () => {
      expect(
        pathConfigChanges({ starting_levels: { trees: 5 } }, current, META_SWE).starting_levels,
      ).toEqual({ ...current.starting_levels, trees: 5 });
    });

    it('resets with a self-assessment every level not named', () => {
      expect(
        pathConfigChanges(
          { self_assessment: 'intermediate', starting_levels: { trees: 5 } },
          current,
          META_SWE,
        ).starting_levels,
      ).toEqual({ ...every(2), trees: 5 });
      expect(
        pathConfigChanges({ self_assessment: 'beginner' }, current, META_SWE).starting_levels,
      ).toEqual(every(1));
    });

    it('gives a module the path has no level for the default level', () => {
      const withoutGraphs = Object.fromEntries(
        Object.entries(current.starting_levels).filter(([id]) => id !== 'graphs'),
      );
      const changes = pathConfigChanges(
        { starting_levels: { trees: 5 } },
        { ...current, starting_levels: withoutGraphs },
        META_SWE,
      );
      expect(changes.starting_levels?.graphs).toBe(1);
    });

    it('merges the weights sent into the current ones', () => {
      expect(
        pathConfigChanges({ personalization_weights: { trees: 0 } }, current, META_SWE)
          .personalization_weights,
      ).toEqual({ ...current.personalization_weights, trees: 0 });
    });

    it('refuses modules that are not on the track', () => {
      expect(() =>
        pathConfigChanges({ personalization_weights: { graphs: 2 } }, current, small),
      ).toThrow(InvalidCommandError);
    });
  });

  describe('the interview date', () => {
    // 23:30 UTC on 10 March: already 11 March in Tokyo, still 10 March in UTC and New York.
    const now = new Date('2026-03-10T23:30:00Z');
    const track = META_SWE;

    it("is refused before today in the path's time zone, with a message that says so", () => {
      expect(() => newPathConfig({ target_interview_date: '2026-03-09' }, track, now)).toThrow(
        new InvalidCommandError(
          'target_interview_date 2026-03-09 is in the past (today is 2026-03-10 in UTC)',
        ),
      );
      expect(() =>
        newPathConfig({ target_interview_date: '2026-03-10', timezone: 'Asia/Tokyo' }, track, now),
      ).toThrow(/2026-03-10 is in the past \(today is 2026-03-11 in Asia\/Tokyo\)/);
    });

    it('is accepted today, later, or not given', () => {
      expect(
        newPathConfig({ target_interview_date: '2026-03-10' }, track, now).target_interview_date,
      ).toBe('2026-03-10');
      expect(
        newPathConfig(
          { target_interview_date: '2026-03-10', timezone: 'America/New_York' },
          track,
          now,
        ).target_interview_date,
      ).toBe('2026-03-10');
      expect(newPathConfig({}, track, now).target_interview_date).toBeNull();
    });

    it('is refused in the past when changed, in the zone the change leaves the path in', () => {
      const current = newPathConfig({ target_interview_date: '2026-04-01' }, track, now);
      expect(() =>
        pathConfigChanges({ target_interview_date: '2026-03-01' }, current, track, now),
      ).toThrow(InvalidCommandError);
      expect(() =>
        pathConfigChanges(
          { target_interview_date: '2026-03-10', timezone: 'Asia/Tokyo' },
          current,
          track,
          now,
        ),
      ).toThrow(InvalidCommandError);
      expect(pathConfigChanges({ target_interview_date: null }, current, track, now)).toEqual({
        target_interview_date: null,
      });
      // A path whose date has passed can still change other settings.
      const passed = { ...current, target_interview_date: '2026-01-01' };
      expect(pathConfigChanges({ hours_per_week: 8 }, passed, track, now)).toEqual({
        hours_per_week: 8,
      });
    });
  });

  describe('the track of a new path', () => {
    it('is the one named', () => {
      expect(trackForNewPath('meta-swe')).toBe(META_SWE);
    });

    it('refuses an unknown track, listing the known ones', () => {
      const error = thrown(() => trackForNewPath('google-l5'));
      expect(error).toBeInstanceOf(InvalidCommandError);
      expect(error).toMatchObject({
        message: 'unknown track "google-l5"',
        details: { known_tracks: ['meta-swe'] },
      });
    });
  });

  it('rates self-assessments from easiest to hardest', () => {
    expect(SELF_ASSESSMENTS.map((a) => SELF_ASSESSMENT_LEVELS[a])).toEqual([1, 2, 3]);
    expect(PATH_CONFIG_DEFAULTS.self_assessment).toBe('beginner');
  });
});

describe("a task's attempts", () => {
  const created = {
    task_id: '0d3c6a51-9a7e-4f0e-b1a2-3c4d5e6f7a8b',
    path_id: '6f1c2f4e-8d61-4b2a-9f5e-2b8d7c3a1e01',
    problem_id: 'graph-courier-reach',
    module: 'graphs' as const,
    topics: ['bfs'],
    difficulty: 2,
    order: 0,
    source: 'initial' as const,
    proposal_id: '11111111-1111-4111-8111-111111111111',
  };

  it('are the ones its creation recorded', () => {
    expect(maxAttemptsOf({ ...created, metadata: { max_attempts: 5 } })).toBe(5);
  });

  it("are the path's default when its creation recorded none", () => {
    expect(maxAttemptsOf(created)).toBe(DEFAULT_MAX_ATTEMPTS);
    expect(maxAttemptsOf({ ...created, metadata: { reason: 'warm-up' } })).toBe(3);
    expect(PATH_CONFIG_DEFAULTS.max_attempts).toBe(DEFAULT_MAX_ATTEMPTS);
  });
});
