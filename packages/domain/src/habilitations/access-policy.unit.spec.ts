import { expect } from 'chai';
import fc from 'fast-check';
import { DomainRuleViolation } from '../errors.js';
import { RECORD_ARCHIVED_MESSAGE } from '../retention/record-archived.js';
import {
  type AccessAction,
  type AccessDecision,
  accessibleSensitivities,
  assertAccess,
  decideAccess,
  mayAdministerHabilitations,
  mayReadHabilitations,
  type Principal,
  type ProtectedRecordPart,
} from './access-policy.js';
import { ROLE_LABELS, ROLES, type Role } from './roles.js';
import { SENSITIVITY_CLASSES, type SensitivityClass } from './sensitivity.js';

/**
 * The access matrix as staff and auditors should read it, written once, independently of
 * ACCESS_MATRIX, and checked against decideAccess for every role × sensitivity × action × in or out
 * of the care team × allowed by the usager or not × same or other tenant × role here or elsewhere.
 *
 *   any      any professional holding the role in the usager's ESSMS
 *   team     only a member of the usager's care team in that ESSMS
 *   allowed  only a member of the care team whom the usager allowed to read their psychologist's notes
 *   -        never
 */
const EXPECTED_MATRIX = `
                 administrative   social          medical         psychological
                 read    write    read    write   read    write   read     write
  doctor         team    team     team    team    team    team    allowed  -
  nurse          team    team     team    team    team    team    allowed  -
  pharmacist     team    -        -       -       team    team    allowed  -
  psychologist   team    -        team    team    -       -       team     team
  socialWorker   team    team     team    team    -       -       allowed  -
  educator       team    team     team    team    -       -       allowed  -
  secretary      any     any      -       -       -       -       allowed  -
  director       any     any      team    -       -       -       allowed  -
  administrator  -       -        -       -       -       -       -        -
  archivist      -       -        -       -       -       -       -        -
`;

type Cell = 'any' | 'team' | 'allowed' | '-';
type ExpectedRow = Record<SensitivityClass, Record<AccessAction, Cell>>;

function parseMatrix(table: string): Map<Role, ExpectedRow> {
  const [sensitivityHeader, actionHeader, ...rows] = table
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '')
    .map((line) => line.split(/\s+/));
  const sensitivities = sensitivityHeader as SensitivityClass[];
  const actions = actionHeader as AccessAction[];
  const matrix = new Map<Role, ExpectedRow>();
  for (const [role, ...cells] of rows as [Role, ...Cell[]][]) {
    const row = {} as ExpectedRow;
    sensitivities.forEach((sensitivity, i) => {
      row[sensitivity] = { [actions[2 * i]!]: cells[2 * i], [actions[2 * i + 1]!]: cells[2 * i + 1] } as Record<
        AccessAction,
        Cell
      >;
    });
    matrix.set(role, row);
  }
  return matrix;
}

const expectedMatrix = parseMatrix(EXPECTED_MATRIX);

const ORGANISATION = 'og-1';
const FACILITY = 'finess-1';
const SERVICE_USER = 'usager-1';

type CareTeamSituation = 'inTeam' | 'otherUsagerTeam' | 'sameUsagerOtherFacility' | 'noTeam';
type Situation = {
  tenant: 'same' | 'other';
  roleHeld: 'here' | 'elsewhere';
  careTeam: CareTeamSituation;
  allowedByServiceUser: boolean;
};

function principalIn(role: Role, situation: Situation): Principal {
  const careTeams = {
    inTeam: [{ facilityId: FACILITY, serviceUserId: SERVICE_USER }],
    otherUsagerTeam: [{ facilityId: FACILITY, serviceUserId: 'usager-2' }],
    sameUsagerOtherFacility: [{ facilityId: 'finess-2', serviceUserId: SERVICE_USER }],
    noTeam: [],
  }[situation.careTeam];
  return {
    organisationId: situation.tenant === 'same' ? ORGANISATION : 'og-2',
    professionalId: 'pro-1',
    roles: [{ facilityId: situation.roleHeld === 'here' ? FACILITY : 'finess-2', role }],
    careTeams,
    psychologicalNotesAllowedBy: situation.allowedByServiceUser ? [SERVICE_USER] : [],
  };
}

