import type { AdmissionPriority, FacilityApplicationStatus } from '@dui-pds/domain';
import type { Knex } from 'knex';

/** One prospect on an ESSMS' waiting list. */
export interface WaitingListEntry {
  applicationId: string;
  serviceUserId: string;
  priority: AdmissionPriority;
  status: Extract<FacilityApplicationStatus, 'waiting' | 'contactPlanned'>;
  /** When the prospect joined the list. */
  since: string;
  /** The planned appointment, once a contact is planned. */
  contactPlannedAt: string | null;
}

/** How many applications an ESSMS has in one status. */
export interface WaitingListCount {
  facilityId: string;
  status: FacilityApplicationStatus;
  count: number;
}

const PRIORITY_RANK = `case priority when 'urgent' then 0 when 'high' then 1 else 2 end`;

/**
 * The waiting list of one ESSMS, most urgent first, then longest waiting. A usager appears once,
 * even with several applications waiting there (through their most urgent, oldest one), and not
 * at all once admitted there through another application: applications are separate streams, so
 * the read side is where a usager is one person.
 */
export async function waitingList(
  db: Knex,
  readSchema: string,
  organisationId: string,
  facilityId: string,
): Promise<WaitingListEntry[]> {
  const entries = `${readSchema}.entries`;
  const { rows } = (await db.raw(
    `select application_id, service_user_id, priority, status, since, contact_planned_at
       from (select e.*, ${PRIORITY_RANK} as priority_rank,
                    row_number() over (partition by service_user_id
                                       order by ${PRIORITY_RANK}, cast(since as timestamptz), application_id) as n
               from ?? e
              where organisation_id = ? and facility_id = ? and status in ('waiting', 'contactPlanned')
                and not exists (select 1 from ?? a
                                 where a.organisation_id = e.organisation_id and a.facility_id = e.facility_id
                                   and a.service_user_id = e.service_user_id and a.status = 'admitted')) ranked
      where n = 1
      order by priority_rank, cast(since as timestamptz), application_id`,
    [entries, organisationId, facilityId, entries],
  )) as { rows: Record<string, string | null>[] };
  return rows.map((row) => ({
    applicationId: row.application_id as string,
    serviceUserId: row.service_user_id as string,
    priority: row.priority as AdmissionPriority,
    status: row.status as WaitingListEntry['status'],
    since: row.since as string,
    contactPlannedAt: row.contact_planned_at ?? null,
  }));
}

/** Per ESSMS of the organisation and status, how many applications (one per application and ESSMS). */
export async function waitingListCounts(
  db: Knex,
  readSchema: string,
  organisationId: string,
): Promise<WaitingListCount[]> {
  const rows = (await db
    .withSchema(readSchema)
    .from('entries')
    .where({ organisation_id: organisationId })
    .groupBy('facility_id', 'status')
    .orderBy([{ column: 'facility_id' }, { column: 'status' }])
    .select('facility_id', 'status')
    .count({ count: '*' })) as { facility_id: string; status: FacilityApplicationStatus; count: string | number }[];
  return rows.map((row) => ({ facilityId: row.facility_id, status: row.status, count: Number(row.count) }));
}
