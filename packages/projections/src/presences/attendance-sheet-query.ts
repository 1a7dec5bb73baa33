import type { AttendanceStatus } from '@dui-pds/domain';
import type { Knex } from 'knex';

/** One usager's line on an ESSMS' attendance sheet for one day. */
export interface AttendanceSheetLine {
  serviceUserId: string;
  accompanimentId: string;
  attendanceId: string;
  status: AttendanceStatus;
  planned: boolean;
  /** For an absence: whether it is justified; null for a presence. */
  justified: boolean | null;
  reason: string | null;
  arrivedAt: string | null;
  leftAt: string | null;
  /** The revision of the day's stream, for `If-Match` on a correction. */
  revision: number;
}

export interface AttendanceCounts {
  present: number;
  absentJustified: number;
  absentUnjustified: number;
}

/** The daily attendance sheet (feuille d'émargement / de présence) of one ESSMS. */
export interface AttendanceSheet {
  facilityId: string;
  day: string;
  lines: AttendanceSheetLine[];
  counts: AttendanceCounts;
}

interface DayRow {
  service_user_id: string;
  accompaniment_id: string;
  attendance_id: string;
  status: AttendanceStatus;
  planned: boolean;
  justified: boolean | null;
  reason: string | null;
  arrived_at: string | null;
  left_at: string | null;
  revision: number;
}

/**
 * The attendance sheet of one ESSMS for one day: one line per usager, by usager id, with the
 * counts. A usager accompanied twice in the ESSMS that day (left and readmitted) has one line:
 * a presence wins over an absence, since they did come.
 */
export async function attendanceSheet(
  db: Knex,
  readSchema: string,
  where: { organisationId: string; facilityId: string; day: string },
): Promise<AttendanceSheet> {
  const { rows } = (await db.raw(
    `select distinct on (service_user_id) service_user_id, accompaniment_id, attendance_id, status, planned,
            justified, reason, arrived_at, left_at, revision
       from ??
      where organisation_id = ? and facility_id = ? and day = ?
      order by service_user_id, case status when 'present' then 0 else 1 end, accompaniment_id`,
    [`${readSchema}.days`, where.organisationId, where.facilityId, where.day],
  )) as { rows: DayRow[] };
  const lines = rows.map(
    (row): AttendanceSheetLine => ({
      serviceUserId: row.service_user_id,
      accompanimentId: row.accompaniment_id,
      attendanceId: row.attendance_id,
      status: row.status,
      planned: row.planned,
      justified: row.justified,
      reason: row.reason,
      arrivedAt: row.arrived_at,
      leftAt: row.left_at,
      revision: Number(row.revision),
    }),
  );
  return { facilityId: where.facilityId, day: where.day, lines, counts: countAttendance(lines) };
}

/** The counts of a sheet's lines: callers that filter lines count again what they show. */
export function countAttendance(lines: readonly Pick<AttendanceSheetLine, 'status' | 'justified'>[]): AttendanceCounts {
  const counts: AttendanceCounts = { present: 0, absentJustified: 0, absentUnjustified: 0 };
  for (const line of lines) {
    if (line.status === 'present') counts.present += 1;
    else if (line.justified) counts.absentJustified += 1;
    else counts.absentUnjustified += 1;
  }
  return counts;
}
