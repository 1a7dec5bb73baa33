/**
 * A decider is the pure heart of a consistency boundary (one stream):
 * `decide` turns a command into the events that record what happened,
 * `evolve` folds those events into the state the next decision needs.
 *
 * Nothing here does I/O: the clock and identifiers come in with the command.
 */
export interface Decider<Command, Event, State> {
  decide(command: Command, state: State): Event | readonly Event[];
  evolve(state: State, event: Event): State;
  initialState(): State;
}

/** Folds events into the state a decider would hold after them. */
export function foldEvents<Event, State>(
  decider: Pick<Decider<unknown, Event, State>, 'evolve' | 'initialState'>,
  events: Iterable<Event>,
): State {
  let state = decider.initialState();
  for (const event of events) state = decider.evolve(state, event);
  return state;
}

/** `decide` may return one event or several; callers always want a list. */
export function asEventList<Event>(decided: Event | readonly Event[]): readonly Event[] {
  return Array.isArray(decided) ? (decided as readonly Event[]) : [decided as Event];
}
