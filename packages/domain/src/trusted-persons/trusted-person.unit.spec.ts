import assert from 'node:assert/strict';
import fc from 'fast-check';
import { asEventList, foldEvents } from '../decider.js';
import { DomainRuleViolation } from '../errors.js';
import { DeciderSpecification } from '../testing/index.js';
import {
  activeDesignation,
  mayConsultRecordNow,
  type TrustedPersonCommand,
  type TrustedPersonDesignated,
  type TrustedPersonEvent,
  type TrustedPersons,
  trustedPersonDecider,
  trustedPersonEventSchemas,
  trustedPersonsStreamId,
} from './trusted-person.js';

const spec = DeciderSpecification.for(trustedPersonDecider);
const refusedWith = (code: string) => (error: Error) => error instanceof DomainRuleViolation && error.code === code;
const first = '0195f0a0-0000-7000-8000-0000000000c1';
const second = '0195f0a0-0000-7000-8000-0000000000c2';
const today = '2026-03-20';
const designation: TrustedPersonDesignated = {
  trustedPersonId: first,
  serviceUserId: 'usager-1',
  facilityId: '750000001',
  person: { name: 'Claire Martin', relationship: 'sœur', contact: { phone: '06 12 34 56 78' } },
  scope: ['casf', 'csp'],
  designatedOn: '2026-03-02',
  mayConsultRecord: false,
};
const designated: TrustedPersonEvent = { type: 'TrustedPersonDesignated', data: designation };
const designate = (overrides: Partial<Extract<TrustedPersonCommand, { type: 'DesignateTrustedPerson' }>> = {}) =>
  ({ type: 'DesignateTrustedPerson', today, ...designation, ...overrides }) as TrustedPersonCommand;
const revoked: TrustedPersonEvent = {
  type: 'TrustedPersonRevoked',
  data: { trustedPersonId: first, revokedOn: '2026-03-10', how: 'orally' },
};

