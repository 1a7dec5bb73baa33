import { LRUCache } from 'lru-cache';

/** A stream's state as its decider folded it, and the revision of the last event folded. */
export interface FoldedState<State> {
  readonly state: State;
  readonly revision: number;
}

/** Where `handleCommand` keeps the states it folded, per stream id (`CommandRequest.stateCache`). */
export interface StreamStateCache<State> {
  get(streamId: string): FoldedState<State> | undefined;
  /** Keeps `folded` unless a later revision of the stream is kept already (a slower command finishing last). */
  remember(streamId: string, folded: FoldedState<State>): void;
  forget(streamId: string): void;
}

const DEFAULT_MAX_STREAMS = 100;
/** A pharmacy ledger's state holds about 1.5 kB per event folded: some 75 MB at most. */
const DEFAULT_MAX_EVENTS = 50_000;

/**
 * The states last folded for a decider's streams, kept between commands so that the next command
 * on a long stream (an ESSMS' pharmacy ledger of the month, an organisation's habilitations) reads
 * and folds only what was appended since. `handleCommand` uses it when a request names one.
 *
 * A kept state is only ever a head start. Stored events never change, so a state folded up to a
 * revision stays right however old it is: the command still reads what follows, and appends at the
 * revision it read, so another process's appends are found and a concurrent one is a conflict.
 * Two things could make a kept state wrong, and both are kept out:
 * - an event about a usager reads differently once they are forgotten (the erased marker of
 *   crypto-shredding): a state folded from such an event is never kept;
 * - a decider that changed the state it is given would change the kept one: deciders are pure, and
 *   a cache is only for deciders whose states are never changed in place.
 *
 * One cache per decider and event store: it is keyed by stream id alone.
 */
export class LruStreamStateCache<State> implements StreamStateCache<State> {
  readonly #folded: LRUCache<string, FoldedState<State>>;

  /**
   * At most `maxStreams` streams' states are kept, folded from at most `maxEvents` events in all
   * (what a state weighs grows with its stream): the least recently used go first, and a stream
   * longer than `maxEvents` is not kept.
   */
  constructor(options: { maxStreams?: number; maxEvents?: number } = {}) {
    this.#folded = new LRUCache({
      max: options.maxStreams ?? DEFAULT_MAX_STREAMS,
      maxSize: options.maxEvents ?? DEFAULT_MAX_EVENTS,
      sizeCalculation: (folded) => folded.revision + 1,
    });
  }

  get(streamId: string): FoldedState<State> | undefined {
    return this.#folded.get(streamId);
  }

  remember(streamId: string, folded: FoldedState<State>): void {
    const kept = this.#folded.peek(streamId);
    if (kept === undefined || kept.revision < folded.revision) this.#folded.set(streamId, folded);
  }

  forget(streamId: string): void {
    this.#folded.delete(streamId);
  }

  get size(): number {
    return this.#folded.size;
  }
}
