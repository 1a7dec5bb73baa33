import type { Knex } from 'knex';
import type { BuildRegistry } from './builds.js';
import { modelRows } from './model-rows.js';
import { relationsOf } from './read-schema.js';

/** Where a time-travel replay stops: a global position (included), or a date on one of the two clocks. */
export type AsOf =
  | { position: bigint }
  | { recordedAt: Date }
  | { occurredAt: Date }
  /** The whole visible log: a from-scratch build, to compare a live model with. */
  | { head: true };

/**
 * A projection built as of a past moment into a schema of its own, for an auditor: read its
 * tables, then `dispose()` drops the schema. Nothing else ever reads or writes it.
 */
export class ReplayedModel {
  constructor(
    private readonly knex: Knex,
    private readonly registry: BuildRegistry,
    readonly projection: string,
    readonly schema: string,
    readonly asOf: AsOf,
    /** Events applied (of the projection's types, up to the moment asked for). */
    readonly eventsApplied: number,
  ) {}

  tables(): Promise<string[]> {
    return relationsOf(this.knex, this.schema, 'r');
  }

  rows(table: string): Promise<Record<string, unknown>[]> {
    return modelRows(this.knex, this.schema, table);
  }

  async dispose(): Promise<void> {
    await this.knex.raw(`drop schema if exists ${this.schema} cascade`);
    await this.registry.remove(this.knex, this.schema);
  }
}
