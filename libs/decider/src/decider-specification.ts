import { deepStrictEqual } from 'node:assert/strict';
import { fold, type Decider } from './decider';

type ErrorClass = abstract new (...args: never[]) => Error;

export interface DeciderThen<Event> {
  /** The command produced exactly these events. */
  then(expected: Event[]): void;
  /** The command was refused with this error (and, if given, a message matching `message`). */
  thenThrows(errorClass: ErrorClass, message?: RegExp): void;
}

/**
 * Given/when/then tests for a decider, with no database:
 *   spec.given([created]).when(start).then([started]);
 */
export function deciderSpecification<Command, Event, State>(
  decider: Decider<Command, Event, State>,
) {
  return {
    given(events: Event[]) {
      return {
        when(command: Command): DeciderThen<Event> {
          const run = (): Event[] => decider.decide(command, fold(decider, events));
          return {
            then(expected: Event[]): void {
              deepStrictEqual(run(), expected);
            },
            thenThrows(errorClass: ErrorClass, message?: RegExp): void {
              let thrown: unknown;
              try {
                run();
              } catch (error) {
                thrown = error;
              }
              if (!(thrown instanceof errorClass)) {
                throw new Error(
                  `expected ${errorClass.name} but got ${thrown === undefined ? 'no error' : String(thrown)}`,
                );
              }
              if (message && !message.test(thrown.message)) {
                throw new Error(
                  `expected the error message to match ${String(message)}: ${thrown.message}`,
                );
              }
            },
          };
        },
      };
    },
  };
}
