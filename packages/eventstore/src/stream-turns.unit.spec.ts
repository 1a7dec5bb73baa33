import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import fc from 'fast-check';
import { StreamTurns } from './stream-turns.js';

describe('StreamTurns', () => {
  it('runs the tasks of one stream one after the other, in the order they came', async () => {
    // given
    const turns = new StreamTurns();
    const log: string[] = [];
    const task = (name: string, ms: number) => async () => {
      log.push(`${name} starts`);
      await sleep(ms);
      log.push(`${name} ends`);
      return name;
    };

    // when
    const results = await Promise.all([
      turns.take('ledger', task('a', 20)),
      turns.take('ledger', task('b', 1)),
      turns.take('ledger', task('c', 5)),
    ]);

    // then
    assert.deepEqual(results, ['a', 'b', 'c']);
    assert.deepEqual(log, ['a starts', 'a ends', 'b starts', 'b ends', 'c starts', 'c ends']);
    assert.equal(turns.busyStreams, 0);
  });

  it('runs tasks of different streams side by side', async () => {
    // given
    const turns = new StreamTurns();
    let running = 0;
    let mostAtOnce = 0;
    const task = async () => {
      running += 1;
      mostAtOnce = Math.max(mostAtOnce, running);
      await sleep(10);
      running -= 1;
    };

    // when
    await Promise.all([turns.take('ledger-a', task), turns.take('ledger-b', task), turns.take('ledger-c', task)]);

    // then
    assert.equal(mostAtOnce, 3);
  });

  it('goes on with the next task when one fails, and hands the failure to its caller', async () => {
    // given
    const turns = new StreamTurns();
    const failing = turns.take('ledger', async () => {
      await sleep(5);
      throw new Error('refused');
    });

    // when
    const next = turns.take('ledger', async () => 'next');

    // then
    await assert.rejects(failing, /refused/);
    assert.equal(await next, 'next');
    assert.equal(turns.busyStreams, 0);
  });

  it('never runs two tasks of a stream at once, whatever they take and however they end (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ stream: fc.constantFrom('a', 'b'), ms: fc.nat(3), fails: fc.boolean() }), {
          maxLength: 12,
        }),
        async (tasks) => {
          // given
          const turns = new StreamTurns();
          const running = new Map<string, number>();
          let overlaps = 0;

          // when
          await Promise.allSettled(
            tasks.map(({ stream, ms, fails }) =>
              turns.take(stream, async () => {
                running.set(stream, (running.get(stream) ?? 0) + 1);
                if (running.get(stream)! > 1) overlaps += 1;
                await sleep(ms);
                running.set(stream, running.get(stream)! - 1);
                if (fails) throw new Error('refused');
              }),
            ),
          );

          // then
          assert.equal(overlaps, 0);
          assert.equal(turns.busyStreams, 0);
        },
      ),
      { numRuns: 50 },
    );
  });
});
