import type { RecordedEvent } from '../event.js';

/**
 * The columns a reader needs, in the order `toRecordedEvent` reads them (table alias `e`).
 *
 * Positions leave the database as text, because PGlite turns int8 into a lossy JavaScript number;
 * json leaves as the text it was stored as and is parsed here, so both drivers hand over the same thing and pg spends
 * nothing on type lookups; hashes leave as hex, the form the port speaks.
 */
export const EVENT_COLUMNS = `e.global_position::text, e.stream_id, e.stream_revision, e.id, e.type, e.version,
  e.data::text, e.metadata::text, encode(e.previous_hash, 'hex'), encode(e.hash, 'hex')`;

export type EventRow = readonly [
  globalPosition: string,
  streamId: string,
  streamRevision: number,
  id: string,
  type: string,
  version: number,
  data: string,
  metadata: string,
  previousHash: string,
  hash: string,
];

/**
 * A stored event as readers see it. It is also the raw form the integrity check hashes: data and
 * metadata are exactly what was stored (ciphertext included), never decrypted nor upcast here.
 * A query may select more columns after these ones.
 */
export function toRecordedEvent(row: readonly [...EventRow, ...unknown[]]): RecordedEvent {
  const [globalPosition, streamId, streamRevision, id, type, version, data, metadata, previousHash, hash] = row;
  return {
    id,
    type,
    version,
    data: JSON.parse(data),
    metadata: JSON.parse(metadata),
    streamId,
    streamRevision,
    globalPosition: BigInt(globalPosition),
    previousHash,
    hash,
  };
}
