import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import fc from 'fast-check';
import {
  canonicalJson,
  contentHash,
  contentHashOfCanonical,
  GENESIS_HASH,
  hashEvent,
  type StoredEvent,
  type StreamHead,
  verifyStreams,
} from './hash-chain.js';
import type { IntegrityViolation } from './integrity-report.js';

type Log = Map<string, { events: StoredEvent[]; head: StreamHead }>;

/**
 * A log as the store writes it: streams interleaved in the order `picks` names them. With
 * `eventsPerTransaction`, events also carry the id of the transaction that appended them, as on
 * PostgreSQL, where the log is ordered by transaction first (a transaction may hold several).
 */
function writtenLog(picks: readonly number[], eventsPerTransaction?: number): Log {
  const log: Log = new Map();
  for (const [index, pick] of picks.entries()) {
    const streamId = `registre-${pick}`;
    const stream = log.get(streamId) ?? { events: [], head: { revision: -1, hash: GENESIS_HASH } };
    const revision = stream.events.length;
    const content = {
      id: randomUUID(),
      streamId,
      type: 'DispensationRecorded',
      version: 1,
      data: { dose: `${index} mg` },
      metadata: { organisationId: 'og-1' },
    };
    const hash = hashEvent(stream.head.hash, revision, content);
    stream.events.push({
      ...content,
      streamRevision: revision,
      globalPosition: BigInt(index + 1),
      ...(eventsPerTransaction && { transactionId: BigInt(Math.floor(index / eventsPerTransaction) + 100) }),
      previousHash: stream.head.hash,
      hash,
    });
    stream.head = { revision, hash };
    log.set(streamId, stream);
  }
  return log;
}

const tamperings = ['alter', 'delete', 'swap', 'move in the log', 'forge at the end'] as const;
type Tampering = (typeof tamperings)[number];

/**
 * Rewrites one stream as someone with write access to the table would (the head is kept apart, as
 * the store keeps it), and says what `verifyStreams` must report: the kind of problem and the
 * event it names, none for a removed end of stream.
 */
function tamper(events: StoredEvent[], tampering: Tampering, pick: number): Omit<IntegrityViolation, 'detail'> {
  const streamId = events[0]!.streamId;
  const at = (event: StoredEvent) => ({
    streamId,
    eventId: event.id,
    streamRevision: event.streamRevision,
    globalPosition: event.globalPosition,
  });
  const index = pick % events.length;
  if (tampering === 'swap' && events.length >= 2) {
    // two neighbours trade contents, keeping their revisions and positions
    const first = pick % (events.length - 1);
    const [a, b] = [events[first]!, events[first + 1]!];
    events[first] = { ...b, ...placeOf(a) };
    events[first + 1] = { ...a, ...placeOf(b) };
    return { problem: 'reordered', ...at(events[first]!) };
  }
  if (tampering === 'move in the log' && events.length >= 2) {
    // two neighbours trade places in the global log, keeping their contents and revisions: by
    // their transaction ids where the log is ordered by them first, else by their positions
    const first = pick % (events.length - 1);
    const [a, b] = [events[first]!, events[first + 1]!];
    const place =
      a.transactionId !== b.transactionId
        ? ({ transactionId }: StoredEvent) => ({ transactionId })
        : ({ globalPosition }: StoredEvent) => ({ globalPosition });
    events[first] = { ...a, ...place(b) };
    events[first + 1] = { ...b, ...place(a) };
    return { problem: 'reordered', ...at(events[first + 1]!) };
  }
  if (tampering === 'delete') {
    const [deleted] = events.splice(index, 1);
    const next = events[index];
    return next ? { problem: 'removed', ...at(next) } : { problem: 'removed', streamId: deleted!.streamId };
  }
  if (tampering === 'forge at the end') {
    // a forger who knows the chain formula, behind the store's back: the head does not move
    const last = events.at(-1)!;
    const content = { ...last, id: randomUUID(), data: { dose: '0 mg' } };
    const revision = last.streamRevision + 1;
    const forged = {
      ...content,
      streamRevision: revision,
      globalPosition: 1_000n + BigInt(pick),
      previousHash: last.hash,
      hash: hashEvent(last.hash, revision, content),
    };
    events.push(forged);
    return { problem: 'inserted', ...at(forged) };
  }
  const victim = events[index]!;
  events[index] = { ...victim, data: { dose: `${victim.data && (victim.data as { dose: string }).dose}0` } };
  return { problem: 'altered', ...at(victim) };
}

