import { asEventList, type Decider } from '@dui-pds/domain';
import {
  type CommandRequest,
  type CommandResult,
  commandMetadata,
  type DomainEvent,
  deriveEventId,
  fold,
  handleCommand,
  toDomainEventOf,
} from './command-handler.js';
import { WrongExpectedRevisionError } from './errors.js';
import type { EventToAppend, RecordedEvent } from './event.js';
import type { EventStore } from './event-store.js';
import type { StreamStateCache } from './stream-state-cache.js';

export interface StreamCommandQueueOptions<State> {
  /** Where the decider's states are kept between commands (`handleCommand`'s `stateCache`). */
  stateCache?: StreamStateCache<State>;
  /** At most this many queued commands are decided and appended together. Default 50. */
  maxTogether?: number;
}

/** A command's request, without the cache: the queue's own is used. */
export type QueuedCommandRequest<Command, Event> = Omit<CommandRequest<Command, Event>, 'stateCache'>;

interface Waiting<Command, Event, State> {
  request: QueuedCommandRequest<Command, Event>;
  resolve(result: CommandResult<State>): void;
  reject(error: unknown): void;
}

const DEFAULT_MAX_TOGETHER = 50;

/**
 * Commands of this process on one stream, handled one group at a time (ADR 0022). A command that
 * finds its stream idle is handled at once, as `handleCommand` would. Commands that arrive while
 * the stream is busy queue; when it is free again, they are decided one after the other, each on
 * the state the one before left, and their events appended together: one read, one append, one
 * transaction (inline projections included) for the whole group, where each command would have
 * waited for the transactions of all those before it. That is what a stream every command of an
 * ESSMS goes through needs at rush hour: the month's pharmacy ledger at the 7 a.m. dispensations.
 *
 * Each command still gets exactly the answer it would get alone: a command that the group's state
 * refuses or leaves with nothing to do, one with an expected revision (`If-Match`), and every
 * command of a group whose append fails for another reason than a concurrent write are handled
 * alone afterwards, by `handleCommand`, from the whole stream. Commands of other processes still
 * meet as conflicts, and the group is decided again.
 */
export class StreamCommandQueue<Command, Event extends DomainEvent, State, Transaction = never> {
  readonly #store: EventStore<Transaction>;
  readonly #decider: Decider<Command, Event, State>;
  readonly #stateCache: StreamStateCache<State> | undefined;
  readonly #maxTogether: number;
  /** Per busy stream, the commands waiting for it. */
  readonly #waiting = new Map<string, Waiting<Command, Event, State>[]>();

  constructor(
    store: EventStore<Transaction>,
    decider: Decider<Command, Event, State>,
    options: StreamCommandQueueOptions<State> = {},
  ) {
    const maxTogether = options.maxTogether ?? DEFAULT_MAX_TOGETHER;
    if (!Number.isSafeInteger(maxTogether) || maxTogether < 1) throw new RangeError('maxTogether is an integer from 1');
    this.#store = store;
    this.#decider = decider;
    this.#stateCache = options.stateCache;
    this.#maxTogether = maxTogether;
  }

  handle(request: QueuedCommandRequest<Command, Event>): Promise<CommandResult<State>> {
    return new Promise((resolve, reject) => {
      const waiting = this.#waiting.get(request.streamId);
      if (waiting !== undefined) {
        waiting.push({ request, resolve, reject });
        return;
      }
      this.#waiting.set(request.streamId, []);
      void this.#serve(request.streamId, [{ request, resolve, reject }]);
    });
  }

  /** How many streams have a command being handled or waiting. */
  get busyStreams(): number {
    return this.#waiting.size;
  }

  async #serve(streamId: string, first: Waiting<Command, Event, State>[]): Promise<void> {
    let group = first;
    while (group.length > 0) {
      await this.#handleGroup(group);
      const waiting = this.#waiting.get(streamId)!;
      group = waiting.splice(0, this.#maxTogether);
    }
    this.#waiting.delete(streamId);
  }

