import { randomUUID } from 'node:crypto';
import type { EventToAppend } from '@dui-pds/eventstore';
import type { Knex } from 'knex';
import type pg from 'pg';

/** A transmission as a nurse would write it: the typical size of an event. */
export function handover(streamId: string, organisationId: string): EventToAppend {
  return {
    id: randomUUID(),
    type: 'HandoverRecorded',
    data: {
      category: 'soins',
      team: 'equipe-soins',
      text: 'Usager reçu ce matin pour la délivrance de méthadone, calme, pas de signe de surdosage, RDV médecin jeudi.',
      streamId,
    },
    metadata: {
      organisationId,
      facilityId: '750000001',
      actor: { kind: 'professional', id: 'pro-1', role: 'infirmier' },
      occurredAt: new Date().toISOString(),
      correlationId: randomUUID(),
    },
  };
}

/** The same row an append stores, inserted plainly into a bare table: the baseline. */
export async function createBaselineTable(knex: Knex, schema: string): Promise<void> {
  await knex.raw(`
    create table ${schema}.raw_events (
      global_position bigserial primary key,
      id uuid not null, stream_id text not null, stream_revision int not null,
      type text not null, version int not null, data jsonb not null, metadata jsonb not null,
      organisation_id text not null, occurred_at timestamptz not null, recorded_at timestamptz not null,
      previous_hash bytea not null, hash bytea not null)`);
}

/**
 * The baseline: what a developer writing the rows by hand would do at best, a pg pool and a
 * prepared INSERT, each committing on its own (synchronous_commit as configured, like the store).
 */
export async function insertRaw(
  db: pg.Pool | pg.PoolClient,
  schema: string,
  event: EventToAppend,
  revision: number,
): Promise<void> {
  await db.query({
    name: 'raw_insert',
    text: `insert into ${schema}.raw_events (id, stream_id, stream_revision, type, version, data, metadata,
       organisation_id, occurred_at, recorded_at, previous_hash, hash)
     values ($1, $2, $3, $4, 1, $5::json, $6::json, $7, $8, now(), decode($9, 'hex'), decode($10, 'hex'))`,
    values: [
      event.id,
      'bench-raw',
      revision,
      event.type,
      JSON.stringify(event.data),
      JSON.stringify(event.metadata),
      event.metadata.organisationId,
      event.metadata.occurredAt,
      '0'.repeat(64),
      'f'.repeat(64),
    ],
  });
}
