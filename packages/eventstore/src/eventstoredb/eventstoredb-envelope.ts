import { type EventData, type JSONType, jsonEvent, type RecordedEvent as StoredRecord } from '@eventstore/db-client';
import { z } from 'zod';
import type { PreparedEvent } from '../append-preparation.js';
import { EventStoreError } from '../errors.js';
import type { RecordedEvent } from '../event.js';

/**
 * How an event of ours sits in EventStoreDB: its id, type and data are EventStoreDB's own; its
 * metadata is ours (organisation, actor, times, ...) plus a `dui` block with what EventStoreDB
 * has no place for. The id is kept there too because EventStoreDB gives ids back in its own
 * spelling, and the hash covers the id as the caller wrote it.
 */
const chainBlockSchema = z.object({
  id: z.string(),
  version: z.number().int().positive(),
  previousHash: z.string(),
  hash: z.string(),
});
type ChainBlock = z.infer<typeof chainBlockSchema>;

export function toEventData(event: PreparedEvent, previousHash: string, hash: string): EventData {
  const dui: ChainBlock = { id: event.id, version: event.version, previousHash, hash };
  return jsonEvent({
    id: event.id,
    type: event.type,
    // Any JSON value: the client serialises it with JSON.stringify, null and numbers included.
    data: event.data as JSONType,
    metadata: { ...event.metadata, dui },
  });
}

/** EventStoreDB's own events and streams (statistics, settings, links) are not ours. */
export function isSystemRecord(record: { streamId: string; type: string }): boolean {
  return record.streamId.startsWith('$') || record.type.startsWith('$');
}

/** Our event from an EventStoreDB record, or `undefined` when the record was not written by this adapter. */
export function fromStoredRecord(record: StoredRecord, commitPosition?: bigint): RecordedEvent | undefined {
  if (!record.isJson || isSystemRecord(record)) return undefined;
  const stored: unknown = record.metadata;
  if (typeof stored !== 'object' || stored === null || Array.isArray(stored)) return undefined;
  const { dui, ...metadata } = stored as Record<string, unknown>;
  const chain = chainBlockSchema.safeParse(dui);
  if (!chain.success) return undefined;
  if (typeof metadata.organisationId !== 'string' || typeof metadata.recordedAt !== 'string') return undefined;
  return {
    id: chain.data.id,
    type: record.type,
    version: chain.data.version,
    data: record.data,
    // As stored, not re-parsed: verification must see any key added behind the store's back.
    metadata: metadata as RecordedEvent['metadata'],
    streamId: record.streamId,
    streamRevision: Number(record.revision),
    globalPosition: globalPositionOf(record, commitPosition),
    previousHash: chain.data.previousHash,
    hash: chain.data.hash,
  };
}

/** Servers that do not know an event's position in $all report the largest unsigned 64-bit value. */
const UNKNOWN_POSITION_FROM = 2n ** 63n;

/**
 * The commit position: unique per event for appends over gRPC, and the order of $all. Servers
 * before 22.6 do not report it on stream reads; the adapter cannot work without it.
 */
export function globalPositionOf(record: StoredRecord, commitPosition?: bigint): bigint {
  const position = record.position?.commit ?? commitPosition;
  if (position === undefined || position < 0n || position >= UNKNOWN_POSITION_FROM) {
    throw new EventStoreError(
      `EventStoreDB did not report the $all position of event ${record.id} in ${record.streamId}: ` +
        'this adapter needs a server that reports positions on stream reads (EventStoreDB 22.6 or later)',
    );
  }
  return position;
}
