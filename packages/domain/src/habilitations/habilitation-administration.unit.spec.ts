import { expect } from 'chai';
import fc from 'fast-check';
import { asEventList, foldEvents } from '../decider.js';
import { DomainRuleViolation } from '../errors.js';
import { DeciderSpecification } from '../testing/index.js';
import {
  type HabilitationCommand,
  type HabilitationEvent,
  habilitationCommandSchemas,
  habilitationEventSchemas,
  habilitationsDecider,
  habilitationsStreamId,
  keyWorkerOf,
  principalFrom,
  principalOf,
} from './habilitation-administration.js';
import { isCareRole, ROLES } from './roles.js';

const spec = DeciderSpecification.for(habilitationsDecider);

const refusedWith = (code: string) => (error: Error) => error instanceof DomainRuleViolation && error.code === code;

const nurse = { professionalId: 'pro-1', facilityId: 'finess-1', role: 'nurse' } as const;
const educator = { professionalId: 'pro-1', facilityId: 'finess-1', role: 'educator' } as const;
const administrator = { professionalId: 'pro-1', facilityId: 'finess-1', role: 'administrator' } as const;
const team = { professionalId: 'pro-1', facilityId: 'finess-1', serviceUserId: 'usager-1' };
const allowance = { serviceUserId: 'usager-1', professionalId: 'pro-1' };

const roleGranted = (data: typeof nurse | typeof educator | typeof administrator): HabilitationEvent => ({
  type: 'RoleGranted',
  data,
});