function expectedDecision(cell: Cell, situation: Situation): AccessDecision {
  if (situation.tenant === 'other') return { allowed: false, reason: 'otherTenant' };
  if (situation.roleHeld === 'elsewhere') return { allowed: false, reason: 'noRoleInFacility' };
  const inTeam = situation.careTeam === 'inTeam';
  switch (cell) {
    case 'any':
      return { allowed: true };
    case 'team':
      return inTeam ? { allowed: true } : { allowed: false, reason: 'notInCareTeam' };
    case 'allowed':
      if (!inTeam) return { allowed: false, reason: 'notInCareTeam' };
      return situation.allowedByServiceUser ? { allowed: true } : { allowed: false, reason: 'notAllowedByServiceUser' };
    case '-':
      return { allowed: false, reason: 'sensitivityClosedToRole' };
  }
}

const SITUATIONS: Situation[] = (['same', 'other'] as const).flatMap((tenant) =>
  (['here', 'elsewhere'] as const).flatMap((roleHeld) =>
    (['inTeam', 'otherUsagerTeam', 'sameUsagerOtherFacility', 'noTeam'] as const).flatMap((careTeam) =>
      [true, false].map((allowedByServiceUser) => ({ tenant, roleHeld, careTeam, allowedByServiceUser })),
    ),
  ),
);

