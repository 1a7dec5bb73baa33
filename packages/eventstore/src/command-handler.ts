import { asEventList, type Decider } from '@dui-pds/domain';
import { v5 as uuidv5 } from 'uuid';
import { DuplicateEventIdError, EventStoreError, InvalidEventError, WrongExpectedRevisionError } from './errors.js';
import type { EventMetadata, EventToAppend, RecordedEvent } from './event.js';
import type { AppendResult, EventStore, ExpectedRevision } from './event-store.js';
import { isExpectedRevisionMet } from './expected-revision.js';
import type { FoldedState, StreamStateCache } from './stream-state-cache.js';

/** What a decider emits: the store adds ids and metadata. */
export interface DomainEvent {
  type: string;
  data: unknown;
  version?: number;
}

/** The envelope the caller knows; the causation (and, by default, the correlation) comes from the command id. */
export type CommandMetadata = Omit<EventMetadata, 'causationId'>;

export interface CommandRequest<Command, Event, State = never> {
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
  /**
   * Where this decider's states are kept between commands, for long streams: the command then
   * reads and folds only what was appended since the stream was last folded (`StreamStateCache`).
   */
  stateCache?: StreamStateCache<State>;
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
 * while folding the stream. Domain refusals (`DomainRuleViolation`) propagate untouched. With a
 * `stateCache`, the stream is read from the state kept for it on (ADR 0021).
 */
export async function handleCommand<Command, Event extends DomainEvent, State, Transaction>(
  store: EventStore<Transaction>,
  decider: Decider<Command, Event, State>,
  request: CommandRequest<Command, Event, NoInfer<State>>,
): Promise<CommandResult<State>> {
  const { streamId, commandId, maxRetries = DEFAULT_MAX_RETRIES } = request;
  if (typeof commandId !== 'string' || commandId.length === 0) throw new InvalidEventError('a command id is required');
  if (!Number.isSafeInteger(maxRetries) || maxRetries < 0) {
    throw new InvalidEventError('maxRetries is an integer from 0');
  }
  const metadata = commandMetadata(request);

  let fromKeptState = request.stateCache !== undefined;
  for (let attempt = 0; ; attempt += 1) {
    const decision = await loadAndDecide(store, decider, request, fromKeptState);
    if (decision.kind === 'answered') return decision.result;
    const { state, revision } = decision;
    const events = decision.events.map(
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
      // A retried command decided again on a kept state may reuse its first ids in another append:
      // the whole stream shows the first one.
      if (error instanceof DuplicateEventIdError && decision.fromKeptState) {
        fromKeptState = false;
        continue;
      }
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
    const after = fold(decider, state, recorded, toDomainEventOf(request));
    if (decision.keepable && metadata.serviceUserId === undefined) {
      request.stateCache?.remember(streamId, { state: after, revision: appended.nextExpectedRevision });
    }
    return { events: recorded, nextExpectedRevision: appended.nextExpectedRevision, state: after };
  }
}

/** The metadata of a command's events: caused by the command, correlated by the caller or by the command. */
export function commandMetadata(request: { commandId: string; metadata: CommandMetadata }): EventMetadata {
  return {
    ...request.metadata,
    correlationId: request.metadata.correlationId ?? request.commandId,
    causationId: request.commandId,
  };
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
  | {
      kind: 'fresh';
      state: State;
      revision: number | undefined;
      /** No event folded into the state concerns a usager: forgetting one cannot change it. */
      keepable: boolean;
    };

type Decision<State> =
  | { kind: 'answered'; result: CommandResult<State> }
  | {
      kind: 'append';
      events: readonly DomainEvent[];
      state: State;
      revision: number | undefined;
      keepable: boolean;
      fromKeptState: boolean;
    };

/**
 * Reads the stream, from its kept state when the request's cache has one, and decides. Only a new
 * append is decided on a kept state: whether the command was handled before the kept revision
 * shows on the whole stream alone, so any other answer (a refusal, nothing to do, a revision other
 * than the caller saw) is given from the whole stream, exactly as without a cache.
 */
async function loadAndDecide<Command, Event extends DomainEvent, State, Transaction>(
  store: EventStore<Transaction>,
  decider: Decider<Command, Event, State>,
  request: CommandRequest<Command, Event, State>,
  fromKeptState: boolean,
): Promise<Decision<State>> {
  const kept = fromKeptState ? request.stateCache?.get(request.streamId) : undefined;
  if (kept !== undefined) {
    const loaded = await loadStream(store, decider, request, kept);
    if (loaded.kind === 'handled') return { kind: 'answered', result: loaded.result };
    const decision = decideOrNothing(decider, request, loaded, true);
    if (decision?.kind === 'append') return decision;
  }
  const loaded = await loadStream(store, decider, request);
  if (loaded.kind === 'handled') return { kind: 'answered', result: loaded.result };
  return decide(decider, request, loaded, false);
}

function decide<Command, Event extends DomainEvent, State>(
  decider: Decider<Command, Event, State>,
  request: CommandRequest<Command, Event, State>,
  loaded: Extract<LoadedStream<State>, { kind: 'fresh' }>,
  fromKeptState: boolean,
): Decision<State> {
  const { expectedRevision, streamId } = request;
  const { state, revision, keepable } = loaded;
  if (expectedRevision !== undefined && !isExpectedRevisionMet(expectedRevision, revision)) {
    throw new WrongExpectedRevisionError(streamId, expectedRevision, revision);
  }
  const events = asEventList(decider.decide(request.command, state));
  if (events.length === 0) {
    return { kind: 'answered', result: { events: [], nextExpectedRevision: revision ?? 'noStream', state } };
  }
  return { kind: 'append', events, state, revision, keepable, fromKeptState };
}

/** The decision on a kept state, or nothing when it is a refusal: that one is given from the whole stream. */
function decideOrNothing<Command, Event extends DomainEvent, State>(
  decider: Decider<Command, Event, State>,
  request: CommandRequest<Command, Event, State>,
  loaded: Extract<LoadedStream<State>, { kind: 'fresh' }>,
  fromKeptState: boolean,
): Decision<State> | undefined {
  try {
    return decide(decider, request, loaded, fromKeptState);
  } catch {
    return undefined;
  }
}

/**
 * Folds the stream, from `kept` on when given, stopping at this command's first event if it was
 * already handled. What it folded is kept in the request's cache, when it may be.
 */
async function loadStream<Command, Event extends DomainEvent, State, Transaction>(
  store: EventStore<Transaction>,
  decider: Decider<Command, Event, State>,
  request: CommandRequest<Command, Event, State>,
  kept?: FoldedState<State>,
): Promise<LoadedStream<State>> {
  const stream = await store.readStream(request.streamId, kept && { fromRevision: kept.revision + 1 });
  const toDomainEvent = toDomainEventOf(request);
  const firstEventId = deriveEventId(request.commandId, 0);
  let state = kept?.state ?? decider.initialState();
  let keepable = true;
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
    keepable &&= event.metadata.serviceUserId === undefined;
  }
  const revision = stream.at(-1)?.streamRevision ?? kept?.revision;
  if (!keepable) request.stateCache?.forget(request.streamId);
  else if (revision !== undefined) request.stateCache?.remember(request.streamId, { state, revision });
  return { kind: 'fresh', state, revision, keepable };
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
  request: CommandRequest<Command, Event, State>,
): Promise<CommandResult<State>> {
  const loaded = await loadStream(store, decider, request);
  if (loaded.kind === 'handled') return loaded.result;
  throw new EventStoreError(
    `stream ${request.streamId}: the store reports command ${request.commandId} as appended but the stream does not hold it`,
  );
}

export function fold<Event extends DomainEvent, State>(
  decider: Pick<Decider<unknown, Event, State>, 'evolve'>,
  state: State,
  events: readonly RecordedEvent[],
  toDomainEvent: (event: RecordedEvent) => Event,
): State {
  return events.reduce((current, event) => decider.evolve(current, toDomainEvent(event)), state);
}

export function toDomainEventOf<Event extends DomainEvent>(request: {
  toDomainEvent?: (event: RecordedEvent) => Event;
}): (event: RecordedEvent) => Event {
  // Without an upcaster the stored shape is taken at its word; the decider's types describe it.
  return request.toDomainEvent ?? (({ type, version, data }) => ({ type, version, data }) as Event);
}
