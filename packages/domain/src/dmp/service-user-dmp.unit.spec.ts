import assert from 'node:assert/strict';
import fc from 'fast-check';
import { asEventList, foldEvents } from '../decider.js';
import { DomainRuleViolation } from '../errors.js';
import { DeciderSpecification } from '../testing/index.js';
import {
  type DmpIdentity,
  type DmpSubmissionStatus,
  dmpOppositionInForce,
  NOT_MASKED,
  type ServiceUserDmp,
  type ServiceUserDmpCommand,
  type ServiceUserDmpEvent,
  serviceUserDmpDecider,
  serviceUserDmpEventSchemas,
  serviceUserDmpStreamId,
} from './service-user-dmp.js';

const spec = DeciderSpecification.for(serviceUserDmpDecider);
const refusedWith = (code: string) => (error: Error) => error instanceof DomainRuleViolation && error.code === code;
const today = '2026-04-10';
const at = '2026-04-10T09:00:00.000Z';
const later = '2026-04-10T09:05:00.000Z';
const FACILITY = '750000001';
const USAGER = 'usager-1';
const DOCUMENT = '0195f0a0-0000-7000-8000-0000000000d1';
const OTHER_DOCUMENT = '0195f0a0-0000-7000-8000-0000000000d2';
const FIRST = '0195f0a0-0000-7000-8000-0000000000a1';
const SECOND = '0195f0a0-0000-7000-8000-0000000000a2';
const THIRD = '0195f0a0-0000-7000-8000-0000000000a3';

const request = (
  overrides: Partial<Extract<ServiceUserDmpCommand, { type: 'RequestDmpSubmission' }>> = {},
): ServiceUserDmpCommand => ({
  type: 'RequestDmpSubmission',
  submissionId: FIRST,
  serviceUserId: USAGER,
  facilityId: FACILITY,
  documentId: DOCUMENT,
  version: 1,
  masking: NOT_MASKED,
  requestedBy: 'pro-medecin',
  requestedAt: at,
  identity: 'qualified',
  ...overrides,
});
const requested = (submissionId = FIRST, version = 1, replaces?: { submissionId: string; entryUuid: string }) =>
  ({
    type: 'DmpSubmissionRequested',
    data: {
      submissionId,
      serviceUserId: USAGER,
      facilityId: FACILITY,
      documentId: DOCUMENT,
      version,
      masking: NOT_MASKED,
      requestedBy: 'pro-medecin',
      requestedAt: at,
      ...(replaces ? { replaces } : {}),
    },
  }) as const satisfies ServiceUserDmpEvent;
const accepted = (submissionId = FIRST, entryUuid = `urn:uuid:${submissionId}`) =>
  ({
    type: 'DmpSubmissionAccepted',
    data: { submissionId, entryUuid, uniqueId: `2.25.${submissionId.length}`, acceptedAt: later },
  }) as const satisfies ServiceUserDmpEvent;
const opposed: ServiceUserDmpEvent = {
  type: 'DmpOppositionRecorded',
  data: {
    serviceUserId: USAGER,
    facilityId: FACILITY,
    expressedOn: '2026-04-01',
    recordedBy: 'pro-secretaire',
    recordedAt: at,
  },
};

