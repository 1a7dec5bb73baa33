import type { RecordedEvent } from '@dui-pds/eventstore';
import type { Knex } from 'knex';

/**
 * What a projection's code is given: the transaction its writes commit in (with the checkpoint,
 * for an async projection; with the append, for an inline one) and the schema holding its tables.
 * A build of a projection (a version being rebuilt, a time-travel replay) has a schema of its own,
 * so a projection never names a schema itself: it goes through `table`.
 */
export interface ProjectionContext {
  readonly db: Knex.Transaction;
  readonly schema: string;
  /** A query on one of the projection's tables, in its build's schema. */
  table(name: string): Knex.QueryBuilder;
}

/**
 * A projection, declared once and run inline, async, rebuilt or replayed as of a date by the
 * runtime. `evolve` receives the handled events one at a time, in the order of the global log;
 * an event of a forgotten usager arrives with `isErased(event.data)` true and must not fail.
 */
export interface Projection {
  /** Lowercase identifier: it names the projection's read schema (`<store schema>_<name>`). */
  readonly name: string;
  /** Bump it when `migrate` or `evolve` change what the model holds: a new version is rebuilt beside the old one. */
  readonly version: number;
  /**
   * The event types it handles (the others only move its checkpoint): a list, `'all'`, or all but
   * a list. Saying which types a projection never looks at matters for an inline projection: an
   * append that no inline projection handles needs no transaction of its own, and is batched.
   */
  readonly handles: readonly string[] | 'all' | { readonly allBut: readonly string[] };
  /** Creates the projection's tables in `schema` (empty at the time). */
  migrate(db: Knex.Transaction, schema: string): Promise<void>;
  evolve(event: RecordedEvent, context: ProjectionContext): Promise<void>;
  /**
   * Optional, for speed: applies several handled events at once (a rebuild goes through hundreds
   * of thousands). When present the runtime calls it instead of `evolve`, with the same effect.
   */
  evolveBatch?(events: readonly RecordedEvent[], context: ProjectionContext): Promise<void>;
  /**
   * Optional: deletes, at the end of the retention of a usager's record, the rows of theirs that
   * the runtime would not find. `ProjectionRuntime.purgeServiceUser` deletes the rows of every table
   * with a `service_user_id` column; a projection says here what else goes: rows naming the usager
   * in another column (an owner, a participant), rows hanging off one of theirs. Called on the read
   * schema, in the purge's transaction, before the `service_user_id` rows go; must be idempotent.
   * Answers the rows deleted per table.
   */
  purgeServiceUser?(context: ProjectionContext, where: ServiceUserRows): Promise<Record<string, number>>;
}

/** A usager's rows in one organisation: what the end of retention deletes. */
export interface ServiceUserRows {
  organisationId: string;
  serviceUserId: string;
}

const PROJECTION_NAME = /^[a-z][a-z0-9_]{0,29}$/;

/** Checks a projection's declaration once, where it is written, rather than at its first event. */
export function defineProjection<P extends Projection>(projection: P): P {
  if (!PROJECTION_NAME.test(projection.name)) {
    throw new TypeError(
      `projection name ${JSON.stringify(projection.name)}: lowercase letters, digits and _, at most 30, starting with a letter`,
    );
  }
  if (!Number.isInteger(projection.version) || projection.version < 1) {
    throw new TypeError(`projection ${projection.name}: version must be a positive integer`);
  }
  if (Array.isArray(projection.handles) && projection.handles.length === 0)
    throw new TypeError(`projection ${projection.name}: it handles no event type`);
  return projection;
}

export function contextFor(db: Knex.Transaction, schema: string): ProjectionContext {
  return { db, schema, table: (name) => db.withSchema(schema).table(name) };
}

/** Applies handled events with `evolveBatch` where the projection has it, else one by one. */
export async function evolveAll(
  projection: Projection,
  events: readonly RecordedEvent[],
  context: ProjectionContext,
): Promise<void> {
  const handled = events.filter((event) => handles(projection, event));
  if (handled.length === 0) return;
  if (projection.evolveBatch) {
    await projection.evolveBatch(handled, context);
    return;
  }
  for (const event of handled) await projection.evolve(event, context);
}

export function handles(projection: Pick<Projection, 'handles'>, event: Pick<RecordedEvent, 'type'>): boolean {
  const handled = projection.handles;
  if (handled === 'all') return true;
  if (Array.isArray(handled)) return handled.includes(event.type);
  return !(handled as { readonly allBut: readonly string[] }).allBut.includes(event.type);
}
