import {
  type ArchiveReason,
  DEFAULT_RETENTION_POLICY,
  type RecordRetentionFacts,
  type RecordRetentionSchedule,
  type RecordRetentionStatus,
  type RetentionPolicy,
  requireRetentionDay,
  retentionScheduleOf,
  retentionStatusOn,
  SOCIAL_ACTIVE_BASE_YEARS,
} from '@dui-pds/domain';
import type { Queryable } from '@dui-pds/eventstore';
import { parisDay } from './record-retention-projection.js';

/** The retention facts of one usager's record, as the read model holds them. */
export interface RecordRetentionView {
  organisationId: string;
  serviceUserId: string;
  /** The ESSMS where contacts were recorded. */
  facilityIds: string[];
  /** Absent when nothing but record administration was ever recorded about the usager. */
  lastContactOn?: string;
  lastStayEndedOn?: string;
  holdsMedicalData: boolean;
  archivedOn?: string;
  archiveReason?: ArchiveReason;
  activeLegalHolds: number;
  /** ISO 8601 instant. */
  destroyedAt?: string;
}

/** A record whose archive or destruction is due on the day asked. */
export interface RecordDue extends RecordRetentionView {
  lastContactOn: string;
  facts: RecordRetentionFacts;
  schedule: RecordRetentionSchedule;
  status: RecordRetentionStatus;
  /** Not archived yet, and the active base has ended. */
  archiveDue: boolean;
  /** The destruction is due and no legal hold suspends it. */
  destructionDue: boolean;
}

interface Row {
  organisation_id: string;
  service_user_id: string;
  facility_ids: string[];
  last_contact_on: string | null;
  last_stay_ended_on: string | null;
  holds_medical_data: boolean;
  archived_on: string | null;
  archive_reason: ArchiveReason | null;
  active_legal_holds: number;
  destroyed_at: Date | string | null;
}

const TABLE = 'record_retention';

export async function recordRetentionOf(
  db: Queryable,
  schema: string,
  organisationId: string,
  serviceUserId: string,
): Promise<RecordRetentionView | undefined> {
  const row: Row | undefined = await db
    .withSchema(schema)
    .table(TABLE)
    .where({ organisation_id: organisationId, service_user_id: serviceUserId })
    .first();
  return row ? viewOf(row) : undefined;
}

/** The facts the domain schedule is computed from, once a contact is known. */
export function retentionFactsOf(view: RecordRetentionView): RecordRetentionFacts | undefined {
  if (view.lastContactOn === undefined) return undefined;
  return {
    lastContactOn: view.lastContactOn,
    ...(view.lastStayEndedOn === undefined ? {} : { lastStayEndedOn: view.lastStayEndedOn }),
    holdsMedicalData: view.holdsMedicalData,
    ...(view.archivedOn === undefined ? {} : { archivedOn: view.archivedOn }),
    activeLegalHolds: view.activeLegalHolds,
    ...(view.destroyedAt === undefined ? {} : { destroyedOn: parisDay(view.destroyedAt) }),
  };
}

/** Whether the usager's record is archived (read-only). */
export function isRecordArchived(
  db: Queryable,
  schema: string,
  organisationId: string,
  serviceUserId: string,
): Promise<boolean>;
/** Which of these usagers' records are archived. */
export function isRecordArchived(
  db: Queryable,
  schema: string,
  organisationId: string,
  serviceUserIds: readonly string[],
): Promise<Set<string>>;
export async function isRecordArchived(
  db: Queryable,
  schema: string,
  organisationId: string,
  serviceUserIds: string | readonly string[],
): Promise<boolean | Set<string>> {
  const ids = typeof serviceUserIds === 'string' ? [serviceUserIds] : [...new Set(serviceUserIds)];
  const archived =
    ids.length === 0
      ? new Set<string>()
      : new Set(
          (
            (await db
              .withSchema(schema)
              .table(TABLE)
              .where('organisation_id', organisationId)
              .whereIn('service_user_id', ids)
              .whereNotNull('archived_on')
              .select('service_user_id')) as { service_user_id: string }[]
          ).map((row) => row.service_user_id),
        );
  return typeof serviceUserIds === 'string' ? archived.has(serviceUserIds) : archived;
}

/**
 * Which of these usagers' records are closed, and how: archived (read-only, the archivist's) or
 * destroyed (nothing left to read). Records still open are absent from the map.
 */
export async function closedRecordsAmong(
  db: Queryable,
  schema: string,
  organisationId: string,
  serviceUserIds: readonly string[],
): Promise<Map<string, 'archived' | 'destroyed'>> {
  if (serviceUserIds.length === 0) return new Map();
  const rows = (await db
    .withSchema(schema)
    .table(TABLE)
    .where('organisation_id', organisationId)
    .whereIn('service_user_id', [...new Set(serviceUserIds)])
    .where((closed) => closed.whereNotNull('archived_on').orWhereNotNull('destroyed_at'))
    .select('service_user_id', 'destroyed_at')) as { service_user_id: string; destroyed_at: unknown }[];
  return new Map(rows.map((row) => [row.service_user_id, row.destroyed_at === null ? 'archived' : 'destroyed']));
}

