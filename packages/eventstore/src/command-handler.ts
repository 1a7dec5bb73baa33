import { asEventList, type Decider } from '@dui-pds/domain';
import { v5 as uuidv5 } from 'uuid';
import { EventStoreError, InvalidEventError, WrongExpectedRevisionError } from './errors.js';
import type { EventMetadata, EventToAppend, RecordedEvent } from './event.js';
import type { AppendResult, EventStore, ExpectedRevision } from './event-store.js';
import { isExpectedRevisionMet } from './expected-revision.js';

/** What a decider emits: the store adds ids and metadata. */
export interface DomainEvent {
  type: string;
  data: unknown;
  version?: number;
}

/** The envelope the caller knows; the causation (and, by default, the correlation) comes from the command id. */
export type CommandMetadata = Omit<EventMetadata, 'causationId'>;

export interface CommandRequest<Command, Event> {
  streamId: string;
  /** Unique per command (the HTTP `Idempotency-Key`): retried with the same id, it writes nothing twice. */
  commandId: string;
  command: Command;
  metadata: CommandMetadata;
  /**
   * What the caller saw (HTTP `If-Match`). When the stream has moved on, the command is refused
   * with `WrongExpectedRevisionError` rather than decided again on a state the caller never saw.
   */
  expectedRevision?: ExpectedRevision;
  /** How many times a concurrent write may send the command back to re-read and re-decide. Default 3. */
  maxRetries?: number;
  /**
   * Turns a stored event back into one the decider knows (upcasting old versions). By default
   * `{ type, version, data }`; `data` is the erased marker for a forgotten usager.
   */
  toDomainEvent?: (event: RecordedEvent) => Event;
}

export interface CommandResult<State> {
  /** The events the command appended, as recorded (the first attempt's when the command is retried). */
  events: RecordedEvent[];
  /** The stream's revision after those events: the next expected revision for the caller. */
  nextExpectedRevision: number | 'noStream';
  /** The state right after those events. */
  state: State;
}

const DEFAULT_MAX_RETRIES = 3;

/** The namespace of event ids derived from command ids (UUID v5). Never change it: ids would change. */
const COMMAND_EVENT_NAMESPACE = '6f1b7a9e-3c2d-4e8f-9a0b-5d4c3b2a1f0e';

/**
 * The id of the `index`-th event a command emits: the same on every retry, so that the store
 * recognises a retried command and nothing is written twice.
 */
export function deriveEventId(commandId: string, index: number): string {
  return uuidv5(`${commandId}#${index}`, COMMAND_EVENT_NAMESPACE);
}

/**
 * Reads one stream, folds its state, decides, and appends with the revision read (DESIGN.md,
 * Consistency boundaries). A concurrent write makes it start over, a bounded number of times.
 * A command already handled (same command id) is answered with what it appended then, found
 * while folding the stream. Domain refusals (`DomainRuleViolation`) propagate untouched.
 */
export async function handleCommand<Command, Event extends DomainEvent, State, Transaction>(
  store: EventStore<Transaction>,
  decider: Decider<Command, Event, State>,
  request: CommandRequest<Command, Event>,
): Promise<CommandResult<State>> {
  const { streamId, commandId, command, expectedRevision, maxRetries = DEFAULT_MAX_RETRIES } = request;
  if (typeof commandId !== 'string' || commandId.length === 0) throw new InvalidEventError('a command id is required');
  if (!Number.isSafeInteger(maxRetries) || maxRetries < 0) {
    throw new InvalidEventError('maxRetries is an integer from 0');
  }
  const metadata: EventMetadata = {
    ...request.metadata,
    correlationId: request.metadata.correlationId ?? commandId,
    causationId: commandId,
  };

  for (let attempt = 0; ; attempt += 1) {
    const loaded = await loadStream(store, decider, request);
    if (loaded.kind === 'handled') return loaded.result;
    const { state, revision } = loaded;
    if (expectedRevision !== undefined && !isExpectedRevisionMet(expectedRevision, revision)) {
      throw new WrongExpectedRevisionError(streamId, expectedRevision, revision);
    }

    const decided = asEventList(decider.decide(command, state));
    if (decided.length === 0) return { events: [], nextExpectedRevision: revision ?? 'noStream', state };
    const events = decided.map(
      (event, index): EventToAppend => ({
        id: deriveEventId(commandId, index),
        type: event.type,
        version: event.version,
        data: event.data,
        metadata,
      }),
    );

    let appended: AppendResult;
    try {
      appended = await store.appendToStream(streamId, events, { expectedRevision: revision ?? 'noStream' });
    } catch (error) {
      if (error instanceof WrongExpectedRevisionError && attempt < maxRetries) continue;
      throw error;
    }
    if (appended.alreadyAppended) return await twinResult(store, decider, request);

    // Read back rather than rebuild: the caller gets the events exactly as stored (recordedAt,
    // positions, hashes), the same ones a retry of this command will be answered with. A store
    // that read them back itself in the append's transaction hands them over.
    const recorded = appended.recorded
      ? [...appended.recorded]
      : await store.readStream(streamId, {
          fromRevision: appended.nextExpectedRevision - events.length + 1,
          maxCount: events.length,
        });
    return {
      events: recorded,
      nextExpectedRevision: appended.nextExpectedRevision,
      state: fold(decider, state, recorded, toDomainEventOf(request)),
    };
  }
}