describe('the access policy', () => {
  describe('the access matrix, as written in this test', () => {
    it('names every role and every sensitivity class once, in order', () => {
      // given the table above, when parsed, then
      expect([...expectedMatrix.keys()]).to.deep.equal([...ROLES]);
      for (const row of expectedMatrix.values()) expect(Object.keys(row)).to.deep.equal([...SENSITIVITY_CLASSES]);
    });

    for (const role of ROLES) {
      const row = expectedMatrix.get(role)!;
      const summary = SENSITIVITY_CLASSES.map((s) => `${s} ${row[s].read}/${row[s].write}`).join(', ');
      it(`${role} (${ROLE_LABELS[role]}): ${summary}`, () => {
        const mismatches: string[] = [];
        for (const sensitivity of SENSITIVITY_CLASSES) {
          for (const action of ['read', 'write'] as const) {
            for (const situation of SITUATIONS) {
              // given a professional holding this one role, in this situation
              const principal = principalIn(role, situation);
              const part: ProtectedRecordPart = {
                organisationId: ORGANISATION,
                facilityId: FACILITY,
                serviceUserId: SERVICE_USER,
                sensitivity,
              };

              // when they try the action on a part of this sensitivity
              const decision = decideAccess(principal, action, part);

              // then the policy decides what the table says
              const expected = expectedDecision(row[sensitivity][action], situation);
              if (JSON.stringify(decision) !== JSON.stringify(expected)) {
                mismatches.push(
                  `${action} ${sensitivity} ${JSON.stringify(situation)}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(decision)}`,
                );
              }
            }
          }
        }
        expect(mismatches).to.deep.equal([]);
      });
    }
  });

  describe('examples', () => {
    const part: ProtectedRecordPart = {
      organisationId: ORGANISATION,
      facilityId: FACILITY,
      serviceUserId: SERVICE_USER,
      sensitivity: 'medical',
    };
    const principal = (roles: Role[], inTeam: boolean): Principal => ({
      organisationId: ORGANISATION,
      professionalId: 'pro-1',
      roles: roles.map((role) => ({ facilityId: FACILITY, role })),
      careTeams: inTeam ? [{ facilityId: FACILITY, serviceUserId: SERVICE_USER }] : [],
      psychologicalNotesAllowedBy: [],
    });

    it('lets any one of several roles held in the facility open access', () => {
      // given a secretary who is also a nurse of the usager's care team
      const secretaryAndNurse = principal(['secretary', 'nurse'], true);

      // when they read medical data, then the nurse role suffices
      expect(decideAccess(secretaryAndNurse, 'read', part)).to.deep.equal({ allowed: true });
    });

    it('says that the care team is what is missing, rather than the role, when one role would do', () => {
      // given a secretary and doctor outside the care team
      const secretaryAndDoctor = principal(['secretary', 'doctor'], false);

      // when they read medical data, then
      expect(decideAccess(secretaryAndDoctor, 'read', part)).to.deep.equal({
        allowed: false,
        reason: 'notInCareTeam',
      });
    });

    it('lists the sensitivity classes a professional may read, for queries that filter', () => {
      // given an educator of the care team, allowed by the usager to read their psychologist's notes
      const educator: Principal = {
        ...principal(['educator'], true),
        psychologicalNotesAllowedBy: [SERVICE_USER],
      };
      const scope = { organisationId: ORGANISATION, facilityId: FACILITY, serviceUserId: SERVICE_USER };

      // when, then
      expect(accessibleSensitivities(educator, 'read', scope)).to.deep.equal([
        'administrative',
        'social',
        'psychological',
      ]);
      expect(accessibleSensitivities(educator, 'write', scope)).to.deep.equal(['administrative', 'social']);
      expect(accessibleSensitivities(educator, 'read', { ...scope, organisationId: 'og-2' })).to.deep.equal([]);
    });

    it('lets the archivist alone read an archived record, every class, and nobody write it', () => {
      // given the usager's record archived, a doctor of their former care team and the ESSMS' archivist
      const archived: ProtectedRecordPart = { ...part, archived: true };
      const archivist = principal(['archivist'], false);
      const doctor = principal(['doctor'], true);

      // when they read and write it, then
      for (const sensitivity of SENSITIVITY_CLASSES) {
        expect(decideAccess(archivist, 'read', { ...archived, sensitivity })).to.deep.equal({ allowed: true });
        expect(decideAccess(archivist, 'write', { ...archived, sensitivity })).to.deep.equal({
          allowed: false,
          reason: 'recordArchived',
        });
        expect(decideAccess(doctor, 'read', { ...archived, sensitivity })).to.deep.equal({
          allowed: false,
          reason: 'recordArchived',
        });
      }
      expect(() => assertAccess(doctor, 'write', archived))
        .to.throw(DomainRuleViolation, RECORD_ARCHIVED_MESSAGE)
        .with.property('details')
        .that.includes({ reason: 'recordArchived', archived: true });
      // and an archivist reads nothing of an active record
      expect(decideAccess(archivist, 'read', part)).to.deep.equal({
        allowed: false,
        reason: 'sensitivityClosedToRole',
      });
      expect(accessibleSensitivities(archivist, 'read', { ...part, archived: true })).to.deep.equal([
        ...SENSITIVITY_CLASSES,
      ]);
    });

    it('keeps an archived record of another organisation, or ESSMS, as closed as any other', () => {
      // given an archivist of og-2, and one of another ESSMS
      const archived: ProtectedRecordPart = { ...part, archived: true };
      const ofOtherOrganisation = { ...principal(['archivist'], false), organisationId: 'og-2' };
      const elsewhere = { ...principal([], false), roles: [{ facilityId: 'finess-2', role: 'archivist' as const }] };

      // when they read it, then they are told what they lack, not that the record is archived
      expect(decideAccess(ofOtherOrganisation, 'read', archived)).to.deep.equal({
        allowed: false,
        reason: 'otherTenant',
      });
      expect(decideAccess(elsewhere, 'read', archived)).to.deep.equal({ allowed: false, reason: 'noRoleInFacility' });
    });

    it('throws a refusal in French for the shell', () => {
      // given a director, who is not a clinician
      const director = principal(['director'], true);

      // when they read medical data, then
      expect(() => assertAccess(director, 'read', part))
        .to.throw(DomainRuleViolation, 'Votre fonction ne donne pas accès à ces données.')
        .with.property('code', 'ACCESS_REFUSED');
      expect(() => assertAccess(principal(['doctor'], true), 'read', part)).not.to.throw();
    });
  });

  describe('who may administer habilitations', () => {
    const target = { organisationId: ORGANISATION, facilityId: FACILITY, professionalId: 'pro-2' };
    const holding = (role: Role, facilityId = FACILITY, organisationId = ORGANISATION): Principal => ({
      organisationId,
      professionalId: 'pro-1',
      roles: [{ facilityId, role }],
      careTeams: [],
      psychologicalNotesAllowedBy: [],
    });

    it('is the director or an administrator of that facility', () => {
      // given each role in the facility, when asked, then only those two may
      const may = ROLES.filter((role) => mayAdministerHabilitations(holding(role), target));
      expect(may).to.deep.equal(['director', 'administrator']);
    });

    it('is nobody of another facility or of another organisation', () => {
      expect(mayAdministerHabilitations(holding('director', 'finess-2'), target)).to.equal(false);
      expect(mayAdministerHabilitations(holding('director', FACILITY, 'og-2'), target)).to.equal(false);
    });

    it('is nobody for their own habilitations', () => {
      // given a director, when they would make themselves a doctor, then they may not
      expect(mayAdministerHabilitations(holding('director'), { ...target, professionalId: 'pro-1' })).to.equal(false);
    });

    it('reads the roles of the facility as those who administer them, their own included', () => {
      // given each role in the facility, when they would read who holds which role there
      const may = ROLES.filter((role) => mayReadHabilitations(holding(role), target));

      // then the director and the administrator may, and nobody of another facility or organisation
      expect(may).to.deep.equal(['director', 'administrator']);
      expect(mayReadHabilitations(holding('administrator', 'finess-2'), target)).to.equal(false);
      expect(mayReadHabilitations(holding('director', FACILITY, 'og-2'), target)).to.equal(false);
    });
  });

  describe('invariants', () => {
    const organisations = fc.constantFrom('og-1', 'og-2');
    const facilities = fc.constantFrom('finess-1', 'finess-2');
    const serviceUsers = fc.constantFrom('usager-1', 'usager-2');
    const roles = fc.constantFrom(...ROLES);
    const actions = fc.constantFrom<AccessAction>('read', 'write');
    const parts = fc.record({
      organisationId: organisations,
      facilityId: facilities,
      serviceUserId: serviceUsers,
      sensitivity: fc.constantFrom(...SENSITIVITY_CLASSES),
    });
    const principalsWith = (roleArbitrary: fc.Arbitrary<Role>) =>
      fc.record({
        organisationId: organisations,
        professionalId: fc.constant('pro-1'),
        roles: fc.uniqueArray(fc.record({ facilityId: facilities, role: roleArbitrary }), {
          selector: (r) => `${r.facilityId}/${r.role}`,
        }),
        careTeams: fc.uniqueArray(fc.record({ facilityId: facilities, serviceUserId: serviceUsers }), {
          selector: (m) => `${m.facilityId}/${m.serviceUserId}`,
        }),
        psychologicalNotesAllowedBy: fc.uniqueArray(serviceUsers),
      });
    const principals = principalsWith(roles);
    const roleIn = (principal: Principal, facilityId: string, role: Role) =>
      principal.roles.some((held) => held.facilityId === facilityId && held.role === role);

    it('never allows across tenants', () => {
      fc.assert(
        fc.property(principals, actions, parts, (principal, action, part) => {
          // given a part of another organisation, when accessed, then refused
          fc.pre(principal.organisationId !== part.organisationId);
          expect(decideAccess(principal, action, part)).to.deep.equal({ allowed: false, reason: 'otherTenant' });
        }),
      );
    });

    it('never allows without a role in the facility', () => {
      fc.assert(
        fc.property(principals, actions, parts, (principal, action, part) => {
          // given a professional with no role in the part's facility
          const elsewhere = { ...principal, roles: principal.roles.filter((r) => r.facilityId !== part.facilityId) };
          // when they access it, then refused
          expect(decideAccess(elsewhere, action, part).allowed).to.equal(false);
        }),
      );
    });

    it('never opens medical data to a non-clinician', () => {
      const nonClinicians = fc.constantFrom<Role>(
        'psychologist',
        'socialWorker',
        'educator',
        'secretary',
        'director',
        'administrator',
      );
      fc.assert(
        fc.property(principalsWith(nonClinicians), actions, parts, (principal, action, part) => {
          expect(decideAccess(principal, action, { ...part, sensitivity: 'medical' }).allowed).to.equal(false);
        }),
      );
    });

    it('lets only a psychologist write psychological notes', () => {
      fc.assert(
        fc.property(principals, parts, (principal, part) => {
          const psychological = { ...part, sensitivity: 'psychological' as const };
          if (decideAccess(principal, 'write', psychological).allowed) {
            expect(roleIn(principal, part.facilityId, 'psychologist')).to.equal(true);
          }
        }),
      );
    });

    it('gives an administrator access to no usager data', () => {
      fc.assert(
        fc.property(principalsWith(fc.constant('administrator')), actions, parts, (principal, action, part) => {
          expect(decideAccess(principal, action, part).allowed).to.equal(false);
        }),
      );
    });

    it('never removes an access when a role is added', () => {
      fc.assert(
        fc.property(principals, facilities, roles, actions, parts, (principal, facilityId, role, action, part) => {
          // given a professional with some access
          fc.pre(decideAccess(principal, action, part).allowed);
          // when they get one more role, then they keep it
          const more = { ...principal, roles: [...principal.roles, { facilityId, role }] };
          expect(decideAccess(more, action, part).allowed).to.equal(true);
        }),
      );
    });

    it('never grants access by removing a care-team membership or the usager’s allowance', () => {
      fc.assert(
        fc.property(principals, fc.nat(), actions, parts, (principal, index, action, part) => {
          const before = decideAccess(principal, action, part).allowed;
          // when one membership is removed, or one allowance withdrawn
          const careTeams = principal.careTeams.filter((_, i) => i !== index % Math.max(principal.careTeams.length, 1));
          const allowedBy = principal.psychologicalNotesAllowedBy.filter(
            (_, i) => i !== index % Math.max(principal.psychologicalNotesAllowedBy.length, 1),
          );
          // then nothing is allowed that was not
          for (const fewer of [
            { ...principal, careTeams },
            { ...principal, psychologicalNotesAllowedBy: allowedBy },
          ]) {
            if (decideAccess(fewer, action, part).allowed) expect(before).to.equal(true);
          }
        }),
      );
    });

    it('on an archived record, lets nobody write and nobody but an archivist of that ESSMS read', () => {
      fc.assert(
        fc.property(principals, actions, parts, (principal, action, part) => {
          // given any professional, care teams and allowances, and an archived record
          const archived = { ...part, archived: true };
          // when they access it
          const decision = decideAccess(principal, action, archived);
          // then only an archivist of that ESSMS and organisation reads it
          const archivistHere =
            principal.organisationId === part.organisationId && roleIn(principal, part.facilityId, 'archivist');
          expect(decision.allowed).to.equal(action === 'read' && archivistHere);
          if (!decision.allowed && principal.organisationId === part.organisationId) {
            const roleHere = principal.roles.some((held) => held.facilityId === part.facilityId);
            expect(decision.reason).to.equal(roleHere ? 'recordArchived' : 'noRoleInFacility');
          }
        }),
      );
    });

    it('never lets an archivist read or write an active record', () => {
      fc.assert(
        fc.property(principalsWith(fc.constant('archivist')), actions, parts, (principal, action, part) => {
          expect(decideAccess(principal, action, part).allowed).to.equal(false);
          expect(decideAccess(principal, action, { ...part, archived: false }).allowed).to.equal(false);
        }),
      );
    });

    it('lists exactly the sensitivity classes decideAccess allows', () => {
      fc.assert(
        fc.property(
          principals,
          actions,
          parts,
          fc.boolean(),
          (principal, action, { sensitivity: _, ...part }, archived) => {
            const scope = { ...part, archived };
            const listed = accessibleSensitivities(principal, action, scope);
            for (const sensitivity of SENSITIVITY_CLASSES) {
              expect(listed.includes(sensitivity)).to.equal(
                decideAccess(principal, action, { ...scope, sensitivity }).allowed,
              );
            }
          },
        ),
      );
    });
  });
});
