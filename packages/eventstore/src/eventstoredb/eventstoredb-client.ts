import type {
  AllStreamResolvedEvent,
  AppendExpectedRevision,
  AppendResult,
  EventData,
  ReadPosition,
  ReadRevision,
  ResolvedEvent,
} from '@eventstore/db-client';

/**
 * The part of `EventStoreDBClient` the adapter uses. `EventStoreDBClient` satisfies it as is;
 * naming it lets the adapter's logic be tested on a fake where no server runs.
 */
export interface EventStoreDbClient {
  appendToStream(
    streamName: string,
    events: EventData[],
    options: { expectedRevision: AppendExpectedRevision },
  ): Promise<AppendResult>;
  readStream(
    streamName: string,
    options: { direction: 'forwards' | 'backwards'; fromRevision: ReadRevision; maxCount: number },
  ): AsyncIterable<ResolvedEvent>;
  readAll(options: {
    direction: 'forwards';
    fromPosition: ReadPosition;
    maxCount: number;
  }): AsyncIterable<AllStreamResolvedEvent>;
  dispose(): Promise<void>;
}
