import { createHash } from 'node:crypto';
import { expect } from 'chai';
import fc from 'fast-check';
import { checkLogPrefix, EMPTY_LOG_HASH, type LogEntry, walkLogPrefix } from './log-prefix.js';

/** A log of interleaved streams: each name in `picks` appends the next revision of that stream. */
function logOf(picks: readonly string[]): LogEntry[] {
  const revisions = new Map<string, number>();
  return picks.map((streamId, index) => {
    const streamRevision = (revisions.get(streamId) ?? -1) + 1;
    revisions.set(streamId, streamRevision);
    return entry(streamId, streamRevision, BigInt(index + 1));
  });
}

function entry(streamId: string, streamRevision: number, globalPosition: bigint): LogEntry {
  const hash = createHash('sha256').update(`${streamId}@${streamRevision}`).digest('hex');
  return { id: `${streamId}-${streamRevision}`, streamId, streamRevision, globalPosition, hash };
}

async function* listed(entries: readonly LogEntry[]): AsyncGenerator<LogEntry> {
  yield* entries;
}

/** What an anchor keeps of `entries`. */
async function anchored(entries: readonly LogEntry[]) {
  const { prefix, ends } = await walkLogPrefix(listed(entries));
  return { prefix, ends };
}

async function check(now: readonly LogEntry[], anchor: Awaited<ReturnType<typeof anchored>>) {
  return checkLogPrefix(listed(now), anchor.prefix, anchor.ends);
}

function moved(entries: readonly LogEntry[], from: number, to: number): LogEntry[] {
  const copy = [...entries];
  const [taken] = copy.splice(from, 1);
  copy.splice(to, 0, taken!);
  return copy;
}

/** Three registers, interleaved as appends of three nurses would be. */
const picks = ['register-a', 'register-b', 'register-a', 'register-c', 'register-b', 'register-a'];

describe('the global log running hash', () => {
  it("hashes the events' hashes one after the other, in the log's order", async () => {
    // given
    const [first, second] = logOf(['register-a', 'register-b']);

    // when
    const empty = await walkLogPrefix(listed([]));
    const two = await walkLogPrefix(listed([first!, second!]));

    // then
    const sha256 = (...hashes: string[]) =>
      createHash('sha256')
        .update(Buffer.concat(hashes.map((hash) => Buffer.from(hash, 'hex'))))
        .digest('hex');
    expect(empty).to.deep.equal({ prefix: { events: 0, hash: sha256() }, ends: [] });
    expect(EMPTY_LOG_HASH).to.equal(sha256());
    expect(two.prefix).to.deep.equal({ events: 2, hash: sha256(first!.hash, second!.hash) });
  });

  it('takes each stream end from the same walk', async () => {
    // given
    const log = logOf(picks);

    // when
    const { ends } = await walkLogPrefix(listed(log));

    // then
    expect(ends).to.deep.equal([
      { streamId: 'register-a', revision: 2, hash: log[5]!.hash },
      { streamId: 'register-b', revision: 1, hash: log[4]!.hash },
      { streamId: 'register-c', revision: 0, hash: log[3]!.hash },
    ]);
  });

  it('finds nothing wrong with a log that grew after the anchor', async () => {
    // given
    const anchor = await anchored(logOf(picks));

    // when the streams grow and a new one begins
    const now = logOf([...picks, 'register-b', 'register-d', 'register-a']);

    // then
    expect(await check(now, anchor)).to.equal(undefined);
  });

  it('reports a stream slipped into the past of the log as inserted, at its event', async () => {
    // given
    const log = logOf(picks);
    const anchor = await anchored(log);

    // when a stream written since is placed second in the log
    const forged = entry('register-d', 0, 99n);
    const now = [log[0]!, forged, ...log.slice(1)];

    // then
    expect(await check(now, anchor)).to.deep.include({
      streamId: 'register-d',
      problem: 'inserted',
      eventId: forged.id,
      streamRevision: 0,
      globalPosition: 99n,
    });
  });

  it('reports a later event of a stream the anchor saw, moved before its end, as inserted', async () => {
    // given
    const log = logOf([...picks, 'register-c']);
    const anchor = await anchored(log.slice(0, picks.length));

    // when register-c's second event, written after the anchor, is moved to the start of the log
    const now = moved(log, picks.length, 0);

    // then
    expect(await check(now, anchor)).to.deep.include({
      streamId: 'register-c',
      problem: 'inserted',
      streamRevision: 1,
    });
  });

  it('reports two events of different streams swapped as reordered, at the end of what the anchor saw', async () => {
    // given
    const log = logOf(picks);
    const anchor = await anchored(log);

    // when register-c's first event changes places with register-b's second (each stream keeps its order)
    const now = moved(log, 3, 4);

    // then
    const violation = await check([...now, entry('register-e', 0, 7n)], anchor);
    expect(violation).to.deep.include({
      problem: 'reordered',
      eventId: now[5]!.id,
      globalPosition: now[5]!.globalPosition,
    });
  });

  it('reports an event the anchor saw that is no longer in the log, by its stream and revision', async () => {
    // given
    const log = logOf(picks);
    const anchor = await anchored(log);

    // when register-b's last event is taken out of the log
    const now = log.filter((event) => event !== log[4]);

    // then
    expect(await check(now, anchor)).to.deep.include({
      streamId: 'register-b',
      problem: 'reordered',
      streamRevision: 1,
    });
  });

  it('sees every other interleaving of the same streams, and only those', async () => {
    const streamsOfLog = fc.array(fc.constantFrom('register-a', 'register-b', 'register-c'), {
      minLength: 1,
      maxLength: 12,
    });
    await fc.assert(
      fc.asyncProperty(streamsOfLog, fc.array(fc.nat(), { maxLength: 12 }), async (original, shuffle) => {
        // given a log anchored
        const log = logOf(original);
        const anchor = await anchored(log);

        // when its streams are interleaved otherwise, each keeping its own order
        const interleaving = [...original];
        for (const [step, seed] of shuffle.entries()) {
          const from = step % interleaving.length;
          const to = seed % interleaving.length;
          const [stream] = interleaving.splice(from, 1);
          interleaving.splice(to, 0, stream!);
        }
        const now = logOf(interleaving);

        // then the check fails exactly when the order changed
        const violation = await check(now, anchor);
        const sameOrder = interleaving.every((stream, index) => stream === original[index]);
        expect(violation === undefined).to.equal(sameOrder);
        if (violation) expect(violation.problem).to.equal('reordered');
      }),
    );
  });
});
