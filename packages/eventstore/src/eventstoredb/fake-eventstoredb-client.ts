import { randomUUID } from 'node:crypto';
import {
  type AllStreamResolvedEvent,
  type AppendExpectedRevision,
  type AppendResult,
  type EventData,
  type JSONRecordedEvent,
  type ReadPosition,
  type ReadRevision,
  type ResolvedEvent,
  StreamNotFoundError,
  WrongExpectedVersionError,
} from '@eventstore/db-client';
import type { EventStoreDbClient } from './eventstoredb-client.js';

interface FakeRecord {
  streamId: string;
  id: string;
  type: string;
  /** Serialised, as the server keeps it: what a reader gets is always a fresh parse. */
  data: string;
  metadata: string;
  revision: bigint;
  position: bigint;
}

/**
 * FOR TESTS ONLY: an in-memory fake of the EventStoreDB client, so that the adapter's own mapping
 * logic can be unit-tested (eventstoredb-adapter-mapping-on-fake-client.unit.spec.ts) where no
 * server runs. It mimics what the adapter relies on: optimistic concurrency with the client's
 * errors, $all positions that are sparse (byte offsets) and reported on stream reads, system
 * events interleaved in $all, backward reads from beyond the end starting at the end. It proves
 * nothing about a real server: the EventStoreDB conformance run is
 * eventstoredb-event-store.int.spec.ts, with EVENTSTOREDB_URL.
 */
export class FakeEventStoreDbClient implements EventStoreDbClient {
  readonly #records: FakeRecord[] = [];
  #nextPosition = 1_000n;
  #appends = 0;

  constructor() {
    this.#write('$settings', '$settings', {});
  }

  async appendToStream(
    streamName: string,
    events: EventData[],
    options: { expectedRevision: AppendExpectedRevision },
  ): Promise<AppendResult> {
    await Promise.resolve();
    const current = this.#streamRecords(streamName).at(-1)?.revision;
    const expected = options.expectedRevision;
    const accepted =
      expected === 'any' ||
      (expected === 'no_stream' && current === undefined) ||
      (expected === 'stream_exists' && current !== undefined) ||
      expected === current;
    if (!accepted) {
      throw new WrongExpectedVersionError(undefined, { streamName, expected, current: current ?? 'no_stream' });
    }
    let last: FakeRecord | undefined;
    let revision = current ?? -1n;
    for (const event of events) {
      revision += 1n;
      const data = event.contentType === 'application/json' ? JSON.stringify(event.data) : '';
      last = this.#write(streamName, event.type, event.metadata, { id: event.id, data, revision });
    }
    this.#appends += 1;
    if (this.#appends % 3 === 0) this.#write('$stats-127.0.0.1:2113', '$statsCollected', { cpu: 1 });
    return {
      success: true,
      nextExpectedRevision: revision,
      position: { commit: last!.position, prepare: last!.position },
    };
  }

  async *readStream(
    streamName: string,
    options: { direction: 'forwards' | 'backwards'; fromRevision: ReadRevision; maxCount: number },
  ): AsyncGenerator<ResolvedEvent> {
    await Promise.resolve();
    const stream = this.#streamRecords(streamName);
    if (stream.length === 0) throw new StreamNotFoundError(undefined, streamName);
    const { direction, fromRevision, maxCount } = options;
    const selected =
      direction === 'forwards'
        ? stream.filter(
            (record) => fromRevision === 'start' || (fromRevision !== 'end' && record.revision >= fromRevision),
          )
        : stream.filter((record) => typeof fromRevision !== 'bigint' || record.revision <= fromRevision).reverse();
    for (const record of selected.slice(0, maxCount)) yield { event: toRecorded(record) };
  }

  async *readAll(options: {
    direction: 'forwards';
    fromPosition: ReadPosition;
    maxCount: number;
  }): AsyncGenerator<AllStreamResolvedEvent> {
    await Promise.resolve();
    const { fromPosition, maxCount } = options;
    const selected = this.#records.filter(
      (record) => fromPosition === 'start' || (fromPosition !== 'end' && record.position >= fromPosition.commit),
    );
    for (const record of selected.slice(0, maxCount)) {
      yield { event: toRecorded(record), commitPosition: record.position };
    }
  }

  async dispose(): Promise<void> {}

  /** FOR TESTS ONLY: rewrites a stored event's data, as someone with access to the files might. */
  unsafeRewriteData(streamId: string, revision: number, data: unknown): void {
    const record = this.#streamRecords(streamId).find((candidate) => candidate.revision === BigInt(revision));
    if (!record) throw new Error(`no event ${streamId}@${revision}`);
    record.data = JSON.stringify(data);
  }

  /** FOR TESTS ONLY: drops a stored event. */
  unsafeDrop(streamId: string, revision: number): void {
    const index = this.#records.findIndex(
      (record) => record.streamId === streamId && record.revision === BigInt(revision),
    );
    if (index === -1) throw new Error(`no event ${streamId}@${revision}`);
    this.#records.splice(index, 1);
  }

  #streamRecords(streamId: string): FakeRecord[] {
    return this.#records.filter((record) => record.streamId === streamId);
  }

  #write(
    streamId: string,
    type: string,
    metadata: unknown,
    event: { id: string; data: string; revision: bigint } = { id: randomUUID(), data: '{}', revision: 0n },
  ): FakeRecord {
    const record: FakeRecord = {
      streamId,
      type,
      metadata: JSON.stringify(metadata ?? {}),
      position: this.#nextPosition,
      ...event,
    };
    // Positions are byte offsets in the server's log: increasing, far from contiguous.
    this.#nextPosition += 100n + BigInt(record.data.length + record.metadata.length);
    this.#records.push(record);
    return record;
  }
}

function toRecorded(record: FakeRecord): JSONRecordedEvent & { position: { commit: bigint; prepare: bigint } } {
  return {
    streamId: record.streamId,
    id: record.id,
    isJson: true,
    revision: record.revision,
    type: record.type,
    created: new Date(),
    data: JSON.parse(record.data),
    metadata: JSON.parse(record.metadata),
    position: { commit: record.position, prepare: record.position },
  };
}
