import type { ContactDetails, DirectoryEntryKind, DirectoryRole } from '@dui-pds/domain';
import type { Knex } from 'knex';
import { type EntryRow, fieldsOf } from './directory-projection.js';

/** One entry of a usager's directory as it stands. */
export interface DirectoryEntryView {
  entryId: string;
  serviceUserId: string;
  facilityId: string;
  kind: DirectoryEntryKind;
  role: DirectoryRole;
  roleDetails: string | null;
  name: string;
  contact: ContactDetails;
  rpps: string | null;
  finess: string | null;
  note: string | null;
  source: 'manual' | 'annuaireSante';
  status: 'active' | 'removed';
  removalReason: string | null;
  addedAt: string;
  /** The revision of the entry's stream, for `If-Match`. */
  revision: number;
}

/** One change of an entry: who, when, and what it said (the fields added or changed, or the removal's reason). */
export interface DirectoryEntryChange {
  revision: number;
  change: 'added' | 'updated' | 'removed';
  occurredAt: string;
  by: string;
  details: Record<string, unknown>;
}

const KIND_ORDER: Readonly<Record<DirectoryEntryKind, number>> = { relative: 0, professional: 1, structure: 2 };

function toView(row: EntryRow): DirectoryEntryView {
  const fields = fieldsOf(row);
  return {
    entryId: row.entry_id,
    serviceUserId: row.service_user_id,
    facilityId: row.facility_id,
    kind: fields.kind,
    role: fields.role,
    roleDetails: row.role_details,
    name: fields.name,
    contact: fields.contact,
    rpps: row.rpps,
    finess: row.finess,
    note: row.note,
    source: row.source,
    status: row.status,
    removalReason: row.removal_reason,
    addedAt: row.added_at,
    revision: Number(row.revision),
  };
}

/**
 * A usager's directory in one ESSMS: the entourage first, then the professionals, then the
 * structures, each by name; removed entries only when asked (`includeRemoved`), after the others.
 */
export async function directoryOf(
  db: Knex,
  readSchema: string,
  where: { organisationId: string; serviceUserId: string; facilityId: string; includeRemoved?: boolean },
): Promise<DirectoryEntryView[]> {
  const query = db.withSchema(readSchema).from('entries').where({
    organisation_id: where.organisationId,
    service_user_id: where.serviceUserId,
    facility_id: where.facilityId,
  });
  if (!where.includeRemoved) query.where('status', 'active');
  const rows = (await query) as EntryRow[];
  return rows
    .map(toView)
    .sort(
      (a, b) =>
        Number(a.status === 'removed') - Number(b.status === 'removed') ||
        KIND_ORDER[a.kind] - KIND_ORDER[b.kind] ||
        a.name.localeCompare(b.name, 'fr') ||
        a.entryId.localeCompare(b.entryId),
    );
}

/** One entry; undefined when there is none under this id in this organisation (or its usager was forgotten). */
export async function directoryEntryById(
  db: Knex,
  readSchema: string,
  where: { organisationId: string; entryId: string },
): Promise<DirectoryEntryView | undefined> {
  const row = (await db
    .withSchema(readSchema)
    .from('entries')
    .where({ organisation_id: where.organisationId, entry_id: where.entryId })
    .first()) as EntryRow | undefined;
  return row === undefined ? undefined : toView(row);
}

/** The changes of one entry, oldest first. */
export async function directoryEntryHistory(
  db: Knex,
  readSchema: string,
  where: { organisationId: string; entryId: string },
): Promise<DirectoryEntryChange[]> {
  const rows = (await db
    .withSchema(readSchema)
    .from('entry_history')
    .where({ organisation_id: where.organisationId, entry_id: where.entryId })
    .orderBy('revision')) as {
    revision: number;
    change: DirectoryEntryChange['change'];
    occurred_at: string;
    actor_id: string;
    details: Record<string, unknown> | string;
  }[];
  return rows.map((row) => ({
    revision: Number(row.revision),
    change: row.change,
    occurredAt: row.occurred_at,
    by: row.actor_id,
    details: typeof row.details === 'string' ? JSON.parse(row.details) : row.details,
  }));
}
