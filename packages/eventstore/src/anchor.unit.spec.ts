import { createHash, randomUUID } from 'node:crypto';
import { expect } from 'chai';
import fc from 'fast-check';
import { anchorOf, parseAnchor } from './anchor.js';
import { InvalidAnchorError } from './errors.js';
import { GENESIS_HASH, hashEvent, type StoredEvent, type StreamHead, verifyStreams } from './hash-chain.js';

interface Stream {
  streamId: string;
  events: StoredEvent[];
  head: StreamHead;
}

let position = 0n;

/** Chains `doses` after the stream's last event, as the store would, and moves its head. */
function append(stream: Stream, doses: readonly string[]): void {
  for (const dose of doses) {
    const revision = stream.events.length;
    const previousHash = stream.events.at(-1)?.hash ?? GENESIS_HASH;
    const content = {
      id: randomUUID(),
      streamId: stream.streamId,
      type: 'DispensationRecorded',
      version: 1,
      data: { dose },
      metadata: { organisationId: 'og-1' },
    };
    position += 1n;
    const hash = hashEvent(previousHash, revision, content);
    stream.events.push({ ...content, streamRevision: revision, globalPosition: position, previousHash, hash });
    stream.head = { revision, hash };
  }
}

function newStream(streamId: string, doses: readonly string[]): Stream {
  const stream = { streamId, events: [], head: { revision: -1, hash: GENESIS_HASH } };
  append(stream, doses);
  return stream;
}

/**
 * What someone with write access and the chain formula can do unseen by the chains: replace the
 * stream from `revision` on by other events, every hash and the head recomputed.
 */
function rewriteFrom(stream: Stream, revision: number, doses: readonly string[]): void {
  stream.events.splice(revision);
  append(stream, doses);
  const last = stream.events.at(-1);
  stream.head = last ? { revision: last.streamRevision, hash: last.hash } : { revision: -1, hash: GENESIS_HASH };
}

function walk(streams: readonly Stream[]) {
  return (async function* () {
    yield* streams;
  })();
}

async function anchorTaken(streams: readonly Stream[]) {
  const report = await verifyStreams(walk(streams), { streamEnds: true });
  if (!report.ok || !report.streamEnds) throw new Error('the log should verify');
  return anchorOf(report.streamEnds, new Date('2026-11-29T06:00:00Z'));
}

const doses = fc.array(fc.constantFrom('30 mg', '60 mg', '80 mg'), { minLength: 1, maxLength: 5 });

