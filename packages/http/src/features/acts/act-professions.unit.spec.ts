import { type Principal, ROLES } from '@dui-pds/domain';
import { expect } from 'chai';
import { mayAdministerActCatalogue, mayCorrectAct, professionForAct } from './act-professions.js';

const CSAPA = '750000001';
const CAARUD = '750000002';
const tso = { professions: ['doctor', 'nurse', 'pharmacist'] as const };
const as = (...roles: [string, Principal['roles'][number]['role']][]): Pick<Principal, 'roles'> => ({
  roles: roles.map(([facilityId, role]) => ({ facilityId, role })),
});

describe('who records, corrects and catalogues acts', () => {
  it('records under the profession asked when held in the ESSMS, else the type’s first one held there', () => {
    // given a nurse and pharmacist of the CSAPA, doctor of the CAARUD
    const caller = as([CSAPA, 'pharmacist'], [CSAPA, 'nurse'], [CAARUD, 'doctor']);
    // then
    expect(professionForAct(caller, CSAPA, { professions: [...tso.professions] })).to.deep.equal({
      ok: true,
      profession: 'nurse',
    });
    expect(professionForAct(caller, CSAPA, { professions: [...tso.professions] }, 'pharmacist')).to.deep.equal({
      ok: true,
      profession: 'pharmacist',
    });
    expect(professionForAct(caller, CSAPA, { professions: [...tso.professions] }, 'doctor')).to.deep.equal({
      ok: false,
      message: 'Vous n’exercez pas comme médecin dans cet établissement.',
    });
    // a type none of whose professions they hold: their first role, for the decider to refuse
    expect(professionForAct(caller, CSAPA, { professions: ['educator'] })).to.deep.equal({
      ok: true,
      profession: 'pharmacist',
    });
    expect(professionForAct(caller, '750000009', { professions: ['doctor'] }).ok).to.equal(false);
  });

  it('lets only the professions of the type correct its acts, in the act’s ESSMS', () => {
    expect(mayCorrectAct(as([CSAPA, 'nurse']), CSAPA, { professions: [...tso.professions] })).to.equal(true);
    expect(mayCorrectAct(as([CSAPA, 'socialWorker']), CSAPA, { professions: [...tso.professions] })).to.equal(false);
    expect(mayCorrectAct(as([CAARUD, 'nurse']), CSAPA, { professions: [...tso.professions] })).to.equal(false);
  });

  it('lets the directors and administrators of the organisation keep the catalogue, nobody else', () => {
    for (const role of ROLES) {
      expect(mayAdministerActCatalogue(as([CAARUD, role])), role).to.equal(
        role === 'director' || role === 'administrator',
      );
    }
  });
});