/**
 * The state a decider holds after a whole stream, for what reads without deciding (a route that
 * checks whose record a stream is, a document drawn from a contract). Events reach `evolve` as
 * `handleCommand` hands them over: `{ type, version, data }`, with the erased marker as data for a
 * forgotten usager.
 */
export async function foldStream<Event extends DomainEvent, State, Transaction>(
  store: Pick<EventStore<Transaction>, 'readStream'>,
  decider: Pick<Decider<unknown, Event, State>, 'evolve' | 'initialState'>,
  streamId: string,
): Promise<State> {
  const events = await store.readStream(streamId);
  return fold(decider, decider.initialState(), events, toDomainEventOf({}));
}

type LoadedStream<State> =
  | { kind: 'handled'; result: CommandResult<State> }
  | { kind: 'fresh'; state: State; revision: number | undefined };

/** Folds the stream, stopping at this command's first event if it was already handled. */
async function loadStream<Command, Event extends DomainEvent, State, Transaction>(
  store: EventStore<Transaction>,
  decider: Decider<Command, Event, State>,
  request: CommandRequest<Command, Event>,
): Promise<LoadedStream<State>> {
  const stream = await store.readStream(request.streamId);
  const toDomainEvent = toDomainEventOf(request);
  const firstEventId = deriveEventId(request.commandId, 0);
  let state = decider.initialState();
  for (const [position, event] of stream.entries()) {
    if (event.id === firstEventId) {
      const events = eventsOfCommand(stream, position, request.commandId);
      return {
        kind: 'handled',
        result: {
          events,
          nextExpectedRevision: events.at(-1)!.streamRevision,
          state: fold(decider, state, events, toDomainEvent),
        },
      };
    }
    state = decider.evolve(state, toDomainEvent(event));
  }
  return { kind: 'fresh', state, revision: stream.at(-1)?.streamRevision };
}

/** One append is contiguous in its stream: the command's events follow its first one, in order. */
function eventsOfCommand(stream: readonly RecordedEvent[], first: number, commandId: string): RecordedEvent[] {
  const events: RecordedEvent[] = [];
  for (let index = 0; stream[first + index]?.id === deriveEventId(commandId, index); index += 1) {
    events.push(stream[first + index]!);
  }
  return events;
}

/** The store says a twin of this command (same id) wrote between our read and our append. */
async function twinResult<Command, Event extends DomainEvent, State, Transaction>(
  store: EventStore<Transaction>,
  decider: Decider<Command, Event, State>,
  request: CommandRequest<Command, Event>,
): Promise<CommandResult<State>> {
  const loaded = await loadStream(store, decider, request);
  if (loaded.kind === 'handled') return loaded.result;
  throw new EventStoreError(
    `stream ${request.streamId}: the store reports command ${request.commandId} as appended but the stream does not hold it`,
  );
}

function fold<Event extends DomainEvent, State>(
  decider: Pick<Decider<unknown, Event, State>, 'evolve'>,
  state: State,
  events: readonly RecordedEvent[],
  toDomainEvent: (event: RecordedEvent) => Event,
): State {
  return events.reduce((current, event) => decider.evolve(current, toDomainEvent(event)), state);
}

function toDomainEventOf<Event extends DomainEvent>(request: {
  toDomainEvent?: (event: RecordedEvent) => Event;
}): (event: RecordedEvent) => Event {
  // Without an upcaster the stored shape is taken at its word; the decider's types describe it.
  return request.toDomainEvent ?? (({ type, version, data }) => ({ type, version, data }) as Event);
}
