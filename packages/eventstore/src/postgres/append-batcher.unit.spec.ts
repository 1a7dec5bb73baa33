import { setImmediate as nextTurn } from 'node:timers/promises';
import { expect } from 'chai';
import { AppendBatcher } from './append-batcher.js';

interface TestAppend {
  streamId: string;
  events: readonly string[];
}

/** A transport that records the batches it is given and answers when told to. */
function recordingTransport() {
  const batches: TestAppend[][] = [];
  const pending: (() => void)[] = [];
  const send = (appends: TestAppend[]) =>
    new Promise<string[]>((resolve) => {
      batches.push(appends);
      pending.push(() => resolve(appends.map((append) => `${append.streamId}:${append.events.join('+')}`)));
    });
  return {
    batches,
    send,
    answerAll: () => {
      for (const answer of pending.splice(0)) answer();
    },
  };
}

/** Lets the event loop turn until `condition` holds (the batcher dispatches on a later turn). */
async function until(condition: () => boolean): Promise<void> {
  for (let turn = 0; turn < 100 && !condition(); turn += 1) await nextTurn();
  expect(condition(), 'condition never held').to.equal(true);
}

describe('AppendBatcher', () => {
  it('sends what waits together, shared among the free slots, each batch in stream order', async () => {
    // given two slots and eight appends arriving in one turn of the event loop
    const transport = recordingTransport();
    const batcher = new AppendBatcher<TestAppend, string>(transport.send, { maxInFlight: 2, maxEvents: 100 });
    const streams = ['h', 'g', 'f', 'e', 'd', 'c', 'b', 'a'];

    // when
    const outcomes = Promise.all(streams.map((streamId) => batcher.submit({ streamId, events: ['x'] })));
    await nextTurn();
    transport.answerAll();

    // then two batches of four, each sorted by stream id, and every append gets its own outcome
    expect(transport.batches.map((batch) => batch.map((append) => append.streamId))).to.deep.equal([
      ['e', 'f', 'g', 'h'],
      ['a', 'b', 'c', 'd'],
    ]);
    expect(await outcomes).to.deep.equal(streams.map((streamId) => `${streamId}:x`));
  });

  it('keeps the order appends to one stream came in', async () => {
    // given one slot and three appends to the same stream among others
    const transport = recordingTransport();
    const batcher = new AppendBatcher<TestAppend, string>(transport.send, { maxInFlight: 1, maxEvents: 100 });

    // when
    const outcomes = Promise.all([
      batcher.submit({ streamId: 's', events: ['1'] }),
      batcher.submit({ streamId: 'a', events: ['x'] }),
      batcher.submit({ streamId: 's', events: ['2'] }),
      batcher.submit({ streamId: 's', events: ['3'] }),
    ]);
    await nextTurn();
    transport.answerAll();
    await outcomes;

    // then
    expect(transport.batches[0]!.map((append) => `${append.streamId}${append.events[0]}`)).to.deep.equal([
      'ax',
      's1',
      's2',
      's3',
    ]);
  });

  it('holds what arrives while every slot is busy, and sends it when one frees', async () => {
    // given one slot, busy with a first append
    const transport = recordingTransport();
    const batcher = new AppendBatcher<TestAppend, string>(transport.send, { maxInFlight: 1, maxEvents: 100 });
    const first = batcher.submit({ streamId: 'a', events: ['1'] });
    await nextTurn();

    // when two more arrive, then the first is answered
    const later = Promise.all([
      batcher.submit({ streamId: 'b', events: ['1'] }),
      batcher.submit({ streamId: 'c', events: ['1'] }),
    ]);
    await nextTurn();
    const sentWhileBusy = transport.batches.length;
    transport.answerAll();
    await first;
    await until(() => transport.batches.length === 2);
    transport.answerAll();

    // then nothing left while the slot was busy, and the two left together after
    expect(sentWhileBusy).to.equal(1);
    expect(await later).to.deep.equal(['b:1', 'c:1']);
    expect(transport.batches.map((batch) => batch.length)).to.deep.equal([1, 2]);
  });

  it('replays a batch that failed as a whole one append at a time, so that only the culprit fails', async () => {
    // given a transport that fails any batch holding the culprit
    const sent: string[][] = [];
    const batcher = new AppendBatcher<TestAppend, string>(
      async (appends) => {
        sent.push(appends.map((append) => append.streamId));
        if (appends.some((append) => append.streamId === 'culprit')) throw new Error('unique violation');
        return appends.map((append) => `${append.streamId}:ok`);
      },
      { maxInFlight: 1, maxEvents: 100 },
    );

    // when
    const outcomes = await Promise.allSettled(
      ['a', 'culprit', 'z'].map((streamId) => batcher.submit({ streamId, events: ['x'] })),
    );

    // then
    expect(outcomes.map((outcome) => outcome.status)).to.deep.equal(['fulfilled', 'rejected', 'fulfilled']);
    expect(sent).to.deep.equal([['a', 'culprit', 'z'], ['a'], ['culprit'], ['z']]);
  });

  it('sends an append bigger than the event limit alone', async () => {
    // given
    const transport = recordingTransport();
    const batcher = new AppendBatcher<TestAppend, string>(transport.send, { maxInFlight: 1, maxEvents: 3 });

    // when
    const outcomes = Promise.all([
      batcher.submit({ streamId: 'a', events: ['1', '2', '3', '4'] }),
      batcher.submit({ streamId: 'b', events: ['1'] }),
    ]);
    await until(() => transport.batches.length === 1);
    transport.answerAll();
    await until(() => transport.batches.length === 2);
    transport.answerAll();
    await outcomes;

    // then
    expect(transport.batches.map((batch) => batch.map((append) => append.streamId))).to.deep.equal([['a'], ['b']]);
  });
});