describe('the personne de confiance of a usager', () => {
  describe('the offer at admission', () => {
    it('records the offer and the answer, never for a minor', () => {
      const offer = {
        offerId: '0195f0a0-0000-7000-8000-0000000000f1',
        serviceUserId: 'usager-1',
        facilityId: '750000001',
        offeredOn: '2026-03-02',
        answer: 'deferred',
      } as const;
      spec
        .given([])
        .when({ type: 'RecordTrustedPersonOffer', today, usagerIsAdult: true, ...offer })
        .thenEmits([{ type: 'TrustedPersonOffered', data: offer }]);
      spec
        .given([])
        .when({ type: 'RecordTrustedPersonOffer', today, usagerIsAdult: false, ...offer })
        .thenRefuses(refusedWith('TRUSTED_PERSON_USAGER_MINOR'));
      spec
        .given([{ type: 'TrustedPersonOffered', data: offer }])
        .when({ type: 'RecordTrustedPersonOffer', today, ...offer })
        .thenRefuses(refusedWith('TRUSTED_PERSON_OFFER_ALREADY_RECORDED'));
    });
  });

  describe('the designation', () => {
    it('records who, how to reach them, the scope (CASF and/or CSP) and the day, consultation off by default', () => {
      spec
        .given([])
        .when(
          designate({
            person: {
              name: ' Claire Martin ',
              relationship: ' sœur ',
              contact: { phone: '06 12 34 56 78', email: ' ' },
            },
            scope: ['csp', 'casf', 'csp'],
            mayConsultRecord: undefined,
          }),
        )
        .thenEmits([designated]);
      const entryId = '0195f0a0-0000-7000-8000-0000000000d1';
      spec
        .given([])
        .when(
          designate({
            person: { entryId, name: 'Claire Martin', contact: { email: 'c@example.org' } },
            scope: ['casf'],
          }),
        )
        .thenEmits([
          {
            type: 'TrustedPersonDesignated',
            data: {
              ...designation,
              person: { entryId, name: 'Claire Martin', contact: { email: 'c@example.org' } },
              scope: ['casf'],
            },
          },
        ]);
    });

    it('refuses a designation without scope, name or contact, in the future, or for a minor', () => {
      spec
        .given([])
        .when(designate({ scope: [] }))
        .thenRefuses(refusedWith('TRUSTED_PERSON_SCOPE_REQUIRED'));
      spec
        .given([])
        .when(designate({ person: { name: ' ', contact: { phone: '0612345678' } } }))
        .thenRefuses(refusedWith('TRUSTED_PERSON_NAME_REQUIRED'));
      spec
        .given([])
        .when(designate({ person: { name: 'Claire Martin', contact: {} } }))
        .thenRefuses(refusedWith('TRUSTED_PERSON_CONTACT_REQUIRED'));
      spec
        .given([])
        .when(designate({ designatedOn: '2026-03-21' }))
        .thenRefuses(refusedWith('TRUSTED_PERSON_DAY_IN_FUTURE'));
      spec
        .given([])
        .when(designate({ usagerIsAdult: false }))
        .thenRefuses(refusedWith('TRUSTED_PERSON_USAGER_MINOR'));
    });

    it('refuses a second designation while one is in force, and accepts it once the first is revoked', () => {
      spec
        .given([designated])
        .when(designate({ trustedPersonId: second }))
        .thenRefuses(refusedWith('TRUSTED_PERSON_ALREADY_DESIGNATED'));
      spec
        .given([designated, revoked])
        .when(designate({ trustedPersonId: second, designatedOn: '2026-03-11' }))
        .thenEmits([
          {
            type: 'TrustedPersonDesignated',
            data: { ...designation, trustedPersonId: second, designatedOn: '2026-03-11' },
          },
        ]);
      spec.given([designated, revoked]).when(designate()).thenRefuses(refusedWith('TRUSTED_PERSON_ALREADY_RECORDED'));
    });
  });

  describe('the co-signature and the attestation', () => {
    it('records the co-signature by the person designated, once, on or after the designation', () => {
      spec
        .given([designated])
        .when({
          type: 'RecordTrustedPersonCosignature',
          today,
          trustedPersonId: first,
          cosignedOn: '2026-03-02',
          how: 'inPerson',
        })
        .thenEmits([
          {
            type: 'TrustedPersonCosigned',
            data: { trustedPersonId: first, cosignedOn: '2026-03-02', how: 'inPerson' },
          },
        ]);
      spec
        .given([designated])
        .when({
          type: 'RecordTrustedPersonCosignature',
          today,
          trustedPersonId: first,
          cosignedOn: '2026-03-01',
          how: 'byPost',
        })
        .thenRefuses(refusedWith('TRUSTED_PERSON_DAY_BEFORE_DESIGNATION'));
      spec
        .given([
          designated,
          {
            type: 'TrustedPersonCosigned',
            data: { trustedPersonId: first, cosignedOn: '2026-03-02', how: 'inPerson' },
          },
        ])
        .when({
          type: 'RecordTrustedPersonCosignature',
          today,
          trustedPersonId: first,
          cosignedOn: '2026-03-03',
          how: 'byPost',
        })
        .thenRefuses(refusedWith('TRUSTED_PERSON_ALREADY_COSIGNED'));
    });

    it('records the dated attestation signed by the director and the person, once', () => {
      const attestation = { trustedPersonId: first, attestedOn: '2026-03-03', directorId: 'pro-director' };
      spec
        .given([designated])
        .when({ type: 'RecordTrustedPersonAttestation', today, ...attestation })
        .thenEmits([{ type: 'TrustedPersonAttestationSigned', data: attestation }]);
      spec
        .given([designated, { type: 'TrustedPersonAttestationSigned', data: attestation }])
        .when({ type: 'RecordTrustedPersonAttestation', today, ...attestation })
        .thenRefuses(refusedWith('TRUSTED_PERSON_ALREADY_ATTESTED'));
      spec
        .given([designated, revoked])
        .when({ type: 'RecordTrustedPersonAttestation', today, ...attestation })
        .thenRefuses(refusedWith('TRUSTED_PERSON_REVOKED'));
      spec
        .given([])
        .when({ type: 'RecordTrustedPersonAttestation', today, ...attestation })
        .thenRefuses(refusedWith('TRUSTED_PERSON_NOT_FOUND'));
    });
  });

  describe('the consultation of the record through the portal', () => {
    it('is allowed and withdrawn by the usager, each time a change', () => {
      spec
        .given([designated])
        .when({ type: 'SetTrustedPersonRecordConsultation', today, trustedPersonId: first, mayConsultRecord: true })
        .thenEmits([{ type: 'TrustedPersonRecordConsultationAllowed', data: { trustedPersonId: first, on: today } }]);
      spec
        .given([designated])
        .when({ type: 'SetTrustedPersonRecordConsultation', today, trustedPersonId: first, mayConsultRecord: false })
        .thenRefuses(refusedWith('TRUSTED_PERSON_CONSULTATION_UNCHANGED'));
      spec
        .given([
          designated,
          { type: 'TrustedPersonRecordConsultationAllowed', data: { trustedPersonId: first, on: today } },
        ])
        .when({ type: 'SetTrustedPersonRecordConsultation', today, trustedPersonId: first, mayConsultRecord: false })
        .thenEmits([{ type: 'TrustedPersonRecordConsultationWithdrawn', data: { trustedPersonId: first, on: today } }]);
    });

    it('opens only on a designation allowed, co-signed and not revoked', () => {
      const base = { status: 'designated', cosignedOn: '2026-03-02', mayConsultRecord: true } as const;
      assert.equal(mayConsultRecordNow(base), true);
      assert.equal(mayConsultRecordNow({ ...base, cosignedOn: undefined }), false);
      assert.equal(mayConsultRecordNow({ ...base, mayConsultRecord: false }), false);
      assert.equal(mayConsultRecordNow({ ...base, status: 'revoked' }), false);
    });
  });

  describe('the revocation', () => {
    it('is recorded at any time by the usager, with the day and how, once', () => {
      spec
        .given([designated])
        .when({
          type: 'RevokeTrustedPerson',
          today,
          trustedPersonId: first,
          revokedOn: '2026-03-10',
          how: 'orally',
          details: ' ',
        })
        .thenEmits([revoked]);
      spec
        .given([designated, revoked])
        .when({ type: 'RevokeTrustedPerson', today, trustedPersonId: first, revokedOn: '2026-03-12', how: 'inWriting' })
        .thenRefuses(refusedWith('TRUSTED_PERSON_REVOKED'));
      spec
        .given([designated])
        .when({ type: 'RevokeTrustedPerson', today, trustedPersonId: first, revokedOn: '2026-02-10', how: 'inWriting' })
        .thenRefuses(refusedWith('TRUSTED_PERSON_DAY_BEFORE_DESIGNATION'));
    });
  });

  it('refuses everything once the usager was forgotten, and names one stream per usager', () => {
    spec
      .given([{ type: 'TrustedPersonDesignated', data: { $erased: true } }])
      .when(designate({ trustedPersonId: second }))
      .thenRefuses(refusedWith('TRUSTED_PERSON_ERASED'));
    assert.equal(trustedPersonsStreamId('og/1', 'usager:1'), 'trusted-persons/og%2F1/usager%3A1');
  });

  describe('invariants', () => {
    const ids = fc.constantFrom(first, second, '0195f0a0-0000-7000-8000-0000000000c3');
    const days = fc.integer({ min: 1, max: 28 }).map((d) => `2026-03-${String(d).padStart(2, '0')}`);
    const commands: fc.Arbitrary<TrustedPersonCommand> = fc.oneof(
      fc
        .record({ trustedPersonId: ids, designatedOn: days })
        .map(({ trustedPersonId, designatedOn }) => designate({ trustedPersonId, designatedOn, today: '2026-03-28' })),
      fc.record({
        type: fc.constant('RevokeTrustedPerson' as const),
        today: fc.constant('2026-03-28'),
        trustedPersonId: ids,
        revokedOn: days,
        how: fc.constantFrom('inWriting' as const, 'orally' as const),
      }),
      fc.record({
        type: fc.constant('RecordTrustedPersonCosignature' as const),
        today: fc.constant('2026-03-28'),
        trustedPersonId: ids,
        cosignedOn: days,
        how: fc.constantFrom('inPerson' as const, 'byPost' as const, 'electronic' as const),
      }),
      fc.record({
        type: fc.constant('SetTrustedPersonRecordConsultation' as const),
        today: fc.constant('2026-03-28'),
        trustedPersonId: ids,
        mayConsultRecord: fc.boolean(),
      }),
    );

    it('at most one designation is in force, whatever the sequence; revoked ones stay revoked', () => {
      fc.assert(
        fc.property(fc.array(commands, { maxLength: 40, size: 'max' }), (attempts) => {
          let state: TrustedPersons = trustedPersonDecider.initialState();
          const everRevoked = new Set<string>();
          const events: TrustedPersonEvent[] = [];
          for (const command of attempts) {
            try {
              const decided = asEventList(trustedPersonDecider.decide(command, state));
              for (const event of decided) {
                trustedPersonEventSchemas[event.type].parse(event.data);
                state = trustedPersonDecider.evolve(state, event);
                events.push(event);
              }
            } catch (error) {
              if (!(error instanceof DomainRuleViolation)) throw error;
            }
            const inForce = [...state.designations.values()].filter((d) => d.status === 'designated');
            assert.ok(inForce.length <= 1, `${inForce.length} designations in force`);
            for (const id of everRevoked) assert.equal(state.designations.get(id)?.status, 'revoked');
            for (const d of state.designations.values()) if (d.status === 'revoked') everRevoked.add(d.trustedPersonId);
            // a co-signature never precedes its designation
            for (const d of state.designations.values())
              assert.ok(d.cosignedOn === undefined || d.cosignedOn >= d.designatedOn);
          }
          // and the state is the fold of the events
          assert.deepEqual(foldEvents(trustedPersonDecider, events), state);
          assert.equal(activeDesignation(state)?.status ?? 'designated', 'designated');
        }),
        { numRuns: 500 },
      );
    });
  });
});