/**
 * The records whose archive or destruction is due on `today` (Europe/Paris day), by organisation
 * and usager: the scheduled job's work list. A record under a legal hold is listed only when its
 * archive is due; destroyed records never are. Each organisation's records follow its own policy
 * (`policyOf`, asked once per organisation; the default policy without it).
 */
export async function recordsDue(
  db: Queryable,
  schema: string,
  query: {
    organisationId?: string;
    today: string;
    policyOf?: (organisationId: string) => RetentionPolicy | Promise<RetentionPolicy>;
  },
): Promise<RecordDue[]> {
  const today = requireRetentionDay(query.today, 'today');
  const policies = new Map<string, RetentionPolicy>();
  const policyOf = async (organisationId: string): Promise<RetentionPolicy> => {
    let policy = policies.get(organisationId);
    if (policy === undefined) {
      policy = (await query.policyOf?.(organisationId)) ?? DEFAULT_RETENTION_POLICY;
      policies.set(organisationId, policy);
    }
    return policy;
  };
  // Nothing is due before the active base ends; a day of slack for 29 February, the exact
  // dates being the domain's.
  let candidates = db
    .withSchema(schema)
    .table(TABLE)
    .whereNull('destroyed_at')
    .whereNotNull('last_contact_on')
    .whereRaw(`last_contact_on <= (?::date - make_interval(years => ?))::date + 1`, [today, SOCIAL_ACTIVE_BASE_YEARS])
    .orderBy(['organisation_id', 'service_user_id']);
  if (query.organisationId !== undefined) candidates = candidates.where('organisation_id', query.organisationId);
  const due: RecordDue[] = [];
  for (const row of (await candidates) as Row[]) {
    const view = viewOf(row);
    const facts = retentionFactsOf(view);
    if (!facts) continue;
    const schedule = retentionScheduleOf(facts, await policyOf(view.organisationId));
    const status = retentionStatusOn(schedule, facts, today);
    const archiveDue = facts.archivedOn === undefined && today >= schedule.archiveDueOn;
    const destructionDue = status === 'destructionDue';
    if (!archiveDue && !destructionDue) continue;
    due.push({ ...view, lastContactOn: facts.lastContactOn, facts, schedule, status, archiveDue, destructionDue });
  }
  return due;
}

function viewOf(row: Row): RecordRetentionView {
  return {
    organisationId: row.organisation_id,
    serviceUserId: row.service_user_id,
    facilityIds: row.facility_ids,
    ...(row.last_contact_on === null ? {} : { lastContactOn: row.last_contact_on }),
    ...(row.last_stay_ended_on === null ? {} : { lastStayEndedOn: row.last_stay_ended_on }),
    holdsMedicalData: row.holds_medical_data,
    ...(row.archived_on === null ? {} : { archivedOn: row.archived_on }),
    ...(row.archive_reason === null ? {} : { archiveReason: row.archive_reason }),
    activeLegalHolds: Math.max(row.active_legal_holds, 0),
    ...(row.destroyed_at === null ? {} : { destroyedAt: new Date(row.destroyed_at).toISOString() }),
  };
}

/** The archived records of one ESSMS, for its archivist: oldest archive first. */
export async function archivedRecordsOf(
  db: Queryable,
  schema: string,
  where: { organisationId: string; facilityId: string },
): Promise<RecordRetentionView[]> {
  const rows = (await db
    .withSchema(schema)
    .table(TABLE)
    .where('organisation_id', where.organisationId)
    .whereRaw('? = any(facility_ids)', [where.facilityId])
    .whereNotNull('archived_on')
    .whereNull('destroyed_at')
    .orderBy(['archived_on', 'service_user_id'])) as Row[];
  return rows.map(viewOf);
}

/**
 * The records whose destruction is due on `today` but suspended by a legal hold: the destruction
 * report lists them, so that the DPO sees what is kept and why.
 */
export async function destructionsSuspended(
  db: Queryable,
  schema: string,
  query: { organisationId: string; today: string; policy?: RetentionPolicy },
): Promise<RecordDue[]> {
  const today = requireRetentionDay(query.today, 'today');
  const policy = query.policy ?? DEFAULT_RETENTION_POLICY;
  const rows = (await db
    .withSchema(schema)
    .table(TABLE)
    .where('organisation_id', query.organisationId)
    .where('active_legal_holds', '>', 0)
    .whereNull('destroyed_at')
    .whereNotNull('last_contact_on')
    .orderBy('service_user_id')) as Row[];
  const suspended: RecordDue[] = [];
  for (const row of rows) {
    const view = viewOf(row);
    const facts = retentionFactsOf(view);
    if (!facts) continue;
    const schedule = retentionScheduleOf(facts, policy);
    const status = retentionStatusOn(schedule, facts, today);
    if (status !== 'destructionSuspended') continue;
    suspended.push({
      ...view,
      lastContactOn: facts.lastContactOn,
      facts,
      schedule,
      status,
      archiveDue: false,
      destructionDue: false,
    });
  }
  return suspended;
}
