import { setTimeout as sleep } from 'node:timers/promises';
import type { Knex } from 'knex';
import { selectRows } from './sql-rows.js';

/** How long a read waits for transactions that hide this store's own appends, and an anchor for earlier ones. */
const LONGEST_WAIT_MS = 2_000;
const LONGEST_PAUSE_MS = 50;

/**
 * Read-your-own-appends for the global log. The visibility fence (ADR 0003) hides a committed
 * append while any transaction that started before it is still running, in any session of the
 * cluster: an append followed at once by `readAll` on the same store could miss itself whenever
 * some other transaction is in flight. So the store remembers the transaction of its last
 * committed append, and a read first waits, briefly, until the fence has passed it.
 *
 * The fence only moves forwards, so once it is seen past the last append no read checks again
 * until the next append; a read that gave up waiting (a long transaction elsewhere) does not make
 * the next reads wait for the same append again.
 */
export class OwnAppendsFence {
  /** Transaction id of the latest append this store saw commit. */
  #lastAppend = 0n;
  /** Highest fence observed: every transaction below it has ended. */
  #fence = 0n;
  #gaveUpOn = 0n;

  committed(transactionId: bigint): void {
    if (transactionId > this.#lastAppend) this.#lastAppend = transactionId;
  }

  async waitForOwnAppends(knex: Knex): Promise<void> {
    const awaited = this.#lastAppend;
    if (awaited < this.#fence || awaited <= this.#gaveUpOn) return;
    if (!(await this.#waitUntilFencePasses(knex, awaited))) this.#gaveUpOn = awaited;
  }

  /**
   * Waits, as briefly, until every transaction that had begun writing when it was called, in any
   * session, has ended: an anchor then covers every event committed before it was asked for, not
   * only those below a fence some other transaction holds back (ADR 0004).
   */
  async waitForEarlierTransactions(knex: Knex): Promise<void> {
    const [row] = await selectRows<readonly [string]>(knex, 'select pg_snapshot_xmax(pg_current_snapshot())::text');
    // every id below xmax had been handed out: the fence has to reach xmax
    await this.#waitUntilFencePasses(knex, BigInt(row![0]) - 1n);
  }

  /** False when the wait ran out first. */
  async #waitUntilFencePasses(knex: Knex, awaited: bigint): Promise<boolean> {
    const deadline = Date.now() + LONGEST_WAIT_MS;
    for (let pause = 1; ; pause = Math.min(pause * 2, LONGEST_PAUSE_MS)) {
      const [row] = await selectRows<readonly [string]>(knex, 'select pg_snapshot_xmin(pg_current_snapshot())::text');
      const fence = BigInt(row![0]);
      if (fence > this.#fence) this.#fence = fence;
      if (awaited < this.#fence) return true;
      if (Date.now() >= deadline) return false;
      await sleep(pause);
    }
  }
}
