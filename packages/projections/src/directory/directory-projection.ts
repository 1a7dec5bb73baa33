import {
  applyChanges,
  type DirectoryEntryAdded,
  type DirectoryEntryFields,
  type DirectoryEntryRemoved,
  type DirectoryEntryUpdated,
  type DirectoryEventType,
} from '@dui-pds/domain';
import { isErased, type RecordedEvent } from '@dui-pds/eventstore';
import { defineProjection } from '../projection.js';
import { purgeRowsHangingOff } from '../runtime/service-user-purge.js';

const handled: readonly DirectoryEventType[] = [
  'DirectoryEntryAdded',
  'DirectoryEntryUpdated',
  'DirectoryEntryRemoved',
];

/**
 * The usagers' directories (entourage and partners), one row per entry (its stream,
 * `directoryEntryStreamId`) as it stands, removed ones kept as such, and the history of each entry:
 * one row per event, with who and when, and what it changed. Read with `directoryOf`,
 * `directoryEntryById` and `directoryEntryHistory`.
 *
 * A forgotten usager's entries leave the model, history included: an erased event removes them,
 * and so does the end of retention.
 */
export const directoryProjection = defineProjection({
  name: 'directory',
  version: 1,
  handles: handled,
  async migrate(db, schema) {
    await db.schema.withSchema(schema).createTable('entries', (table) => {
      table.text('organisation_id').notNullable();
      table.uuid('entry_id').notNullable();
      table.text('facility_id').notNullable();
      table.text('service_user_id').notNullable();
      table.text('kind').notNullable();
      table.text('role').notNullable();
      table.text('role_details');
      table.text('name').notNullable();
      table.text('phone');
      table.text('email');
      table.text('postal_address');
      table.text('rpps');
      table.text('finess');
      table.text('note');
      table.text('source').notNullable();
      table.text('status').notNullable();
      table.text('removal_reason');
      table.text('added_at').notNullable();
      table.integer('revision').notNullable();
      table.primary(['organisation_id', 'entry_id']);
      table.index(['organisation_id', 'service_user_id', 'facility_id']);
    });
    await db.schema.withSchema(schema).createTable('entry_history', (table) => {
      table.text('organisation_id').notNullable();
      table.uuid('entry_id').notNullable();
      table.integer('revision').notNullable();
      table.text('change').notNullable();
      table.text('occurred_at').notNullable();
      table.text('actor_id').notNullable();
      table.jsonb('details').notNullable();
      table.primary(['organisation_id', 'entry_id', 'revision']);
    });
  },
  async evolve(event, { table }) {
    const where = { organisation_id: event.metadata.organisationId, entry_id: entryIdOf(event) };
    if (isErased(event.data)) {
      await table('entries').where(where).delete();
      await table('entry_history').where(where).delete();
      return;
    }
    const history = (change: 'added' | 'updated' | 'removed', details: object) =>
      table('entry_history')
        .insert({
          ...where,
          revision: event.streamRevision,
          change,
          occurred_at: event.metadata.occurredAt,
          actor_id: event.metadata.actor.id,
          details: JSON.stringify(details),
        })
        .onConflict(['organisation_id', 'entry_id', 'revision'])
        .ignore();
    switch (event.type as DirectoryEventType) {
      case 'DirectoryEntryAdded': {
        const { entryId: _, serviceUserId, facilityId, source, ...fields } = event.data as DirectoryEntryAdded;
        await table('entries')
          .insert({
            ...where,
            facility_id: facilityId,
            service_user_id: serviceUserId,
            ...columns({
              roleDetails: undefined,
              rpps: undefined,
              finess: undefined,
              note: undefined,
              ...fields,
            }),
            source,
            status: 'active',
            removal_reason: null,
            added_at: event.metadata.occurredAt,
            revision: event.streamRevision,
          })
          .onConflict(['organisation_id', 'entry_id'])
          .ignore();
        await history('added', { ...fields, source });
        return;
      }
      case 'DirectoryEntryUpdated': {
        const { changes } = event.data as DirectoryEntryUpdated;
        const row = (await table('entries').where(where).first()) as EntryRow | undefined;
        if (!row) return;
        await table('entries')
          .where(where)
          .update({ ...columns(applyChanges(fieldsOf(row), changes)), revision: event.streamRevision });
        await history('updated', changes);
        return;
      }
      case 'DirectoryEntryRemoved': {
        const { reason } = event.data as DirectoryEntryRemoved;
        await table('entries')
          .where(where)
          .update({ status: 'removed', removal_reason: reason ?? null, revision: event.streamRevision });
        await history('removed', reason === undefined ? {} : { reason });
        return;
      }
    }
  },
  purgeServiceUser: (context, where) =>
    purgeRowsHangingOff(context, where, { table: 'entries', key: 'entry_id' }, ['entry_history']),
});

export interface EntryRow {
  entry_id: string;
  facility_id: string;
  service_user_id: string;
  kind: DirectoryEntryFields['kind'];
  role: DirectoryEntryFields['role'];
  role_details: string | null;
  name: string;
  phone: string | null;
  email: string | null;
  postal_address: string | null;
  rpps: string | null;
  finess: string | null;
  note: string | null;
  source: 'manual' | 'annuaireSante';
  status: 'active' | 'removed';
  removal_reason: string | null;
  added_at: string;
  revision: number;
}

function columns(fields: DirectoryEntryFields) {
  return {
    kind: fields.kind,
    role: fields.role,
    role_details: fields.roleDetails ?? null,
    name: fields.name,
    phone: fields.contact.phone ?? null,
    email: fields.contact.email ?? null,
    postal_address: fields.contact.postalAddress ?? null,
    rpps: fields.rpps ?? null,
    finess: fields.finess ?? null,
    note: fields.note ?? null,
  };
}

export function fieldsOf(row: EntryRow): DirectoryEntryFields {
  return {
    kind: row.kind,
    role: row.role,
    roleDetails: row.role_details ?? undefined,
    name: row.name,
    contact: {
      ...(row.phone === null ? {} : { phone: row.phone }),
      ...(row.email === null ? {} : { email: row.email }),
      ...(row.postal_address === null ? {} : { postalAddress: row.postal_address }),
    },
    rpps: row.rpps ?? undefined,
    finess: row.finess ?? undefined,
    note: row.note ?? undefined,
  };
}

/** Entries live in streams `directory-entry/<organisation>/<entryId>` (`directoryEntryStreamId`). */
function entryIdOf(event: RecordedEvent): string {
  return event.streamId.split('/').at(-1) ?? event.streamId;
}