describe('anchor', () => {
  it('is the same whatever order the streams are walked in', () => {
    // given the ends of three streams
    const ends = ['registre-b', 'registre-a', 'registre-c'].map((streamId, index) => ({
      streamId,
      revision: index,
      hash: 'ab'.repeat(32),
    }));
    const at = new Date('2026-11-29T06:00:00Z');

    // when they are anchored in two orders
    const one = anchorOf(ends, at);
    const other = anchorOf([...ends].reverse(), at);

    // then
    expect(one).to.deep.equal(other);
    expect(one.streams.map((end) => end.streamId)).to.deep.equal(['registre-a', 'registre-b', 'registre-c']);
    expect(one.digest).to.match(/^[0-9a-f]{64}$/);
  });

  it('reads back what it wrote, and refuses an anchor changed since', () => {
    // given an anchor kept as JSON
    const anchor = anchorOf([{ streamId: 'registre-a', revision: 4, hash: 'cd'.repeat(32) }], new Date());
    const kept = JSON.parse(JSON.stringify(anchor));

    // when it is read back as written, then with an earlier revision, then with something else
    const readBack = parseAnchor(kept);
    const moved = () => parseAnchor({ ...kept, streams: [{ ...kept.streams[0], revision: 3 }] });
    const notAnAnchor = () => parseAnchor({ ...kept, digest: 'not a digest' });
    const twice = () => parseAnchor({ ...kept, streams: [kept.streams[0], kept.streams[0]] });

    // then
    expect(readBack).to.deep.equal(anchor);
    expect(moved).to.throw(InvalidAnchorError).with.property('reason', 'altered');
    expect(notAnAnchor).to.throw(InvalidAnchorError).with.property('reason', 'malformed');
    expect(twice).to.throw(InvalidAnchorError).with.property('reason', 'malformed');
  });

  it('keeps the log with the streams, and refuses a log that does not count their events', () => {
    // given an anchor of a log of five events in two streams, kept as JSON
    const ends = [
      { streamId: 'registre-a', revision: 2, hash: 'cd'.repeat(32) },
      { streamId: 'registre-b', revision: 1, hash: 'ef'.repeat(32) },
    ];
    const at = new Date('2026-11-29T06:00:00Z');
    const anchor = anchorOf(ends, at, { events: 5, hash: '12'.repeat(32) });
    const kept = JSON.parse(JSON.stringify(anchor));

    // when it is read back, with another log hash, and taken again with a log of four events
    const readBack = parseAnchor(kept);
    const otherOrder = () => parseAnchor({ ...kept, log: { events: 5, hash: '34'.repeat(32) } });
    const miscounted = () => parseAnchor(anchorOf(ends, at, { events: 4, hash: '12'.repeat(32) }));

    // then the digest covers the log, and the log counts the streams' events
    expect(readBack).to.deep.equal(anchor);
    expect(anchor.digest).not.to.equal(anchorOf(ends, at).digest);
    expect(otherOrder).to.throw(InvalidAnchorError).with.property('reason', 'altered');
    expect(miscounted).to.throw(InvalidAnchorError).with.property('reason', 'malformed');
  });

  it('keeps a time-stamp beside its digest, not in it, and refuses one that is not a token', () => {
    // given an anchor, and the same with a time-stamp
    const anchor = anchorOf([{ streamId: 'registre-a', revision: 0, hash: 'cd'.repeat(32) }], new Date());
    const timestamp = { authority: 'https://tsa.example', time: '2026-11-29T06:00:01.000Z', token: 'MIIBAA==' };
    const stamped = JSON.parse(JSON.stringify({ ...anchor, timestamp }));

    // when both are read back, and the stamp with a token that is not base64, or no time
    const readBack = parseAnchor(stamped);
    const notBase64 = () => parseAnchor({ ...stamped, timestamp: { ...timestamp, token: 'pas un jeton' } });
    const untimed = () => parseAnchor({ ...stamped, timestamp: { authority: 'x', token: 'MIIBAA==' } });

    // then the digest is the anchor's without the stamp, which is kept as it was
    expect(readBack).to.deep.equal({ ...anchor, timestamp });
    expect(readBack.digest).to.equal(anchor.digest);
    expect(notBase64).to.throw(InvalidAnchorError).with.property('reason', 'malformed');
    expect(untimed).to.throw(InvalidAnchorError).with.property('reason', 'malformed');
  });

  it('reads back an anchor taken before the log was kept, with the digest it had then', () => {
    // given an anchor without a log, as dui anchor wrote them before 2026-11-29
    const kept = {
      takenAt: '2026-11-28T06:00:00.000Z',
      streams: [{ streamId: 'registre-a', revision: 4, hash: 'cd'.repeat(32) }],
      digest: createHash('sha256')
        .update(
          `{"streams":[{"hash":"${'cd'.repeat(32)}","revision":4,"streamId":"registre-a"}],"takenAt":"2026-11-28T06:00:00.000Z"}`,
        )
        .digest('hex'),
    };

    // when
    const readBack = parseAnchor(kept);

    // then
    expect(readBack).to.deep.equal(kept);
  });

  it('stays valid as streams grow and new streams begin', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(doses, { minLength: 1, maxLength: 4 }), doses, async (initial, later) => {
        // given a log anchored
        const streams = initial.map((stream, index) => newStream(`registre-${index}`, stream));
        const anchor = await anchorTaken(streams);

        // when every stream grows and a new one begins
        for (const stream of streams) append(stream, later);
        streams.push(newStream('registre-nouveau', later));

        // then the log still verifies against the anchor, whole and stream by stream
        expect(await verifyStreams(walk(streams), { anchor })).to.include({ ok: true });
        for (const stream of streams) {
          const report = await verifyStreams(walk([stream]), { streamId: stream.streamId, anchor });
          expect(report).to.include({ ok: true });
        }
      }),
      { numRuns: 100 },
    );
  });

  it('shows a stream rewritten with its hashes recomputed, which the chains alone cannot', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(doses, { minLength: 1, maxLength: 4 }),
        fc.nat(),
        fc.nat(),
        fc.array(fc.constantFrom('0 mg', '300 mg'), { maxLength: 6 }),
        async (initial, pickStream, pickRevision, forged) => {
          // given a log anchored
          const streams = initial.map((stream, index) => newStream(`registre-${index}`, stream));
          const anchor = await anchorTaken(streams);
          const victim = streams[pickStream % streams.length]!;
          const anchored = victim.events.length - 1;
          const from = pickRevision % victim.events.length;

          // when the victim is rewritten from one of its revisions, with other doses
          rewriteFrom(victim, from, forged);

          // then the chains still verify, but not against the anchor
          expect(await verifyStreams(walk(streams))).to.include({ ok: true });
          const report = await verifyStreams(walk(streams), { anchor });
          if (report.ok) return expect.fail('the rewritten log verified against the anchor');
          const { detail: _, ...named } = report.firstBadEvent;
          if (victim.events.length > anchored) {
            const seen = victim.events[anchored]!;
            expect(named).to.deep.equal({
              streamId: victim.streamId,
              problem: 'rewritten',
              eventId: seen.id,
              streamRevision: anchored,
              globalPosition: seen.globalPosition,
            });
          } else {
            expect(named).to.deep.equal({ streamId: victim.streamId, problem: 'removed' });
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it('reports a stream the anchor saw that is gone altogether', async () => {
    // given a log of two streams anchored
    const kept = newStream('registre-a', ['30 mg']);
    const gone = newStream('registre-b', ['60 mg', '60 mg']);
    const anchor = await anchorTaken([kept, gone]);

    // when the second disappears, events and head
    const report = await verifyStreams(walk([kept]), { anchor });
    const ofTheOther = await verifyStreams(walk([kept]), { streamId: 'registre-a', anchor });

    // then the whole log is reported, the check of the other stream alone is not concerned
    if (report.ok) return expect.fail('the log verified without a stream the anchor saw');
    expect(report.firstBadEvent).to.deep.equal({
      streamId: 'registre-b',
      problem: 'removed',
      detail: 'the anchor saw this stream up to revision 1, it is gone',
    });
    expect(ofTheOther).to.include({ ok: true });
  });
});
