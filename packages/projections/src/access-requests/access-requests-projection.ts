import {
  type AccessRequestEventType,
  type AccessRequestFiled,
  type AccessRequestIdentityChecked,
  type AccessRequestRefused,
  type AccessRequestReleased,
  type AccessRequestWarning,
  accessRequestDeadlines,
  accessRequestWarning,
  type ReleaseMethod,
} from '@dui-pds/domain';
import { isErased, type RecordedEvent } from '@dui-pds/eventstore';
import type { Knex } from 'knex';
import { defineProjection } from '../projection.js';

const handled: readonly AccessRequestEventType[] = [
  'AccessRequestFiled',
  'AccessRequestIdentityChecked',
  'AccessRequestReleased',
  'AccessRequestRefused',
];

/**
 * Requests to access the record (L.1111-7 CSP), one row per request (its stream,
 * `accessRequestStreamId`): who filed it and when, its legal deadlines, whether the identity was
 * checked, and how it ended (released on a day by some means, or refused with a reason). The
 * warnings are computed at reading, by the domain's `accessRequestWarning`, with the caller's
 * clock.
 */
export const accessRequestsProjection = defineProjection({
  name: 'access_requests',
  version: 1,
  handles: handled,
  async migrate(db, schema) {
    await db.schema.withSchema(schema).createTable('requests', (table) => {
      table.text('organisation_id').notNullable();
      table.uuid('request_id').notNullable();
      table.text('facility_id').notNullable();
      table.text('service_user_id').notNullable();
      table.text('filed_by').notNullable();
      table.text('filer_id').notNullable();
      table.text('scope').notNullable();
      table.boolean('older_than_five_years').notNullable();
      table.text('filed_at').notNullable();
      table.text('earliest_release').notNullable();
      table.text('latest_release').notNullable();
      table.text('identity_checked_at');
      table.text('status').notNullable();
      table.text('released_on');
      table.text('release_method');
      table.text('refusal_reason');
      table.integer('revision').notNullable();
      table.primary(['organisation_id', 'request_id']);
      table.index(['organisation_id', 'facility_id', 'status', 'latest_release']);
      table.index(['organisation_id', 'service_user_id']);
    });
  },
  async evolve(event, { table }) {
    const requestId = requestIdOf(event.streamId);
    const row = () =>
      table('requests').where({ organisation_id: event.metadata.organisationId, request_id: requestId });
    if (isErased(event.data)) {
      await row().delete();
      return;
    }
    switch (event.type as AccessRequestEventType) {
      case 'AccessRequestFiled': {
        const data = event.data as AccessRequestFiled;
        const deadlines = accessRequestDeadlines(data);
        await table('requests')
          .insert({
            organisation_id: event.metadata.organisationId,
            request_id: data.requestId,
            facility_id: data.facilityId,
            service_user_id: data.serviceUserId,
            filed_by: data.filedBy,
            filer_id: data.filerId,
            scope: data.scope,
            older_than_five_years: data.olderThanFiveYears,
            filed_at: data.filedAt,
            earliest_release: deadlines.earliestRelease,
            latest_release: deadlines.latestRelease,
            status: 'filed',
            revision: event.streamRevision,
          })
          .onConflict(['organisation_id', 'request_id'])
          .ignore();
        return;
      }
      case 'AccessRequestIdentityChecked':
        await row().update({
          identity_checked_at: (event.data as AccessRequestIdentityChecked).at,
          revision: event.streamRevision,
        });
        return;
      case 'AccessRequestReleased': {
        const data = event.data as AccessRequestReleased;
        await row().update({
          status: 'released',
          released_on: data.releasedOn,
          release_method: data.method,
          revision: event.streamRevision,
        });
        return;
      }
      case 'AccessRequestRefused':
        await row().update({
          status: 'refused',
          refusal_reason: (event.data as AccessRequestRefused).reason,
          revision: event.streamRevision,
        });
        return;
    }
  },
});

function requestIdOf(streamId: RecordedEvent['streamId']): string {
  return streamId.split('/').at(-1) ?? streamId;
}

export interface AccessRequestView {
  requestId: string;
  serviceUserId: string;
  facilityId: string;
  filedBy: 'service-user' | 'staff';
  filerId: string;
  scope: string;
  olderThanFiveYears: boolean;
  filedAt: string;
  earliestRelease: string;
  latestRelease: string;
  identityCheckedAt: string | null;
  status: 'filed' | 'released' | 'refused';
  releasedOn: string | null;
  releaseMethod: ReleaseMethod | null;
  refusalReason: string | null;
  warning: AccessRequestWarning;
  revision: number;
}

interface RequestRow {
  request_id: string;
  service_user_id: string;
  facility_id: string;
  filed_by: AccessRequestView['filedBy'];
  filer_id: string;
  scope: string;
  older_than_five_years: boolean;
  filed_at: string;
  earliest_release: string;
  latest_release: string;
  identity_checked_at: string | null;
  status: AccessRequestView['status'];
  released_on: string | null;
  release_method: ReleaseMethod | null;
  refusal_reason: string | null;
  revision: number;
}

function view(row: RequestRow, now: Date): AccessRequestView {
  return {
    requestId: row.request_id,
    serviceUserId: row.service_user_id,
    facilityId: row.facility_id,
    filedBy: row.filed_by,
    filerId: row.filer_id,
    scope: row.scope,
    olderThanFiveYears: row.older_than_five_years,
    filedAt: row.filed_at,
    earliestRelease: row.earliest_release,
    latestRelease: row.latest_release,
    identityCheckedAt: row.identity_checked_at,
    status: row.status,
    releasedOn: row.released_on,
    releaseMethod: row.release_method,
    refusalReason: row.refusal_reason,
    warning: accessRequestWarning(
      { filedAt: row.filed_at, olderThanFiveYears: row.older_than_five_years, closed: row.status !== 'filed' },
      now,
    ),
    revision: Number(row.revision),
  };
}

/** The open requests of an ESSMS, the nearest latest release first, each with its warning at `now`. */
export async function accessRequestsToHandle(
  db: Knex,
  readSchema: string,
  where: { organisationId: string; facilityId: string; now: Date },
): Promise<AccessRequestView[]> {
  const rows = (await db
    .withSchema(readSchema)
    .from('requests')
    .where({ organisation_id: where.organisationId, facility_id: where.facilityId, status: 'filed' })
    .orderBy(['latest_release', 'request_id'])) as RequestRow[];
  return rows.map((row) => view(row, where.now));
}

/** A usager's requests, the latest filed first. */
export async function accessRequestsOf(
  db: Knex,
  readSchema: string,
  where: { organisationId: string; serviceUserId: string; now: Date },
): Promise<AccessRequestView[]> {
  const rows = (await db
    .withSchema(readSchema)
    .from('requests')
    .where({ organisation_id: where.organisationId, service_user_id: where.serviceUserId })
    .orderBy([
      { column: 'filed_at', order: 'desc' },
      { column: 'request_id', order: 'asc' },
    ])) as RequestRow[];
  return rows.map((row) => view(row, where.now));
}

/** One request; undefined when the organisation has none under that identifier. */
export async function accessRequest(
  db: Knex,
  readSchema: string,
  where: { organisationId: string; requestId: string; now: Date },
): Promise<AccessRequestView | undefined> {
  const row = (await db
    .withSchema(readSchema)
    .from('requests')
    .where({ organisation_id: where.organisationId, request_id: where.requestId })
    .first()) as RequestRow | undefined;
  return row && view(row, where.now);
}
