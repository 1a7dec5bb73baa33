import { addCalendarDays, type BenefitWarning, benefitWarning, type SocialBenefitKind } from '@dui-pds/domain';
import type { Knex } from 'knex';

/** A benefit that needs attention: its renewal is due, or its rights have ended. */
export interface BenefitToWatch {
  benefitId: string;
  serviceUserId: string;
  kind: SocialBenefitKind;
  organism: string;
  openFrom: string;
  openTo: string;
  renewalLeadDays: number;
  warning: Exclude<BenefitWarning, 'none'>;
  /** The revision of the benefit's stream, for `If-Match` on a renewal. */
  revision: number;
}

interface BenefitRow {
  benefit_id: string;
  service_user_id: string;
  kind: SocialBenefitKind;
  organism: string;
  open_from: string;
  open_to: string;
  renewal_lead_days: number;
  revision: number;
}

/**
 * The open benefits of one ESSMS' usagers that call for a warning on `today` (`YYYY-MM-DD`),
 * soonest end first (the longest expired first). SQL narrows to the open benefits whose warning
 * may have started (`open_to ≤ today + 365`, the longest lead time); the warning itself is the
 * domain's `benefitWarning`, so the list and the rule never disagree.
 */
export async function benefitsToWatch(
  db: Knex,
  readSchema: string,
  where: { organisationId: string; facilityId: string; today: string },
): Promise<BenefitToWatch[]> {
  const { rows } = (await db.raw(
    `select benefit_id, service_user_id, kind, organism, open_from, open_to, renewal_lead_days, revision
       from ??
      where organisation_id = ? and facility_id = ? and not closed and open_to <= ?
      order by open_to, benefit_id`,
    [`${readSchema}.benefits`, where.organisationId, where.facilityId, addCalendarDays(where.today, 365)],
  )) as { rows: BenefitRow[] };
  return rows.flatMap((row): BenefitToWatch[] => {
    const renewalLeadDays = Number(row.renewal_lead_days);
    const warning = benefitWarning({ openTo: row.open_to, renewalLeadDays }, where.today);
    if (warning === 'none') return [];
    return [
      {
        benefitId: row.benefit_id,
        serviceUserId: row.service_user_id,
        kind: row.kind,
        organism: row.organism,
        openFrom: row.open_from,
        openTo: row.open_to,
        renewalLeadDays,
        warning,
        revision: Number(row.revision),
      },
    ];
  });
}
