import { type Queryable, selectRows } from '@dui-pds/eventstore';

/**
 * Counts for progress bars and lag, and the order of two checkpoints for a rebuild's switch, read
 * from the PostgreSQL event store's own table: the port has neither, and reading the whole log to
 * count it would double a rebuild's work. Only these statistics look at the table; projections
 * themselves read the log through the store.
 */
export class LogStatistics {
  readonly #events: string;

  constructor(storeSchema: string) {
    this.#events = `${storeSchema}.events`;
  }

  /** Events of the visible log after `after` (all of them without it), in the readers' order. */
  async countAfter(db: Queryable, after: bigint | undefined): Promise<number> {
    const fence = 'e.transaction_id < pg_snapshot_xmin(pg_current_snapshot())';
    const [row] =
      after === undefined
        ? await selectRows<readonly [string]>(db, `select count(*)::text from ${this.#events} e where ${fence}`)
        : await selectRows<readonly [string]>(
            db,
            `select count(*)::text from ${this.#events} e
              where ${fence} and (e.transaction_id, e.global_position) >
                (select transaction_id, global_position from ${this.#events} where global_position = ?::bigint)`,
            [String(after)],
          );
    return Number(row?.[0] ?? 0);
  }

  /**
   * Whether the event at `position` comes before the event at `other` in the readers' order, by
   * transaction and then position (positions alone do not say), read in one statement so that
   * appends committing meanwhile cannot change the answer. A position that names no event comes
   * before none.
   */
  async precedes(db: Queryable, position: bigint, other: bigint): Promise<boolean> {
    const [row] = await selectRows<readonly [boolean]>(
      db,
      `select (a.transaction_id, a.global_position) < (b.transaction_id, b.global_position)
        from ${this.#events} a, ${this.#events} b
        where a.global_position = ?::bigint and b.global_position = ?::bigint`,
      [String(position), String(other)],
    );
    return row?.[0] === true;
  }

  /** `recordedAt` of the last event of the visible log, if any. */
  async headRecordedAt(db: Queryable): Promise<Date | undefined> {
    const [row] = await selectRows<readonly [Date | string]>(
      db,
      `select e.recorded_at from ${this.#events} e
        where e.transaction_id < pg_snapshot_xmin(pg_current_snapshot())
        order by e.transaction_id desc, e.global_position desc limit 1`,
    );
    return row ? new Date(row[0]) : undefined;
  }
}
