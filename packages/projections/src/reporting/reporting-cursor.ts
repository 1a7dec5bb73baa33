/**
 * A position in the reporting outbox: the pair (transaction id, position) its rows are read in
 * (ADR 0003), as an opaque base64url string. Consumers keep it and hand it back; they never
 * compare or build one.
 */
export interface ReportingCursor {
  transactionId: string;
  position: string;
}

/** A cursor the outbox did not give: not base64url, or not a pair of numbers. */
export class InvalidReportingCursorError extends Error {
  override readonly name = 'InvalidReportingCursorError';
  constructor() {
    super('invalid reporting cursor');
  }
}

const PAIR = /^r1:(\d{1,20}):(\d{1,19})$/;

/** Where a consumer starts: before every event. */
export const START_OF_OUTBOX: ReportingCursor = { transactionId: '0', position: '0' };

export function encodeReportingCursor(cursor: ReportingCursor): string {
  return Buffer.from(`r1:${cursor.transactionId}:${cursor.position}`, 'utf8').toString('base64url');
}

export function decodeReportingCursor(text: string): ReportingCursor {
  if (!/^[A-Za-z0-9_-]{1,80}$/.test(text)) throw new InvalidReportingCursorError();
  const match = PAIR.exec(Buffer.from(text, 'base64url').toString('utf8'));
  if (!match) throw new InvalidReportingCursorError();
  const [, transactionId, position] = match as unknown as [string, string, string];
  // xid8 and bigint bounds: a larger number would fail in the database, not here
  if (BigInt(transactionId) >= 2n ** 64n || BigInt(position) >= 2n ** 63n) throw new InvalidReportingCursorError();
  return { transactionId, position };
}
