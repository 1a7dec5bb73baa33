import type { Principal, Role } from '@dui-pds/domain';
import { expect } from 'chai';
import { mayTakePrescriptionStep } from './prescription-steps.js';

const CSAPA = '750000001';
const CAARUD = '750000002';
const principal = (...roles: [string, Role][]): Pick<Principal, 'roles'> => ({
  roles: roles.map(([facilityId, role]) => ({ facilityId, role })),
});

describe('who takes each step of a prescription', () => {
  it('lets only a doctor of the ESSMS prescribe and change a prescription', () => {
    expect(mayTakePrescriptionStep(principal([CSAPA, 'doctor']), 'prescribe', CSAPA)).to.deep.equal({ allowed: true });
    expect(mayTakePrescriptionStep(principal([CSAPA, 'doctor']), 'change', CSAPA)).to.deep.equal({ allowed: true });
    expect(
      mayTakePrescriptionStep(principal([CSAPA, 'nurse'], [CSAPA, 'pharmacist']), 'prescribe', CSAPA),
    ).to.deep.equal({
      allowed: false,
      message: 'Prescrire revient, dans cet établissement, à : médecin.',
    });
    // a doctor elsewhere is no doctor here
    expect(mayTakePrescriptionStep(principal([CAARUD, 'doctor'], [CSAPA, 'nurse']), 'change', CSAPA).allowed).to.equal(
      false,
    );
  });

  it('lets a doctor or a nurse record an exam’s result, and says so to others', () => {
    expect(mayTakePrescriptionStep(principal([CSAPA, 'nurse']), 'recordResult', CSAPA).allowed).to.equal(true);
    expect(mayTakePrescriptionStep(principal([CSAPA, 'pharmacist']), 'recordResult', CSAPA)).to.deep.equal({
      allowed: false,
      message: 'Enregistrer le résultat d’un examen revient, dans cet établissement, à : médecin ou infirmier.',
    });
  });
});