  async #handleGroup(group: Waiting<Command, Event, State>[]): Promise<void> {
    let alone = group;
    if (group.length > 1) {
      try {
        alone = await this.#appendTogether(group);
      } catch {
        // each command alone gets its own answer: its first result if the group's append went
        // through before the failure, its own error or decision if it did not
        alone = group;
      }
    }
    for (const { request, resolve, reject } of alone) {
      await handleCommand(this.#store, this.#decider, { ...request, stateCache: this.#stateCache }).then(
        resolve,
        reject,
      );
    }
  }

  /**
   * Decides the group's commands in order on one state and appends what they decide in one append.
   * Answers those it appended for, and gives back those to handle alone.
   */
  async #appendTogether(group: Waiting<Command, Event, State>[]): Promise<Waiting<Command, Event, State>[]> {
    const { streamId } = group[0]!.request;
    const maxRetries = Math.min(...group.map(({ request }) => request.maxRetries ?? 3));
    for (let attempt = 0; ; attempt += 1) {
      const loaded = await this.#load(streamId, group);
      if (loaded === undefined) return group;
      const decided = this.#decideInTurn(group, loaded.state);
      if (decided.together.length < 2) return group;

      const events = decided.together.flatMap(({ events }) => events);
      let recorded: RecordedEvent[];
      try {
        const appended = await this.#store.appendToStream(streamId, events, {
          expectedRevision: loaded.revision ?? 'noStream',
        });
        if (appended.alreadyAppended) return group;
        recorded = appended.recorded
          ? [...appended.recorded]
          : await this.#store.readStream(streamId, {
              fromRevision: appended.nextExpectedRevision - events.length + 1,
              maxCount: events.length,
            });
      } catch (error) {
        if (error instanceof WrongExpectedRevisionError && attempt < maxRetries) continue;
        throw error;
      }

      let state = loaded.state;
      let offset = 0;
      for (const { waiting, events: appended } of decided.together) {
        const own = recorded.slice(offset, offset + appended.length);
        offset += appended.length;
        state = fold(this.#decider, state, own, toDomainEventOf(waiting.request));
        waiting.resolve({ events: own, nextExpectedRevision: own.at(-1)!.streamRevision, state });
      }
      if (loaded.keepable && events.every((event) => event.metadata.serviceUserId === undefined)) {
        this.#stateCache?.remember(streamId, { state, revision: recorded.at(-1)!.streamRevision });
      }
      return decided.alone;
    }
  }

  /**
   * The stream's state, from its kept state on when there is one; undefined when a command of the
   * group shows in what was read (a retry: handled alone, it is answered with its first result).
   */
  async #load(
    streamId: string,
    group: Waiting<Command, Event, State>[],
  ): Promise<{ state: State; revision: number | undefined; keepable: boolean } | undefined> {
    const kept = this.#stateCache?.get(streamId);
    const stream = await this.#store.readStream(streamId, kept && { fromRevision: kept.revision + 1 });
    const firstEventIds = new Set(group.map(({ request }) => deriveEventId(request.commandId, 0)));
    if (stream.some((event) => firstEventIds.has(event.id))) return undefined;
    const toDomainEvent = toDomainEventOf(group[0]!.request);
    const state = fold(this.#decider, kept?.state ?? this.#decider.initialState(), stream, toDomainEvent);
    const keepable = stream.every((event) => event.metadata.serviceUserId === undefined);
    return { state, revision: stream.at(-1)?.streamRevision ?? kept?.revision, keepable };
  }

  /** Each command decided on the state the ones before it left; those that append nothing go alone. */
  #decideInTurn(group: Waiting<Command, Event, State>[], initial: State) {
    const together: { waiting: Waiting<Command, Event, State>; events: EventToAppend[] }[] = [];
    const alone: Waiting<Command, Event, State>[] = [];
    let state = initial;
    for (const waiting of group) {
      const { request } = waiting;
      const decided = request.expectedRevision === undefined ? decideOrRefuse(this.#decider, request, state) : [];
      if (decided.length === 0) {
        alone.push(waiting);
        continue;
      }
      const metadata = commandMetadata(request);
      together.push({
        waiting,
        events: decided.map((event, index) => ({
          id: deriveEventId(request.commandId, index),
          type: event.type,
          version: event.version,
          data: event.data,
          metadata,
        })),
      });
      // as the next command's decision will see it once stored: JSON, version 1 by default
      state = decided.reduce((current, event) => this.#decider.evolve(current, asStored(event)), state);
    }
    return { together, alone };
  }
}

/** The decision, or nothing when the decider refuses: a refusal is given from the whole stream. */
function decideOrRefuse<Command, Event extends DomainEvent, State>(
  decider: Decider<Command, Event, State>,
  request: QueuedCommandRequest<Command, Event>,
  state: State,
): readonly Event[] {
  try {
    return asEventList(decider.decide(request.command, state));
  } catch {
    return [];
  }
}

function asStored<Event extends DomainEvent>(event: Event): Event {
  return { ...event, version: event.version ?? 1, data: JSON.parse(JSON.stringify(event.data ?? null)) };
}
