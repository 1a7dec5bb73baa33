import { type IdentityStatus, INS_OIDS, nirKey } from '@dui-pds/domain';
import type { ServiceUserSummary } from '@dui-pds/projections';
import { expect } from 'chai';
import fc from 'fast-check';
import { HttpProblem } from '../../server/index.js';
import { ANONYMOUS_HAS_NO_CDA, cdaPatientOf } from './cda-patient.js';

const localId = { root: '2.25.7.1', extension: 'og/usager' };
const ins = { value: `1750375123456${nirKey('1750375123456')}`, oid: INS_OIDS.nir };

function identity(changes: Partial<ServiceUserSummary> = {}): ServiceUserSummary {
  return {
    serviceUserId: 'usager',
    facilityId: '750000001',
    anonymous: false,
    pseudonym: null,
    birthName: 'ROCHE',
    birthFirstNames: ['PAUL', 'ÉMILE'],
    usedName: null,
    usedFirstName: 'POLO',
    postalAddress: null,
    birthDate: '1975-03-21',
    birthYear: null,
    sex: 'M',
    birthplaceCode: '13055',
    identityStatus: 'QUAL',
    ins,
    registeredAt: '2024-01-01T00:00:00.000Z',
    revision: 3,
    ...changes,
  };
}

describe('cdaPatientOf: the patient of a CDA document, from the identity as recorded', () => {
  it('carries the INS for a qualified identity (QUAL) only, whichever of the four statuses, INS known or not', () => {
    fc.assert(
      fc.property(
        fc.constantFrom<IdentityStatus>('PROV', 'RECUP', 'VALI', 'QUAL'),
        fc.boolean(),
        (status, insKnown) => {
          // when
          const patient = cdaPatientOf(identity({ identityStatus: status, ins: insKnown ? ins : null }), localId);

          // then
          const qualified = status === 'QUAL' && insKnown;
          expect(patient.identity).to.equal(qualified ? 'qualified' : 'not-qualified');
          expect('ins' in patient).to.equal(qualified);
          expect(patient.localId).to.deep.equal(localId);
          expect(patient.traits.birthFirstNames).to.deep.equal(['PAUL', 'ÉMILE']);
        },
      ),
    );
  });

  it('keeps the used names beside the strict traits', () => {
    const patient = cdaPatientOf(identity({ usedName: 'DUPONT' }), localId);
    expect(patient.usedName).to.equal('DUPONT');
    expect(patient.usedFirstName).to.equal('POLO');
  });

  it('refuses an anonymous usager with 409 and says nothing is sent', () => {
    const anonymous = identity({ anonymous: true, pseudonym: 'ANO-AB12CD34', birthName: null, birthFirstNames: [] });
    expect(() => cdaPatientOf(anonymous, localId))
      .to.throw(HttpProblem, ANONYMOUS_HAS_NO_CDA)
      .with.property('kind', 'conflict');
  });

  it('refuses a usager whose traits were erased', () => {
    const forgotten = identity({ identityStatus: 'PROV', ins: null, birthName: null, birthDate: null });
    expect(() => cdaPatientOf(forgotten, localId)).to.throw(HttpProblem, /incomplets ou effacés/);
  });
});
