import { assertNever, type Decider } from './decider';
import { deciderSpecification } from './decider-specification';

// A tiny decider to show (and check) the helper: a counter that refuses to go below zero.
type Command = { type: 'increment'; by: number } | { type: 'decrement'; by: number };
type Event = { type: 'incremented'; by: number } | { type: 'decremented'; by: number };
class WouldGoNegative extends Error {}

const counter: Decider<Command, Event, number> = {
  initialState: () => 0,
  evolve: (state, event) => {
    switch (event.type) {
      case 'incremented':
        return state + event.by;
      case 'decremented':
        return state - event.by;
      default:
        return assertNever(event, 'event');
    }
  },
  decide: (command, state) => {
    switch (command.type) {
      case 'increment':
        return [{ type: 'incremented', by: command.by }];
      case 'decrement':
        if (state - command.by < 0)
          throw new WouldGoNegative(`cannot take ${command.by} from ${state}`);
        return [{ type: 'decremented', by: command.by }];
      default:
        return assertNever(command, 'command');
    }
  },
};

describe('deciderSpecification', () => {
  const spec = deciderSpecification(counter);

  it('checks the events a command produces from the given history', () => {
    spec
      .given([{ type: 'incremented', by: 2 }])
      .when({ type: 'decrement', by: 2 })
      .then([{ type: 'decremented', by: 2 }]);
  });

  it('checks that a command is refused', () => {
    spec
      .given([{ type: 'incremented', by: 1 }])
      .when({ type: 'decrement', by: 2 })
      .thenThrows(WouldGoNegative, /cannot take 2 from 1/);
  });

  it('fails when the events differ or nothing is thrown', () => {
    expect(() =>
      spec
        .given([])
        .when({ type: 'increment', by: 1 })
        .then([{ type: 'incremented', by: 2 }]),
    ).toThrow();
    expect(() =>
      spec.given([]).when({ type: 'increment', by: 1 }).thenThrows(WouldGoNegative),
    ).toThrow(/expected WouldGoNegative but got no error/);
  });
});
