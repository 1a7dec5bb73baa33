import type { Knex } from 'knex';

/**
 * One step of the event store's schema. Steps run in order, once, inside one transaction each,
 * recorded by knex in `<schema>.knex_migrations`. Never edit a step that has shipped: add one.
 */
export interface SchemaMigration {
  name: string;
  up(knex: Knex, schema: string): Promise<void>;
}
