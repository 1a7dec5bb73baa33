import { qualifiedIdentity } from '@dui-pds/documents';
import { strictTraitsSchema } from '@dui-pds/domain';
import type { ServiceUserSummary } from '@dui-pds/projections';
import type { CdaPatient, InstanceIdentifier } from '@dui-pds/segur-adapters';
import { HttpProblem } from '../../server/index.js';

export const ANONYMOUS_HAS_NO_CDA =
  'Un usager anonyme n’a pas de document CDA : rien n’est envoyé au DMP ni par MSSanté.';

/**
 * The patient of a CDA document, from the usager's identity as the read model holds it: with the
 * INS for a qualified identity (QUAL) only, as `qualifiedIdentity` alone decides; by the local id
 * and the strict traits for any other status. An anonymous usager has no CDA document (409), nor
 * one whose traits were erased at the end of retention.
 */
export function cdaPatientOf(identity: ServiceUserSummary, localId: InstanceIdentifier): CdaPatient {
  if (identity.anonymous) {
    throw new HttpProblem('conflict', ANONYMOUS_HAS_NO_CDA, { extensions: { code: 'ANONYMOUS_PATIENT' } });
  }
  const usedNames = {
    ...(identity.usedName === null ? {} : { usedName: identity.usedName }),
    ...(identity.usedFirstName === null ? {} : { usedFirstName: identity.usedFirstName }),
  };
  const qualified = qualifiedIdentity(identity);
  if (qualified !== undefined) {
    return { identity: 'qualified', ins: qualified.ins, traits: qualified.traits, localId, ...usedNames };
  }
  const traits = strictTraitsSchema.safeParse({
    birthName: identity.birthName,
    birthFirstNames: identity.birthFirstNames,
    birthDate: identity.birthDate,
    sex: identity.sex,
    birthplaceCode: identity.birthplaceCode,
  });
  if (!traits.success) {
    throw new HttpProblem(
      'conflict',
      'Les traits d’identité de cet usager sont incomplets ou effacés : aucun document CDA ne peut le désigner.',
      { extensions: { code: 'INVALID_IDENTITY' } },
    );
  }
  return { identity: 'not-qualified', traits: traits.data, localId, ...usedNames };
}