describe('the administration of habilitations', () => {
  it('keeps one stream per organisation', () => {
    expect(habilitationsStreamId('og-1')).to.equal('habilitations-og-1');
  });

  describe('GrantRole', () => {
    it('grants a role in a facility', () => {
      // given no habilitation, when a role is granted, then
      spec
        .given([])
        .when({ type: 'GrantRole', ...nurse })
        .thenEmits([roleGranted(nurse)]);
    });

    it('grants a second role in the same facility', () => {
      spec
        .given([roleGranted(nurse)])
        .when({ type: 'GrantRole', ...educator })
        .thenEmits([roleGranted(educator)]);
    });

    it('grants the same role in another facility', () => {
      const elsewhere = { ...nurse, facilityId: 'finess-2' };
      spec
        .given([roleGranted(nurse)])
        .when({ type: 'GrantRole', ...elsewhere })
        .thenEmits([{ type: 'RoleGranted', data: elsewhere }]);
    });

    it('refuses a role already held', () => {
      spec
        .given([roleGranted(nurse)])
        .when({ type: 'GrantRole', ...nurse })
        .thenRefuses(refusedWith('ROLE_ALREADY_GRANTED'));
    });
  });

  describe('RevokeRole', () => {
    it('revokes a role held', () => {
      spec
        .given([roleGranted(nurse), roleGranted(educator)])
        .when({ type: 'RevokeRole', ...nurse })
        .thenEmits([{ type: 'RoleRevoked', data: nurse }]);
    });

    it('refuses to revoke a role not held', () => {
      spec
        .given([roleGranted(educator)])
        .when({ type: 'RevokeRole', ...nurse })
        .thenRefuses(refusedWith('ROLE_NOT_HELD'));
    });

    it('keeps care teams while another care role is held in the facility', () => {
      spec
        .given([roleGranted(nurse), roleGranted(educator), { type: 'CareTeamMemberAdded', data: team }])
        .when({ type: 'RevokeRole', ...nurse })
        .thenEmits([{ type: 'RoleRevoked', data: nurse }]);
    });

    it('removes from the facility’s care teams with the last care role held there', () => {
      // given a nurse (and administrator) in two care teams of her facility and one elsewhere
      const otherTeam = { ...team, serviceUserId: 'usager-2' };
      const elsewhere = { ...team, facilityId: 'finess-2' };
      spec
        .given([
          roleGranted(nurse),
          roleGranted(administrator),
          { type: 'RoleGranted', data: { ...nurse, facilityId: 'finess-2' } },
          { type: 'CareTeamMemberAdded', data: team },
          { type: 'CareTeamMemberAdded', data: elsewhere },
          { type: 'CareTeamMemberAdded', data: otherTeam },
        ])
        // when her nurse role is revoked
        .when({ type: 'RevokeRole', ...nurse })
        // then she leaves the care teams of that facility only
        .thenEmits([
          { type: 'RoleRevoked', data: nurse },
          { type: 'CareTeamMemberRemoved', data: team },
          { type: 'CareTeamMemberRemoved', data: otherTeam },
        ]);
    });
  });

  describe('AddToCareTeam', () => {
    it('adds a professional with a care role in the facility', () => {
      spec
        .given([roleGranted(nurse)])
        .when({ type: 'AddToCareTeam', ...team })
        .thenEmits([{ type: 'CareTeamMemberAdded', data: team }]);
    });

    it('refuses a professional with no role in the facility', () => {
      spec
        .given([{ type: 'RoleGranted', data: { ...nurse, facilityId: 'finess-2' } }])
        .when({ type: 'AddToCareTeam', ...team })
        .thenRefuses(refusedWith('NO_ROLE_IN_FACILITY'));
    });

    it('refuses an administrator, who accompanies no usager', () => {
      spec
        .given([roleGranted(administrator)])
        .when({ type: 'AddToCareTeam', ...team })
        .thenRefuses(refusedWith('ADMINISTRATOR_NOT_IN_CARE_TEAM'));
    });

    it('refuses an archivist, whose records are those whose care is over', () => {
      spec
        .given([{ type: 'RoleGranted', data: { ...administrator, role: 'archivist' } }])
        .when({ type: 'AddToCareTeam', ...team })
        .thenRefuses(refusedWith('ARCHIVIST_NOT_IN_CARE_TEAM'));
    });

    it('refuses a member already in the team', () => {
      spec
        .given([roleGranted(nurse), { type: 'CareTeamMemberAdded', data: team }])
        .when({ type: 'AddToCareTeam', ...team })
        .thenRefuses(refusedWith('ALREADY_IN_CARE_TEAM'));
    });
  });

  describe('RemoveFromCareTeam', () => {
    it('removes a member', () => {
      spec
        .given([roleGranted(nurse), { type: 'CareTeamMemberAdded', data: team }])
        .when({ type: 'RemoveFromCareTeam', ...team })
        .thenEmits([{ type: 'CareTeamMemberRemoved', data: team }]);
    });

    it('refuses someone not in the team', () => {
      spec
        .given([roleGranted(nurse), { type: 'CareTeamMemberAdded', data: { ...team, facilityId: 'finess-2' } }])
        .when({ type: 'RemoveFromCareTeam', ...team })
        .thenRefuses(refusedWith('NOT_IN_CARE_TEAM'));
    });
  });

  describe('the care team: role in the team, days, référent', () => {
    const doctor = { professionalId: 'pro-2', facilityId: 'finess-1', role: 'doctor' } as const;
    const doctorInTeam = { ...team, professionalId: 'pro-2' };
    const given: HabilitationEvent[] = [
      roleGranted(nurse),
      { type: 'RoleGranted', data: doctor },
      { type: 'CareTeamMemberAdded', data: { ...team, teamRole: 'suivi TSO', joinedOn: '2026-01-05' } },
      { type: 'CareTeamMemberAdded', data: doctorInTeam },
    ];

    it('adds a member with their role in the team and the day they joined', () => {
      spec
        .given([roleGranted(nurse)])
        .when({ type: 'AddToCareTeam', ...team, teamRole: 'suivi TSO', joinedOn: '2026-01-05' })
        .thenEmits([{ type: 'CareTeamMemberAdded', data: { ...team, teamRole: 'suivi TSO', joinedOn: '2026-01-05' } }]);
    });

    it('removes a member on the day they left, never before they joined', () => {
      spec
        .given(given)
        .when({ type: 'RemoveFromCareTeam', ...team, leftOn: '2026-03-31' })
        .thenEmits([{ type: 'CareTeamMemberRemoved', data: { ...team, leftOn: '2026-03-31' } }]);
      spec
        .given(given)
        .when({ type: 'RemoveFromCareTeam', ...team, leftOn: '2026-01-04' })
        .thenRefuses(refusedWith('CARE_TEAM_LEFT_BEFORE_JOINED'));
    });

    it('designates a member as the référent, the next designation replacing them', () => {
      // given a nurse and a doctor in the team, when the nurse then the doctor is designated
      spec
        .given(given)
        .when({ type: 'DesignateKeyWorker', ...team })
        .thenEmits([{ type: 'KeyWorkerDesignated', data: team }]);
      const state = foldEvents(habilitationsDecider, [
        ...given,
        { type: 'KeyWorkerDesignated', data: team },
        { type: 'KeyWorkerDesignated', data: doctorInTeam },
      ]);
      // then the doctor is the référent, and the nurse can be designated again
      expect(keyWorkerOf(state, team)).to.equal('pro-2');
      expect(asEventList(habilitationsDecider.decide({ type: 'DesignateKeyWorker', ...team }, state))).to.have.length(
        1,
      );
    });

    it('refuses a référent outside the team, or the one already designated', () => {
      spec
        .given([roleGranted(nurse)])
        .when({ type: 'DesignateKeyWorker', ...team })
        .thenRefuses(refusedWith('KEY_WORKER_NOT_IN_CARE_TEAM'));
      spec
        .given([...given, { type: 'KeyWorkerDesignated', data: team }])
        .when({ type: 'DesignateKeyWorker', ...team })
        .thenRefuses(refusedWith('ALREADY_KEY_WORKER'));
    });

    it('a référent who leaves the team, or loses their last care role there, is référent no more', () => {
      const designated: HabilitationEvent[] = [...given, { type: 'KeyWorkerDesignated', data: team }];
      const removed = foldEvents(habilitationsDecider, [...designated, { type: 'CareTeamMemberRemoved', data: team }]);
      expect(keyWorkerOf(removed, team)).to.equal(undefined);
      const state = foldEvents(habilitationsDecider, designated);
      const revoked = asEventList(habilitationsDecider.decide({ type: 'RevokeRole', ...nurse }, state));
      expect(keyWorkerOf(revoked.reduce(habilitationsDecider.evolve, state), team)).to.equal(undefined);
    });

    it('leaves the principal as membership makes it: the référent, role and days open nothing more', () => {
      const events: HabilitationEvent[] = [...given, { type: 'KeyWorkerDesignated', data: team }];
      expect(principalFrom(events, 'og-1', 'pro-1')).to.deep.equal({
        organisationId: 'og-1',
        professionalId: 'pro-1',
        roles: [{ facilityId: 'finess-1', role: 'nurse' }],
        careTeams: [{ facilityId: 'finess-1', serviceUserId: 'usager-1' }],
        psychologicalNotesAllowedBy: [],
      });
    });
  });

  describe('AllowPsychologicalNotes', () => {
    it('records the usager’s allowance', () => {
      spec
        .given([roleGranted(educator)])
        .when({ type: 'AllowPsychologicalNotes', ...allowance })
        .thenEmits([{ type: 'PsychologicalNotesAllowed', data: allowance }]);
    });

    it('refuses a professional unknown to the organisation', () => {
      spec
        .given([])
        .when({ type: 'AllowPsychologicalNotes', ...allowance })
        .thenRefuses(refusedWith('PROFESSIONAL_UNKNOWN'));
    });

    it('refuses an allowance already given', () => {
      spec
        .given([roleGranted(educator), { type: 'PsychologicalNotesAllowed', data: allowance }])
        .when({ type: 'AllowPsychologicalNotes', ...allowance })
        .thenRefuses(refusedWith('PSYCHOLOGICAL_NOTES_ALREADY_ALLOWED'));
    });
  });

  describe('WithdrawPsychologicalNotesAllowance', () => {
    it('withdraws the allowance, even once the professional has left', () => {
      spec
        .given([
          roleGranted(educator),
          { type: 'PsychologicalNotesAllowed', data: allowance },
          { type: 'RoleRevoked', data: educator },
        ])
        .when({ type: 'WithdrawPsychologicalNotesAllowance', ...allowance })
        .thenEmits([{ type: 'PsychologicalNotesAllowanceWithdrawn', data: allowance }]);
    });

    it('refuses to withdraw an allowance never given', () => {
      spec
        .given([
          roleGranted(educator),
          { type: 'PsychologicalNotesAllowed', data: { ...allowance, serviceUserId: 'u2' } },
        ])
        .when({ type: 'WithdrawPsychologicalNotesAllowance', ...allowance })
        .thenRefuses(refusedWith('PSYCHOLOGICAL_NOTES_NOT_ALLOWED'));
    });
  });

  describe('the allowance to read the psychologist’s notes ends with the last of the usager’s teams', () => {
    const memberOf = (facilityId: string): HabilitationEvent => ({
      type: 'CareTeamMemberAdded',
      data: { ...team, facilityId },
    });
    const nurseIn = (facilityId: string): HabilitationEvent => roleGranted({ ...nurse, facilityId } as typeof nurse);

    it('is withdrawn when the professional leaves the usager’s only team', () => {
      spec
        .given([roleGranted(nurse), memberOf('finess-1'), { type: 'PsychologicalNotesAllowed', data: allowance }])
        .when({ type: 'RemoveFromCareTeam', ...team })
        .thenEmits([
          { type: 'CareTeamMemberRemoved', data: team },
          { type: 'PsychologicalNotesAllowanceWithdrawn', data: allowance },
        ]);
    });

    it('is withdrawn when the professional loses their last care role there, with the teams', () => {
      spec
        .given([roleGranted(nurse), memberOf('finess-1'), { type: 'PsychologicalNotesAllowed', data: allowance }])
        .when({ type: 'RevokeRole', ...nurse })
        .thenEmits([
          { type: 'RoleRevoked', data: nurse },
          { type: 'CareTeamMemberRemoved', data: team },
          { type: 'PsychologicalNotesAllowanceWithdrawn', data: allowance },
        ]);
    });

    it('stays while the professional is still in one of the usager’s teams, and for other usagers', () => {
      const otherUsager = { ...team, serviceUserId: 'usager-2' };
      spec
        .given([
          nurseIn('finess-1'),
          nurseIn('finess-2'),
          memberOf('finess-1'),
          memberOf('finess-2'),
          { type: 'CareTeamMemberAdded', data: otherUsager },
          { type: 'PsychologicalNotesAllowed', data: allowance },
          { type: 'PsychologicalNotesAllowed', data: { ...allowance, serviceUserId: 'usager-2' } },
        ])
        .when({ type: 'RemoveFromCareTeam', ...team })
        .thenEmits([{ type: 'CareTeamMemberRemoved', data: team }]);
    });

    it('never outlives the professional’s last membership of the usager’s teams (property)', () => {
      const facilities = fc.constantFrom('finess-1', 'finess-2');
      const step = fc.oneof(
        facilities.map((facilityId): HabilitationCommand => ({ type: 'GrantRole', ...nurse, facilityId })),
        facilities.map((facilityId): HabilitationCommand => ({ type: 'RevokeRole', ...nurse, facilityId })),
        facilities.map((facilityId): HabilitationCommand => ({ type: 'AddToCareTeam', ...team, facilityId })),
        facilities.map((facilityId): HabilitationCommand => ({ type: 'RemoveFromCareTeam', ...team, facilityId })),
        fc.constant<HabilitationCommand>({ type: 'AllowPsychologicalNotes', ...allowance }),
      );
      fc.assert(
        fc.property(fc.array(step, { maxLength: 25 }), (commands) => {
          // given any sequence of grants, revocations, memberships and allowances, each accepted or refused
          let events: HabilitationEvent[] = [];
          for (const command of commands) {
            let emitted: readonly HabilitationEvent[] = [];
            try {
              emitted = asEventList(habilitationsDecider.decide(command, foldEvents(habilitationsDecider, events)));
            } catch (error) {
              if (!(error instanceof DomainRuleViolation)) throw error;
            }
            events = [...events, ...emitted];
            // then whenever the professional leaves a team of the usager's and is in none of them
            // any more, they no longer hold the usager's allowance
            const leftOne = emitted.some((event) => event.type === 'CareTeamMemberRemoved');
            const principal = principalFrom(events, 'og-1', 'pro-1');
            const inATeam = principal.careTeams.some((membership) => membership.serviceUserId === 'usager-1');
            if (leftOne && !inATeam) expect(principal.psychologicalNotesAllowedBy).not.to.include('usager-1');
          }
        }),
      );
    });
  });

  it('refuses in French', () => {
    // given a nurse, when she is granted the role again, then the message is for staff
    expect(() =>
      habilitationsDecider.decide(
        { type: 'GrantRole', ...nurse },
        foldEvents(habilitationsDecider, [roleGranted(nurse)]),
      ),
    )
      .to.throw(DomainRuleViolation, 'Ce professionnel a déjà le rôle « infirmier » dans cet établissement.')
      .with.property('details')
      .that.deep.equals(nurse);
  });

  describe('the zod schemas', () => {
    it('validate the data of every event type and command type', () => {
      expect(Object.keys(habilitationEventSchemas)).to.have.members([
        'RoleGranted',
        'RoleRevoked',
        'CareTeamMemberAdded',
        'CareTeamMemberRemoved',
        'PsychologicalNotesAllowed',
        'PsychologicalNotesAllowanceWithdrawn',
        'KeyWorkerDesignated',
      ]);
      expect(habilitationEventSchemas.RoleGranted.parse(nurse)).to.deep.equal(nurse);
      expect(habilitationEventSchemas.RoleGranted.safeParse({ ...nurse, role: 'infirmier' }).success).to.equal(false);
      expect(habilitationEventSchemas.CareTeamMemberAdded.safeParse({ ...team, serviceUserId: '' }).success).to.equal(
        false,
      );
      expect(habilitationCommandSchemas.AllowPsychologicalNotes.parse(allowance)).to.deep.equal(allowance);
    });
  });

  describe('the principal of a professional', () => {
    it('is folded from the organisation’s habilitation events', () => {
      // given the events of an organisation, about two professionals
      const events: HabilitationEvent[] = [
        roleGranted(nurse),
        roleGranted(educator),
        { type: 'RoleGranted', data: { professionalId: 'pro-2', facilityId: 'finess-1', role: 'doctor' } },
        { type: 'CareTeamMemberAdded', data: team },
        { type: 'CareTeamMemberAdded', data: { ...team, serviceUserId: 'usager-2' } },
        { type: 'PsychologicalNotesAllowed', data: allowance },
        { type: 'RoleRevoked', data: educator },
        { type: 'CareTeamMemberRemoved', data: { ...team, serviceUserId: 'usager-2' } },
      ];

      // when the principal of pro-1 is built
      const principal = principalFrom(events, 'og-1', 'pro-1');

      // then it holds what is current for them, and nothing of pro-2
      expect(principal).to.deep.equal({
        organisationId: 'og-1',
        professionalId: 'pro-1',
        roles: [{ facilityId: 'finess-1', role: 'nurse' }],
        careTeams: [{ facilityId: 'finess-1', serviceUserId: 'usager-1' }],
        psychologicalNotesAllowedBy: ['usager-1'],
      });
      expect(principalOf(foldEvents(habilitationsDecider, events), 'og-1', 'pro-1')).to.deep.equal(principal);
    });

    it('of a professional with no habilitation holds nothing', () => {
      expect(principalFrom([roleGranted(nurse)], 'og-1', 'pro-9')).to.deep.equal({
        organisationId: 'og-1',
        professionalId: 'pro-9',
        roles: [],
        careTeams: [],
        psychologicalNotesAllowedBy: [],
      });
    });
  });

  describe('invariants', () => {
    const professionals = fc.constantFrom('pro-1', 'pro-2');
    const facilities = fc.constantFrom('finess-1', 'finess-2');
    const serviceUsers = fc.constantFrom('usager-1', 'usager-2');
    const roles = fc.constantFrom(...ROLES);
    const commands: fc.Arbitrary<HabilitationCommand> = fc.oneof(
      fc.record({
        type: fc.constantFrom('GrantRole' as const, 'RevokeRole' as const),
        professionalId: professionals,
        facilityId: facilities,
        role: roles,
      }),
      fc.record({
        type: fc.constantFrom('AddToCareTeam' as const, 'RemoveFromCareTeam' as const),
        professionalId: professionals,
        facilityId: facilities,
        serviceUserId: serviceUsers,
      }),
      fc.record({
        type: fc.constantFrom('AllowPsychologicalNotes' as const, 'WithdrawPsychologicalNotesAllowance' as const),
        professionalId: professionals,
        serviceUserId: serviceUsers,
      }),
      fc.record({
        type: fc.constant('DesignateKeyWorker' as const),
        professionalId: professionals,
        facilityId: facilities,
        serviceUserId: serviceUsers,
      }),
    );

    /** The events an organisation would hold after these commands, the refused ones left out. */
    function history(attempts: readonly HabilitationCommand[]): HabilitationEvent[] {
      const events: HabilitationEvent[] = [];
      let state = habilitationsDecider.initialState();
      for (const command of attempts) {
        let decided: readonly HabilitationEvent[];
        try {
          decided = asEventList(habilitationsDecider.decide(command, state));
        } catch (error) {
          if (error instanceof DomainRuleViolation) continue;
          throw error;
        }
        for (const event of decided) state = habilitationsDecider.evolve(state, event);
        events.push(...decided);
      }
      return events;
    }

    it('granting then revoking a role leaves the principal unchanged', () => {
      fc.assert(
        fc.property(
          fc.array(commands, { maxLength: 30, size: 'max' }),
          professionals,
          facilities,
          roles,
          (attempts, professionalId, facilityId, role) => {
            // given any history where the professional does not hold this role
            const events = history(attempts);
            const before = principalFrom(events, 'og-1', professionalId);
            fc.pre(!before.roles.some((held) => held.facilityId === facilityId && held.role === role));

            // when it is granted, then revoked
            const after = history([
              ...attempts,
              { type: 'GrantRole', professionalId, facilityId, role },
              { type: 'RevokeRole', professionalId, facilityId, role },
            ]);

            // then their principal is what it was
            expect(principalFrom(after, 'og-1', professionalId)).to.deep.equal(before);
          },
        ),
      );
    });

    it('the fold of one professional agrees with the decider’s state', () => {
      fc.assert(
        fc.property(fc.array(commands, { maxLength: 30, size: 'max' }), professionals, (attempts, professionalId) => {
          const events = history(attempts);
          expect(principalFrom(events, 'og-1', professionalId)).to.deep.equal(
            principalOf(foldEvents(habilitationsDecider, events), 'og-1', professionalId),
          );
        }),
      );
    });

    it('a care-team member always holds a care role in that facility', () => {
      fc.assert(
        fc.property(fc.array(commands, { maxLength: 40, size: 'max' }), professionals, (attempts, professionalId) => {
          const principal = principalFrom(history(attempts), 'og-1', professionalId);
          for (const { facilityId } of principal.careTeams) {
            expect(principal.roles.some((held) => held.facilityId === facilityId && isCareRole(held.role))).to.equal(
              true,
            );
          }
        }),
      );
    });

    it('a care team’s référent, when there is one, is always a member of that team', () => {
      fc.assert(
        fc.property(fc.array(commands, { maxLength: 40, size: 'max' }), (attempts) => {
          const state = foldEvents(habilitationsDecider, history(attempts));
          for (const facilityId of ['finess-1', 'finess-2']) {
            for (const serviceUserId of ['usager-1', 'usager-2']) {
              const keyWorker = keyWorkerOf(state, { facilityId, serviceUserId });
              if (keyWorker === undefined) continue;
              const { careTeams } = principalOf(state, 'og-1', keyWorker);
              expect(careTeams).to.deep.include({ facilityId, serviceUserId });
            }
          }
        }),
      );
    });

    it('every event decided is valid against its zod schema', () => {
      fc.assert(
        fc.property(fc.array(commands, { maxLength: 30, size: 'max' }), (attempts) => {
          for (const event of history(attempts)) {
            expect(habilitationEventSchemas[event.type].safeParse(event.data).success).to.equal(true);
          }
        }),
      );
    });
  });
});
