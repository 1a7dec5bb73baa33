import type { Knex } from 'knex';

/** A member of a usager's care team in one ESSMS, current or former. */
export interface CareTeamMemberView {
  professionalId: string;
  facilityId: string;
  /** Their role in the team, in the team's words (« suivi TSO »), when given. */
  teamRole: string | null;
  joinedOn: string;
  /** Null while they are in the team. */
  leftOn: string | null;
  /** The usager's référent in that ESSMS. */
  keyWorker: boolean;
}

interface MemberRow {
  professional_id: string;
  facility_id: string;
  team_role: string | null;
  joined_on: string;
  left_on: string | null;
  key_worker: boolean;
}

/**
 * A usager's care team in one ESSMS: the référent first, then the other members by the day they
 * joined; the former members after them when asked (`includeFormer`), the latest to leave first.
 */
export async function careTeamOf(
  db: Knex,
  readSchema: string,
  where: { organisationId: string; serviceUserId: string; facilityId: string; includeFormer?: boolean },
): Promise<CareTeamMemberView[]> {
  const query = db.withSchema(readSchema).from('members').where({
    organisation_id: where.organisationId,
    service_user_id: where.serviceUserId,
    facility_id: where.facilityId,
  });
  if (!where.includeFormer) query.whereNull('left_on');
  const rows = (await query.orderByRaw(
    'left_on is not null, key_worker desc, left_on desc, joined_on, professional_id',
  )) as MemberRow[];
  return rows.map((row) => ({
    professionalId: row.professional_id,
    facilityId: row.facility_id,
    teamRole: row.team_role,
    joinedOn: row.joined_on,
    leftOn: row.left_on,
    keyWorker: row.key_worker,
  }));
}
