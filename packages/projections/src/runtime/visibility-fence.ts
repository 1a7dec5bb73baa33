import { setTimeout as sleep } from 'node:timers/promises';
import { selectRows } from '@dui-pds/eventstore';
import type { Knex } from 'knex';
import { ProjectionError } from './errors.js';

const FENCE_TIMEOUT_MS = 5_000;

/** The transactions older than the switch did not all end in time (a long transaction elsewhere). */
export class FenceTimeoutError extends ProjectionError {
  override readonly name = 'FenceTimeoutError';
  constructor() {
    super('older transactions still run: the log is not complete below the switch yet');
  }
}

/**
 * Waits, inside `trx`, until every transaction that had started when it was called has ended, so
 * that the global log (read below the visibility fence, ADR 0003) holds all they appended.
 * `trx` must not have written yet: a transaction with an id of its own would hold the fence back.
 */
export async function waitForFence(trx: Knex.Transaction): Promise<void> {
  const [[horizon] = ['0']] = await selectRows<readonly [string]>(
    trx,
    'select pg_snapshot_xmax(pg_current_snapshot())::text',
  );
  const deadline = Date.now() + FENCE_TIMEOUT_MS;
  for (let pauseMs = 1; ; pauseMs = Math.min(pauseMs * 2, 50)) {
    const [[passed] = [false]] = await selectRows<readonly [boolean]>(
      trx,
      'select pg_snapshot_xmin(pg_current_snapshot()) >= ?::xid8',
      [horizon],
    );
    if (passed) return;
    if (Date.now() > deadline) throw new FenceTimeoutError();
    await sleep(pauseMs);
  }
}
