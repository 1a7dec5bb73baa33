import { InvalidEventError } from './errors.js';
import { type EventToAppend, eventToAppendSchema, type RecordedEvent } from './event.js';
import { canonicalJson, contentHashOfCanonical } from './hash-chain.js';

/** An event checked at the boundary and ready to be stored, with what its hash needs. */
export interface PreparedEvent {
  id: string;
  type: string;
  version: number;
  /** Plain JSON (no Date, no undefined): what will be stored, and hashed. */
  readonly data: unknown;
  metadata: RecordedEvent['metadata'];
  /** `data` and `metadata` in canonical JSON (RFC 8785): the exact text stores keep and hash. */
  dataJson: string;
  metadataJson: string;
  contentHash: Buffer;
}

/**
 * Validates the envelopes of one append, stamps `recordedAt`, and computes each content hash.
 * All events of an append belong to one organisation: the stream's.
 */
export function prepareEvents(streamId: string, events: readonly EventToAppend[], recordedAt: Date): PreparedEvent[] {
  if (typeof streamId !== 'string' || streamId.length === 0 || streamId.length > 500) {
    throw new InvalidEventError('a stream id is a non-empty string of at most 500 characters');
  }
  if (events.length === 0) throw new InvalidEventError('an append needs at least one event');
  const seen = new Set<string>();
  const prepared = events.map((event, index) => {
    const parsed = eventToAppendSchema.safeParse(event);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new InvalidEventError(
        `event ${index}: ${issue?.path.join('.') || 'envelope'}: ${issue?.message ?? 'invalid'}`,
      );
    }
    const { id, type, version, metadata } = parsed.data;
    if (seen.has(id)) throw new InvalidEventError(`event ${index}: id ${id} appears twice in the append`);
    seen.add(id);
    const dataJson = canonicalData(event.data, index);
    const stamped = { ...metadata, recordedAt: recordedAt.toISOString() };
    const metadataJson = canonicalJson(stamped)!;
    let data: unknown;
    return {
      id,
      type,
      version,
      // parsed only when asked (the crypto-shredding decorator encrypts it): the SQL adapter
      // stores the canonical text and never needs the value
      get data() {
        if (data === undefined) data = JSON.parse(dataJson);
        return data;
      },
      metadata: stamped,
      dataJson,
      metadataJson,
      contentHash: contentHashOfCanonical({ id, streamId, type, version, dataJson, metadataJson }),
    };
  });
  const organisations = new Set(prepared.map((event) => event.metadata.organisationId));
  if (organisations.size > 1) throw new InvalidEventError('all events of an append belong to one organisation');
  return prepared;
}

function canonicalData(data: unknown, index: number): string {
  let json: string | undefined;
  try {
    json = canonicalJson(data ?? null);
  } catch (error) {
    throw new InvalidEventError(`event ${index}: data is not JSON (${(error as Error).message})`);
  }
  if (json === undefined) throw new InvalidEventError(`event ${index}: data is not JSON`);
  if (json.includes('\\u0000')) throw new InvalidEventError(`event ${index}: data holds a NUL character`);
  return json;
}
