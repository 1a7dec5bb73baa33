import {
  STAY_CONTRACT_MAX_LEAD_DAYS,
  type StayContractKind,
  type StayContractStatus,
  type StayContractWarning,
  stayContractWarnings,
} from '@dui-pds/domain';
import type { Knex } from 'knex';
import { type StayContractRow, termsOf } from './stay-contracts-projection.js';

/** A contract with at least one deadline due soon or missed. */
export interface StayContractToWatch {
  contractId: string;
  serviceUserId: string;
  accompanimentId: string;
  kind: StayContractKind;
  status: StayContractStatus;
  /** 0 before the signature, then the version in force. */
  currentVersion: number;
  admittedOn: string;
  /** Most urgent first. */
  warnings: StayContractWarning[];
  /** The revision of the contract's stream, for `If-Match` on the act that answers the warning. */
  revision: number;
}

/**
 * The contracts of one ESSMS that call for a warning on `today` (`YYYY-MM-DD`), the most urgent
 * first (the earliest due day of their warnings; a missed deadline is earlier than one to come).
 * SQL narrows to the open contracts with a deadline within the longest lead time; the warnings
 * themselves are the domain's `stayContractWarnings`, so the list and the rule never disagree.
 */
export async function stayContractsToWatch(
  db: Knex,
  readSchema: string,
  where: { organisationId: string; facilityId: string; today: string },
): Promise<StayContractToWatch[]> {
  const horizon = new Date(Date.parse(`${where.today}T00:00:00Z`) + STAY_CONTRACT_MAX_LEAD_DAYS * 86_400_000)
    .toISOString()
    .slice(0, 10);
  const { rows } = (await db.raw(
    `select *
       from ??
      where organisation_id = ? and facility_id = ? and status <> 'closed'
        and least(handover_due_on, signature_due_on, amendment_due_on, review_due_on) <= ?`,
    [`${readSchema}.stay_contracts`, where.organisationId, where.facilityId, horizon],
  )) as { rows: StayContractRow[] };
  return rows
    .flatMap((row): StayContractToWatch[] => {
      const warnings = stayContractWarnings(termsOf(row), where.today);
      if (warnings.length === 0) return [];
      return [
        {
          contractId: row.contract_id,
          serviceUserId: row.service_user_id,
          accompanimentId: row.accompaniment_id,
          kind: row.kind as StayContractKind,
          status: row.status as StayContractStatus,
          currentVersion: Number(row.current_version),
          admittedOn: row.admitted_on,
          warnings,
          revision: Number(row.revision),
        },
      ];
    })
    .sort((a, b) => compare(a.warnings[0]?.dueOn, b.warnings[0]?.dueOn) || compare(a.contractId, b.contractId));
}

function compare(a = '', b = ''): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
