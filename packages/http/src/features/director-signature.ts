import { DomainRuleViolation } from '@dui-pds/domain';
import { habilitationsOf } from '@dui-pds/projections';
import type { Knex } from 'knex';

/**
 * What the director of an ESSMS signs (a trusted person's attestation, a stay contract and its
 * amendments) names the professional who signed: one who holds the director role in that ESSMS
 * on the day it is recorded, or the record would say a secretary or a stranger signed for the
 * direction. `refusal` is the rule's code and its French sentence.
 */
export async function requireDirectorOf(
  knex: Knex,
  habilitationsSchema: string,
  signer: { organisationId: string; facilityId: string; directorId: string },
  refusal: { code: string; message: string },
): Promise<void> {
  const held = await habilitationsOf(knex, habilitationsSchema, signer.organisationId, signer.directorId);
  if (held.roles.some((role) => role.facilityId === signer.facilityId && role.role === 'director')) return;
  throw new DomainRuleViolation(refusal.code, refusal.message, { directorId: signer.directorId });
}
