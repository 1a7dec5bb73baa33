import assert from 'node:assert/strict';
import { asEventList, type Decider, foldEvents } from '../decider.js';

/**
 * Given / when / then for deciders, usable from any test runner:
 *
 *   const spec = DeciderSpecification.for(admissionDecider);
 *   spec.given([applicationReceived]).when(admit).thenEmits([serviceUserAdmitted]);
 *   spec.given([]).when(admit).thenRefuses((error) => error instanceof DomainRuleViolation);
 */
export const DeciderSpecification = {
  for<Command, Event, State>(decider: Decider<Command, Event, State>) {
    return {
      given(events: readonly Event[]) {
        return {
          when(command: Command) {
            const decide = () => asEventList(decider.decide(command, foldEvents(decider, events)));
            return {
              thenEmits(expected: readonly Event[]): void {
                assert.deepStrictEqual(decide(), expected);
              },
              thenNothingHappens(): void {
                assert.deepStrictEqual(decide(), []);
              },
              thenRefuses<E extends Error>(check?: (error: E) => boolean): void {
                let decided: readonly Event[];
                try {
                  decided = decide();
                } catch (error) {
                  if (check) assert.ok(check(error as E), `unexpected error: ${String(error)}`);
                  return;
                }
                assert.fail(`expected the command to be refused, it decided ${JSON.stringify(decided)}`);
              },
            };
          },
        };
      },
    };
  },
};
