import type { RecordedEvent } from '@dui-pds/eventstore';
import type { Knex } from 'knex';
import { contextFor, evolveAll, type Projection } from '../projection.js';
import type { BuildRegistry } from './builds.js';
import { BuildRetiredError, CheckpointMovedError } from './errors.js';

/**
 * Applies a batch of the log to one build and moves its checkpoint past all of `read` (a replay
 * as of a date applies only some of what it read), in one transaction: a crash
 * before the commit leaves both as they were, after it both moved (DESIGN.md, Projections).
 *
 * The build's registry row is locked and its checkpoint compared with the one the batch was read
 * after, so that even two workers that both believe they hold the lease (a lease lost during a
 * long pause) cannot apply the same events twice: the second one is refused.
 */
export async function applyBatch(
  knex: Knex,
  registry: BuildRegistry,
  target: { projection: Projection; buildSchema: string; readAfter: bigint | undefined },
  read: readonly RecordedEvent[],
  applied: readonly RecordedEvent[] = read,
): Promise<void> {
  if (read.length === 0) return;
  await knex.transaction((trx) => applyInTransaction(trx, registry, target, read, applied));
}

/** The same, in a transaction the caller commits (the switch of an inline projection). */
export async function applyInTransaction(
  trx: Knex.Transaction,
  registry: BuildRegistry,
  target: { projection: Projection; buildSchema: string; readAfter: bigint | undefined },
  read: readonly RecordedEvent[],
  applied: readonly RecordedEvent[] = read,
): Promise<void> {
  const last = read.at(-1);
  if (!last) return;
  const build = await registry.find(trx, target.buildSchema, { forUpdate: true });
  if (!build || build.state === 'retired') throw new BuildRetiredError(target.buildSchema);
  if (build.checkpoint !== target.readAfter) throw new CheckpointMovedError(target.buildSchema);
  await evolveAll(target.projection, applied, contextFor(trx, target.buildSchema));
  await registry.advance(trx, target.buildSchema, {
    checkpoint: last.globalPosition,
    events: applied.length,
    lastRecordedAt: last.metadata.recordedAt,
  });
}