const placeOf = ({ streamRevision, globalPosition, transactionId }: StoredEvent) => ({
  streamRevision,
  globalPosition,
  transactionId,
});

describe('hash chain', () => {
  describe('content hash', () => {
    it('is the same whether the event is serialised whole or assembled from canonical parts', () => {
      fc.assert(
        fc.property(
          fc.record({
            id: fc.uuid(),
            streamId: fc.string({ minLength: 1 }),
            type: fc.string({ minLength: 1 }),
            version: fc.integer({ min: 1, max: 1_000 }),
            data: fc.jsonValue(),
            metadata: fc.dictionary(fc.string(), fc.jsonValue()),
          }),
          (event) => {
            // given an event, and its data and metadata already in canonical JSON
            const dataJson = canonicalJson(event.data)!;
            const metadataJson = canonicalJson(event.metadata)!;
            // when its hash is taken both ways
            const whole = contentHash(event);
            const assembled = contentHashOfCanonical({ ...event, dataJson, metadataJson });
            // then they agree, so what the store hashes is what the verifier recomputes
            expect(assembled.toString('hex')).to.equal(whole.toString('hex'));
          },
        ),
        { numRuns: 300 },
      );
    });
  });

  describe('verifying a log someone rewrote', () => {
    it('reports a stream whose revisions come out of order in the global log, at the event that comes too early', async () => {
      // given a stream of two events whose second was appended by a transaction with a lower id
      // than the first's (what a transaction that had written before taking the stream's lock did)
      const log = writtenLog([0, 0], 1);
      const { events, head } = log.get('registre-0')!;
      const [first, second] = events as [StoredEvent, StoredEvent];
      events[1] = { ...second, transactionId: first.transactionId! - 1n };

      // when the stream is verified
      const report = await verifyStreams(
        (async function* () {
          yield { streamId: 'registre-0', events, head };
        })(),
      );

      // then its chain is intact, but a reader of the log would meet revision 1 before revision 0
      expect(report).to.deep.include({ ok: false, eventsChecked: 1 });
      if (report.ok) return;
      expect(report.firstBadEvent).to.deep.equal({
        streamId: 'registre-0',
        problem: 'reordered',
        eventId: second.id,
        streamRevision: 1,
        globalPosition: second.globalPosition,
        detail: 'this event comes before revision 0 in the global log',
      });
    });

    it('names the first bad event in the global log, and what was done to it', async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.array(fc.nat(3), { minLength: 1, maxLength: 24 }),
          fc.option(fc.integer({ min: 1, max: 3 }), { nil: undefined }),
          fc.array(fc.record({ stream: fc.nat(), tampering: fc.constantFrom(...tamperings), pick: fc.nat() }), {
            minLength: 1,
            maxLength: 2,
          }),
          async (picks, eventsPerTransaction, rewrites) => {
            // given a log as written, and one or two of its streams rewritten
            const log = writtenLog(picks, eventsPerTransaction);
            const streamIds = [...log.keys()];
            const expected: Omit<IntegrityViolation, 'detail'>[] = [];
            for (const { stream, tampering, pick } of rewrites) {
              const streamId = streamIds[stream % streamIds.length]!;
              if (expected.some((violation) => violation.streamId === streamId)) continue;
              expected.push(tamper(log.get(streamId)!.events, tampering, pick));
            }

            // when the whole log is verified
            const report = await verifyStreams(
              (async function* () {
                for (const [streamId, { events, head }] of log) yield { streamId, events, head };
              })(),
            );

            // then it names the violation earliest in the log; removed ends of streams come last, in the order walked
            const walked = (violation: Omit<IntegrityViolation, 'detail'>) => streamIds.indexOf(violation.streamId);
            const [earliest] = expected.sort((a, b) =>
              a.globalPosition !== undefined && b.globalPosition !== undefined
                ? Number(a.globalPosition - b.globalPosition)
                : a.globalPosition !== undefined
                  ? -1
                  : b.globalPosition !== undefined
                    ? 1
                    : walked(a) - walked(b),
            );
            if (report.ok) expect.fail(`the rewritten log verified: ${JSON.stringify(expected, String)}`);
            const { detail: _, ...named } = report.firstBadEvent;
            expect(named).to.deep.equal(earliest);
          },
        ),
        { numRuns: 500 },
      );
    });
  });
});
