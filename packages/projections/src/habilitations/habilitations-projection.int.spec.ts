import { expect } from 'chai';
import { type GivenEvent, ProjectionSpecification } from '../testing/projection-specification.js';
import { rolesInFacility } from './facility-roles-query.js';
import { habilitationsProjection } from './habilitations-projection.js';
import { habilitationsOf } from './principal-query.js';

const inOrganisation = (organisationId: string) => ({
  organisationId,
  actor: { kind: 'professional' as const, id: 'admin-1', role: 'administrator' },
});
const event = (type: string, data: object, organisationId = 'og-1'): GivenEvent => ({
  type,
  data,
  metadata: inOrganisation(organisationId),
});

describe('the habilitations projection', () => {
  const spec = ProjectionSpecification.for(habilitationsProjection);
  after(() => spec.close());

  it('gives a professional’s roles, care teams and psychological allowances in one organisation only', async () => {
    // given grants, a revocation and a grant in another organisation
    const schema = await spec.modelAfter([
      event('RoleGranted', { professionalId: 'pro-1', facilityId: '750000001', role: 'nurse' }),
      event('RoleGranted', { professionalId: 'pro-1', facilityId: '750000002', role: 'doctor' }),
      event('RoleRevoked', { professionalId: 'pro-1', facilityId: '750000002', role: 'doctor' }),
      event('CareTeamMemberAdded', { professionalId: 'pro-1', serviceUserId: 'usager-1', facilityId: '750000001' }),
      event('CareTeamMemberAdded', { professionalId: 'pro-1', serviceUserId: 'usager-2', facilityId: '750000001' }),
      event('CareTeamMemberRemoved', { professionalId: 'pro-1', serviceUserId: 'usager-2', facilityId: '750000001' }),
      event('PsychologicalNotesAllowed', { professionalId: 'pro-1', serviceUserId: 'usager-1' }),
      event('RoleGranted', { professionalId: 'pro-1', facilityId: '930000001', role: 'director' }, 'og-2'),
    ]);

    // when the shell asks for them
    const habilitations = await habilitationsOf(spec.db, schema, 'og-1', 'pro-1');

    // then
    expect(habilitations).to.deep.equal({
      roles: [{ facilityId: '750000001', role: 'nurse' }],
      careTeams: [{ facilityId: '750000001', serviceUserId: 'usager-1' }],
      psychologicalNotesAllowedBy: ['usager-1'],
    });
  });

  it('takes a professional out of a usager’s team in one ESSMS only', async () => {
    // given a nurse in the usager's team at the CSAPA and at the CAARUD, who leaves the CAARUD's
    const schema = await spec.modelAfter([
      event('RoleGranted', { professionalId: 'pro-1', facilityId: '750000001', role: 'nurse' }),
      event('RoleGranted', { professionalId: 'pro-1', facilityId: '750000002', role: 'nurse' }),
      event('CareTeamMemberAdded', { professionalId: 'pro-1', serviceUserId: 'usager-1', facilityId: '750000001' }),
      event('CareTeamMemberAdded', { professionalId: 'pro-1', serviceUserId: 'usager-1', facilityId: '750000002' }),
      event('CareTeamMemberRemoved', { professionalId: 'pro-1', serviceUserId: 'usager-1', facilityId: '750000002' }),
    ]);

    // then they stay in the CSAPA's
    const habilitations = await habilitationsOf(spec.db, schema, 'og-1', 'pro-1');
    expect(habilitations.careTeams).to.deep.equal([{ facilityId: '750000001', serviceUserId: 'usager-1' }]);
  });

  it('takes back a usager’s allowance to read their psychologist’s notes when they withdraw it', async () => {
    // given a usager who allowed two professionals, then withdraws the allowance of one
    const schema = await spec.modelAfter([
      event('RoleGranted', { professionalId: 'pro-1', facilityId: '750000001', role: 'doctor' }),
      event('RoleGranted', { professionalId: 'pro-2', facilityId: '750000001', role: 'nurse' }),
      event('PsychologicalNotesAllowed', { professionalId: 'pro-1', serviceUserId: 'usager-1' }),
      event('PsychologicalNotesAllowed', { professionalId: 'pro-2', serviceUserId: 'usager-1' }),
      event('PsychologicalNotesAllowanceWithdrawn', { professionalId: 'pro-1', serviceUserId: 'usager-1' }),
    ]);

    // then the first reads them no more, the second still does
    expect((await habilitationsOf(spec.db, schema, 'og-1', 'pro-1')).psychologicalNotesAllowedBy).to.deep.equal([]);
    expect((await habilitationsOf(spec.db, schema, 'og-1', 'pro-2')).psychologicalNotesAllowedBy).to.deep.equal([
      'usager-1',
    ]);
  });

  it('lists who holds which role in one ESSMS of one organisation, by professional', async () => {
    // given roles in two ESSMS and two organisations, one of them revoked
    const schema = await spec.modelAfter([
      event('RoleGranted', { professionalId: 'pro-b', facilityId: '750000001', role: 'nurse' }),
      event('RoleGranted', { professionalId: 'pro-a', facilityId: '750000001', role: 'doctor' }),
      event('RoleGranted', { professionalId: 'pro-a', facilityId: '750000001', role: 'director' }),
      event('RoleGranted', { professionalId: 'pro-c', facilityId: '750000001', role: 'secretary' }),
      event('RoleRevoked', { professionalId: 'pro-c', facilityId: '750000001', role: 'secretary' }),
      event('RoleGranted', { professionalId: 'pro-d', facilityId: '750000002', role: 'nurse' }),
      event('RoleGranted', { professionalId: 'pro-e', facilityId: '750000001', role: 'nurse' }, 'og-2'),
    ]);

    // when the CSAPA's roles are listed
    const staff = await rolesInFacility(spec.db, schema, { organisationId: 'og-1', facilityId: '750000001' });

    // then
    expect(staff).to.deep.equal([
      { professionalId: 'pro-a', roles: ['director', 'doctor'] },
      { professionalId: 'pro-b', roles: ['nurse'] },
    ]);
  });
});