describe('a usager and their DMP', () => {
  it('names one stream per usager of the organisation, escaped', () => {
    assert.equal(serviceUserDmpStreamId('og/1', 'u 1'), 'dmp/og%2F1/u%201');
    assert.notEqual(serviceUserDmpStreamId('a', 'b/c'), serviceUserDmpStreamId('a/b', 'c'));
  });

  describe('the opposition', () => {
    it('records the day the usager expressed it, who recorded it and when, and its withdrawal', () => {
      spec
        .given([])
        .when({
          type: 'RecordDmpOpposition',
          serviceUserId: USAGER,
          facilityId: FACILITY,
          expressedOn: '2026-04-01',
          reason: '  ne souhaite pas  ',
          recordedBy: 'pro-secretaire',
          recordedAt: at,
          today,
        })
        .thenEmits([{ ...opposed, data: { ...opposed.data, reason: 'ne souhaite pas' } }]);
      spec
        .given([opposed])
        .when({
          type: 'WithdrawDmpOpposition',
          facilityId: FACILITY,
          withdrawnOn: today,
          recordedBy: 'pro-medecin',
          recordedAt: later,
          today,
        })
        .thenEmits([
          {
            type: 'DmpOppositionWithdrawn',
            data: { facilityId: FACILITY, withdrawnOn: today, recordedBy: 'pro-medecin', recordedAt: later },
          },
        ]);
    });

    it('refuses a second opposition in force, a withdrawal without one, and days in the future or before it', () => {
      const record = (expressedOn: string): ServiceUserDmpCommand => ({
        type: 'RecordDmpOpposition',
        serviceUserId: USAGER,
        facilityId: FACILITY,
        expressedOn,
        recordedBy: 'pro-1',
        recordedAt: at,
        today,
      });
      const withdraw = (withdrawnOn: string): ServiceUserDmpCommand => ({
        type: 'WithdrawDmpOpposition',
        facilityId: FACILITY,
        withdrawnOn,
        recordedBy: 'pro-1',
        recordedAt: at,
        today,
      });
      spec.given([opposed]).when(record(today)).thenRefuses(refusedWith('DMP_OPPOSITION_ALREADY_RECORDED'));
      spec.given([]).when(record('2026-04-11')).thenRefuses(refusedWith('DMP_DAY_IN_FUTURE'));
      spec.given([]).when(withdraw(today)).thenRefuses(refusedWith('DMP_NO_OPPOSITION'));
      spec.given([opposed]).when(withdraw('2026-03-31')).thenRefuses(refusedWith('DMP_WITHDRAWAL_BEFORE_OPPOSITION'));
    });

    it('stops every submission while in force, and no longer once withdrawn', () => {
      spec.given([opposed]).when(request()).thenRefuses(refusedWith('DMP_OPPOSED'));
      const withdrawn: ServiceUserDmpEvent = {
        type: 'DmpOppositionWithdrawn',
        data: { facilityId: FACILITY, withdrawnOn: today, recordedBy: 'pro-1', recordedAt: at },
      };
      spec.given([opposed, withdrawn]).when(request()).thenEmits([requested()]);
    });
  });

  describe('submissions', () => {
    it('are requested before anything is sent, then accepted with the entry the DMP registered', () => {
      spec.given([]).when(request()).thenEmits([requested()]);
      spec
        .given([requested()])
        .when({
          type: 'RecordDmpSubmissionAccepted',
          submissionId: FIRST,
          entryUuid: `urn:uuid:${FIRST}`,
          uniqueId: '2.25.36',
          acceptedAt: later,
        })
        .thenEmits([accepted()]);
    });

    it('are refused with the DMP’s code and a French label, and only once answered', () => {
      const refusal: ServiceUserDmpCommand = {
        type: 'RecordDmpSubmissionRefused',
        submissionId: FIRST,
        code: 'XDSUnknownPatientId',
        label: 'Patient inconnu du DMP',
        refusedAt: later,
      };
      spec
        .given([requested()])
        .when(refusal)
        .thenEmits([
          {
            type: 'DmpSubmissionRefused',
            data: {
              submissionId: FIRST,
              code: 'XDSUnknownPatientId',
              label: 'Patient inconnu du DMP',
              refusedAt: later,
            },
          },
        ]);
      spec.given([requested(), accepted()]).when(refusal).thenRefuses(refusedWith('DMP_SUBMISSION_NOT_PENDING'));
      spec.given([]).when(refusal).thenRefuses(refusedWith('DMP_SUBMISSION_NOT_FOUND'));
    });

    it('never sends anything of an anonymous usager, nor the INS of an identity not qualified', () => {
      spec
        .given([])
        .when(request({ identity: 'anonymous' }))
        .thenRefuses(refusedWith('DMP_ANONYMOUS_USAGER'));
      spec
        .given([])
        .when(request({ identity: 'notQualified' }))
        .thenRefuses(refusedWith('DMP_IDENTITY_NOT_QUALIFIED'));
      spec
        .given([])
        .when({
          type: 'RecordDmpAccessCheck',
          facilityId: FACILITY,
          checkedBy: 'pro-1',
          checkedAt: at,
          dmpExists: true,
          authorisation: 'valid',
          identity: 'anonymous',
        })
        .thenRefuses(refusedWith('DMP_ANONYMOUS_USAGER'));
    });

    it('sends a document in the DMP again only as a replacement', () => {
      spec
        .given([requested(), accepted()])
        .when(request({ submissionId: SECOND, version: 2 }))
        .thenRefuses(refusedWith('DMP_DOCUMENT_ALREADY_SENT'));
      spec
        .given([requested(), accepted()])
        .when(request({ submissionId: SECOND, version: 2, replaces: FIRST }))
        .thenEmits([requested(SECOND, 2, { submissionId: FIRST, entryUuid: `urn:uuid:${FIRST}` })]);
    });

    it('marks the replaced submission when its replacement is accepted', () => {
      const replacement = requested(SECOND, 2, { submissionId: FIRST, entryUuid: `urn:uuid:${FIRST}` });
      spec
        .given([requested(), accepted(), replacement])
        .when({
          type: 'RecordDmpSubmissionAccepted',
          submissionId: SECOND,
          entryUuid: `urn:uuid:${SECOND}`,
          uniqueId: '2.25.36',
          acceptedAt: later,
        })
        .thenEmits([
          accepted(SECOND),
          { type: 'DmpSubmissionReplaced', data: { submissionId: FIRST, replacedBy: SECOND, replacedAt: later } },
        ]);
      const state = foldEvents(serviceUserDmpDecider, [
        requested(),
        accepted(),
        replacement,
        accepted(SECOND),
        { type: 'DmpSubmissionReplaced', data: { submissionId: FIRST, replacedBy: SECOND, replacedAt: later } },
      ]);
      assert.deepEqual(
        [...state.submissions.values()].map(({ submissionId, status }) => [submissionId, status]),
        [
          [FIRST, 'replaced'],
          [SECOND, 'accepted'],
        ],
      );
    });

    it('replaces an accepted submission of the same document only, once at a time', () => {
      const replacement = requested(SECOND, 2, { submissionId: FIRST, entryUuid: `urn:uuid:${FIRST}` });
      spec
        .given([])
        .when(request({ submissionId: SECOND, replaces: FIRST }))
        .thenRefuses(refusedWith('DMP_REPLACED_SUBMISSION_NOT_FOUND'));
      spec
        .given([requested()])
        .when(request({ submissionId: SECOND, replaces: FIRST }))
        .thenRefuses(refusedWith('DMP_REPLACED_SUBMISSION_NOT_ACCEPTED'));
      spec
        .given([requested(), accepted()])
        .when(request({ submissionId: SECOND, documentId: OTHER_DOCUMENT, replaces: FIRST }))
        .thenRefuses(refusedWith('DMP_REPLACEMENT_OF_ANOTHER_DOCUMENT'));
      spec
        .given([requested(), accepted(), replacement])
        .when(request({ submissionId: THIRD, version: 3, replaces: FIRST }))
        .thenRefuses(refusedWith('DMP_REPLACEMENT_PENDING'));
      spec
        .given([requested(), accepted()])
        .when(request({ submissionId: SECOND, version: 1, replaces: FIRST }))
        .thenRefuses(refusedWith('DMP_REPLACEMENT_NOT_NEWER'));
    });

    it('refuses a submission id already used', () => {
      spec.given([requested()]).when(request()).thenRefuses(refusedWith('DMP_SUBMISSION_ALREADY_REQUESTED'));
    });
  });

  it('records the last access check (TD0.2) of a qualified identity', () => {
    spec
      .given([])
      .when({
        type: 'RecordDmpAccessCheck',
        facilityId: FACILITY,
        checkedBy: 'pro-1',
        checkedAt: at,
        dmpExists: false,
        authorisation: 'absent',
        identity: 'qualified',
      })
      .thenEmits([
        {
          type: 'DmpAccessChecked',
          data: { facilityId: FACILITY, checkedBy: 'pro-1', checkedAt: at, dmpExists: false, authorisation: 'absent' },
        },
      ]);
  });

  it('decides nothing once the usager was forgotten', () => {
    spec
      .given([{ type: 'DmpSubmissionRequested', data: { $erased: true } }])
      .when(request())
      .thenRefuses(refusedWith('DMP_RECORD_ERASED'));
  });

  describe('whatever the sequence of commands', () => {
    const submissionIds = [FIRST, SECOND, THIRD] as const;
    const identity = fc.constantFrom<DmpIdentity>('anonymous', 'notQualified', 'qualified');
    const command: fc.Arbitrary<ServiceUserDmpCommand> = fc.oneof(
      fc.record({
        type: fc.constant('RecordDmpOpposition' as const),
        serviceUserId: fc.constant(USAGER),
        facilityId: fc.constant(FACILITY),
        expressedOn: fc.constantFrom('2026-04-01', today),
        recordedBy: fc.constant('pro-1'),
        recordedAt: fc.constant(at),
        today: fc.constant(today),
      }),
      fc.record({
        type: fc.constant('WithdrawDmpOpposition' as const),
        facilityId: fc.constant(FACILITY),
        withdrawnOn: fc.constant(today),
        recordedBy: fc.constant('pro-1'),
        recordedAt: fc.constant(later),
        today: fc.constant(today),
      }),
      fc.record({
        type: fc.constant('RecordDmpAccessCheck' as const),
        facilityId: fc.constant(FACILITY),
        checkedBy: fc.constant('pro-1'),
        checkedAt: fc.constant(at),
        dmpExists: fc.boolean(),
        authorisation: fc.constantFrom('valid', 'absent', 'expired', 'forbidden' as const),
        identity,
      }),
      fc
        .record(
          {
            type: fc.constant('RequestDmpSubmission' as const),
            submissionId: fc.constantFrom(...submissionIds),
            serviceUserId: fc.constant(USAGER),
            facilityId: fc.constant(FACILITY),
            documentId: fc.constantFrom(DOCUMENT, OTHER_DOCUMENT),
            version: fc.integer({ min: 1, max: 3 }),
            masking: fc.record({
              hiddenFromProfessionals: fc.boolean(),
              hiddenFromPatient: fc.boolean(),
              hiddenFromLegalRepresentatives: fc.boolean(),
            }),
            requestedBy: fc.constant('pro-1'),
            requestedAt: fc.constant(at),
            identity,
            replaces: fc.constantFrom(...submissionIds),
          },
          { requiredKeys: ['type', 'submissionId', 'serviceUserId', 'facilityId', 'documentId', 'version'] },
        )
        .map((generated) => ({
          masking: NOT_MASKED,
          requestedBy: 'pro-1',
          requestedAt: at,
          identity: 'qualified' as DmpIdentity,
          ...generated,
        })),
      fc.record({
        type: fc.constant('RecordDmpSubmissionAccepted' as const),
        submissionId: fc.constantFrom(...submissionIds),
        entryUuid: fc.uuid().map((uuid) => `urn:uuid:${uuid}`),
        uniqueId: fc.constant('2.25.1'),
        acceptedAt: fc.constant(later),
      }),
      fc.record({
        type: fc.constant('RecordDmpSubmissionRefused' as const),
        submissionId: fc.constantFrom(...submissionIds),
        code: fc.constant('XDSRegistryError'),
        label: fc.constant('Erreur du registre'),
        refusedAt: fc.constant(later),
      }),
    );

    /** Runs the commands, calling `check` with the state before each decision and what it decided. */
    const run = (
      commands: readonly ServiceUserDmpCommand[],
      check: (before: ServiceUserDmp, command: ServiceUserDmpCommand, events: readonly ServiceUserDmpEvent[]) => void,
    ) => {
      let state = serviceUserDmpDecider.initialState();
      for (const next of commands) {
        let events: readonly ServiceUserDmpEvent[];
        try {
          events = asEventList(serviceUserDmpDecider.decide(next, state));
        } catch (error) {
          if (error instanceof DomainRuleViolation) continue;
          throw error;
        }
        check(state, next, events);
        for (const event of events) state = serviceUserDmpDecider.evolve(state, event);
      }
      return state;
    };

    it('sends nothing while the usager is opposed, and nothing of an identity not qualified', () => {
      fc.assert(
        fc.property(fc.array(command, { maxLength: 25, size: 'max' }), (commands) => {
          run(commands, (before, decided, events) => {
            if (!events.some((event) => event.type === 'DmpSubmissionRequested')) return;
            assert.equal(dmpOppositionInForce(before), undefined);
            assert.equal((decided as { identity?: DmpIdentity }).identity, 'qualified');
          });
        }),
      );
    });

    it('replaces only an accepted submission of the same document', () => {
      fc.assert(
        fc.property(fc.array(command, { maxLength: 25, size: 'max' }), (commands) => {
          run(commands, (before, _decided, events) => {
            for (const event of events) {
              if (event.type !== 'DmpSubmissionRequested' || '$erased' in event.data) continue;
              const { replaces, documentId } = event.data;
              if (replaces === undefined) continue;
              const replaced = before.submissions.get(replaces.submissionId);
              assert.equal(replaced?.status, 'accepted');
              assert.equal(replaced?.documentId, documentId);
              assert.equal(replaced?.accepted?.entryUuid, replaces.entryUuid);
              assert.ok((replaced?.version ?? 0) < event.data.version);
            }
          });
        }),
      );
    });

    it('moves a submission only from requested to accepted or refused, and from accepted to replaced', () => {
      const allowed: Readonly<Record<DmpSubmissionStatus, readonly DmpSubmissionStatus[]>> = {
        requested: ['requested', 'accepted', 'refused'],
        accepted: ['accepted', 'replaced'],
        refused: ['refused'],
        replaced: ['replaced'],
      };
      fc.assert(
        fc.property(fc.array(command, { maxLength: 25, size: 'max' }), (commands) => {
          run(commands, (before, _decided, events) => {
            let after = before;
            for (const event of events) after = serviceUserDmpDecider.evolve(after, event);
            for (const [submissionId, submission] of before.submissions) {
              const status = after.submissions.get(submissionId)?.status;
              assert.ok(status !== undefined && allowed[submission.status].includes(status));
            }
          });
        }),
      );
    });

    it('emits only data its schemas accept', () => {
      fc.assert(
        fc.property(fc.array(command, { maxLength: 25, size: 'max' }), (commands) => {
          run(commands, (_before, _decided, events) => {
            for (const event of events) serviceUserDmpEventSchemas[event.type].parse(event.data);
          });
        }),
      );
    });
  });
});
