/**
 * What a verification of the log reports (ADR 0004), apart from how it walks it: the stream chains
 * (`hash-chain.ts`) and the log's running hash (`log-prefix.ts`) report in these terms.
 */

export type IntegrityProblem =
  /** The event's content or hash no longer matches what was written. */
  | 'altered'
  /** An event before this one (or at the end of the stream) is missing. */
  | 'removed'
  /**
   * This event was not written by the store in this place, or it stands in the global log before
   * the end of what an anchor saw, which did not see it.
   */
  | 'inserted'
  /**
   * This event is not the one an anchor saw at this revision: the stream was rewritten at or
   * before it, every later hash recomputed (ADR 0004).
   */
  | 'rewritten'
  /**
   * On PostgreSQL, this event's transaction id is one no transaction had yet, so that no reader of
   * the global log sees it: set there to hide it, or a log restored into a cluster whose
   * transaction ids were not moved past the log's (docs/operations.md).
   */
  | 'hidden'
  /**
   * This event is intact but no longer follows its predecessor: in the chain, or in the global
   * log, where it comes before it; or, against an anchor, the log's events are no longer in the
   * order the anchor saw.
   */
  | 'reordered';

export interface IntegrityViolation {
  streamId: string;
  problem: IntegrityProblem;
  /** The first bad event, when there is one to point at (a removed tail has none). */
  eventId?: string;
  streamRevision?: number;
  globalPosition?: bigint;
  detail: string;
}

export type IntegrityReport =
  | {
      ok: true;
      streamsChecked: number;
      eventsChecked: number;
      /** With `streamEnds`: where each stream ends in the log, for an anchor. */
      streamEnds?: StreamEnd[];
      /** With `streamEnds`, on the whole log of a store that lists it: the log's running hash. */
      logPrefix?: LogPrefix;
    }
  | { ok: false; streamsChecked: number; eventsChecked: number; firstBadEvent: IntegrityViolation };

/** Where a stream ended when the log was verified: what an anchor keeps of it (ADR 0004). */
export interface StreamEnd {
  streamId: string;
  revision: number;
  hash: string;
}

/** The first `events` events of the global log, hashed in the log's order (`log-prefix.ts`). */
export interface LogPrefix {
  events: number;
  hash: string;
}
