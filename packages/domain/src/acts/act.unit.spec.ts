import assert from 'node:assert/strict';
import fc from 'fast-check';
import { foldEvents } from '../decider.js';
import { DomainRuleViolation } from '../errors.js';
import { DeciderSpecification } from '../testing/index.js';
import {
  type Act,
  type ActCommand,
  type ActEvent,
  type ActRecorded,
  actDecider,
  actEventSchemas,
  actStreamId,
  MAX_ACT_DURATION_MINUTES,
  type RecordAct,
} from './act.js';
import { type CatalogueEntry, DEFAULT_ACT_TYPES } from './act-catalogue.js';
import { planCollectiveIntervention } from './collective-intervention.js';

const spec = DeciderSpecification.for(actDecider);
const refusedWith = (code: string) => (error: Error) => error instanceof DomainRuleViolation && error.code === code;
const actId = '0195f0a0-0000-7000-8000-0000000000a1';
const now = '2026-03-10T12:00:00+01:00';
const entry = (code: string): CatalogueEntry => {
  const type = DEFAULT_ACT_TYPES.find((candidate) => candidate.code === code);
  if (!type) throw new Error(code);
  return { ...type, retired: false };
};
const trod = entry('depistage-trod-vhc');
const record: RecordAct = {
  type: 'RecordAct',
  actId,
  serviceUserId: 'usager-1',
  facilityId: '750000001',
  actType: trod,
  performedBy: { professionalId: 'pro-nurse', profession: 'nurse' },
  performedAt: '2026-03-10T10:30:00+01:00',
  durationMinutes: 20,
  now,
};
const recordedData: ActRecorded = {
  actId,
  serviceUserId: 'usager-1',
  facilityId: '750000001',
  actType: { code: 'depistage-trod-vhc', label: 'Dépistage TROD VHC', sensitivity: 'medical' },
  performedBy: { professionalId: 'pro-nurse', profession: 'nurse' },
  performedAt: '2026-03-10T10:30:00+01:00',
  durationMinutes: 20,
};
const recorded: ActEvent = { type: 'ActRecorded', data: recordedData };

describe('an act or intervention', () => {
  it('is recorded with a copy of its type, who did it as what, when, how long, and a trimmed note', () => {
    spec
      .given([])
      .when({ ...record, note: '  résultat négatif ' })
      .thenEmits([{ type: 'ActRecorded', data: { ...recordedData, note: 'résultat négatif' } }]);
    // an empty note is no note
    spec
      .given([])
      .when({ ...record, note: '   ' })
      .thenEmits([recorded]);
    spec.given([recorded]).when(record).thenRefuses(refusedWith('ACT_ALREADY_RECORDED'));
  });

  it('may be done with partners of the usager’s directory, each named once', () => {
    const spip = { entryId: '0195f0a0-0000-7000-8000-0000000000e1', name: 'SPIP de Paris' };
    const gp = { entryId: '0195f0a0-0000-7000-8000-0000000000e2', name: 'Dr Anne Moreau' };
    spec
      .given([])
      .when({ ...record, partners: [spip, gp] })
      .thenEmits([{ type: 'ActRecorded', data: { ...recordedData, partners: [spip, gp] } }]);
    // no partner: nothing recorded about partners
    spec
      .given([])
      .when({ ...record, partners: [] })
      .thenEmits([recorded]);
    spec
      .given([])
      .when({ ...record, partners: [spip, { ...spip, name: 'SPIP' }] })
      .thenRefuses(refusedWith('ACT_PARTNER_TWICE'));
    actEventSchemas.ActRecorded.parse({ ...recordedData, partners: [spip] });
  });

  it('takes its sensitivity class from its type', () => {
    for (const [code, profession, sensitivity] of [
      ['consultation-medicale', 'doctor', 'medical'],
      ['entretien-social', 'socialWorker', 'social'],
      ['entretien-educatif', 'educator', 'social'],
      ['entretien-psychologique', 'psychologist', 'psychological'],
    ] as const) {
      const events = [
        actDecider.decide(
          { ...record, actType: entry(code), performedBy: { professionalId: 'pro-1', profession } },
          actDecider.initialState(),
        ),
      ].flat();
      assert.equal(events[0]?.type, 'ActRecorded');
      const data = events[0]?.data as ActRecorded;
      assert.equal(data.actType.sensitivity, sensitivity);
    }
  });

  it('refuses a profession the type does not name, a retired type, a bad duration, a time in the future', () => {
    spec
      .given([])
      .when({ ...record, performedBy: { professionalId: 'pro-1', profession: 'educator' } })
      .thenRefuses(refusedWith('ACT_NOT_FOR_PROFESSION'));
    spec
      .given([])
      .when({ ...record, actType: { ...trod, retired: true } })
      .thenRefuses(refusedWith('ACT_TYPE_RETIRED'));
    for (const durationMinutes of [0, -5, 1.5, MAX_ACT_DURATION_MINUTES + 1]) {
      spec
        .given([])
        .when({ ...record, durationMinutes })
        .thenRefuses(refusedWith('ACT_DURATION_INVALID'));
    }
    spec
      .given([])
      .when({ ...record, durationMinutes: MAX_ACT_DURATION_MINUTES })
      .thenEmits([{ type: 'ActRecorded', data: { ...recordedData, durationMinutes: MAX_ACT_DURATION_MINUTES } }]);
    spec
      .given([])
      .when({ ...record, performedAt: '2026-03-10T12:06:00+01:00' })
      .thenRefuses(refusedWith('ACT_IN_FUTURE'));
    // a workstation a few minutes ahead is tolerated
    spec
      .given([])
      .when({ ...record, performedAt: '2026-03-10T12:04:00+01:00' })
      .thenEmits([{ type: 'ActRecorded', data: { ...recordedData, performedAt: '2026-03-10T12:04:00+01:00' } }]);
    spec
      .given([])
      .when({ ...record, performedAt: '10/03/2026' })
      .thenRefuses(refusedWith('ACT_TIME_INVALID'));
  });

  it('is corrected by a later event that says what changes and why', () => {
    spec
      .given([recorded])
      .when({ type: 'CorrectAct', reason: ' durée mal saisie ', durationMinutes: 30, note: 'avec counseling', now })
      .thenEmits([
        {
          type: 'ActCorrected',
          data: { actId, reason: 'durée mal saisie', durationMinutes: 30, note: 'avec counseling' },
        },
      ]);
    // what does not change is not repeated
    spec
      .given([recorded])
      .when({ type: 'CorrectAct', reason: 'heure', durationMinutes: 20, performedAt: '2026-03-10T09:30:00+01:00', now })
      .thenEmits([
        { type: 'ActCorrected', data: { actId, reason: 'heure', performedAt: '2026-03-10T09:30:00+01:00' } },
      ]);
    spec
      .given([recorded])
      .when({ type: 'CorrectAct', reason: 'rien', durationMinutes: 20, now })
      .thenRefuses(refusedWith('ACT_CORRECTION_CHANGES_NOTHING'));
    spec
      .given([recorded])
      .when({ type: 'CorrectAct', reason: ' ', durationMinutes: 30, now })
      .thenRefuses(refusedWith('ACT_CORRECTION_REASON_REQUIRED'));
    spec
      .given([recorded])
      .when({ type: 'CorrectAct', reason: 'futur', performedAt: '2026-03-11T10:00:00+01:00', now })
      .thenRefuses(refusedWith('ACT_IN_FUTURE'));
    spec
      .given([])
      .when({ type: 'CorrectAct', reason: 'durée', durationMinutes: 30, now })
      .thenRefuses(refusedWith('ACT_NOT_FOUND'));
    const state = foldEvents(actDecider, [
      recorded,
      { type: 'ActCorrected', data: { actId, reason: 'durée', durationMinutes: 30 } },
    ]);
    assert.ok(state.status === 'recorded');
    assert.equal(state.durationMinutes, 30);
    assert.equal(state.performedAt, recordedData.performedAt);
    assert.equal(state.corrections, 1);
  });

  it('is cancelled with a reason, after which it takes nothing more', () => {
    spec
      .given([recorded])
      .when({ type: 'CancelAct', reason: ' saisi dans le mauvais dossier ' })
      .thenEmits([{ type: 'ActCancelled', data: { actId, reason: 'saisi dans le mauvais dossier' } }]);
    spec
      .given([recorded])
      .when({ type: 'CancelAct', reason: '' })
      .thenRefuses(refusedWith('ACT_CANCELLATION_REASON_REQUIRED'));
    const cancelled: ActEvent = { type: 'ActCancelled', data: { actId, reason: 'doublon' } };
    spec
      .given([recorded, cancelled])
      .when({ type: 'CancelAct', reason: 'encore' })
      .thenRefuses(refusedWith('ACT_CANCELLED'));
    spec
      .given([recorded, cancelled])
      .when({ type: 'CorrectAct', reason: 'durée', durationMinutes: 30, now })
      .thenRefuses(refusedWith('ACT_CANCELLED'));
  });

  it('emits events that match their schemas, in a stream per act', () => {
    actEventSchemas.ActRecorded.parse({ ...recordedData, note: 'x', interventionId: actId });
    actEventSchemas.ActCorrected.parse({ actId, reason: 'durée', durationMinutes: 30 });
    actEventSchemas.ActCancelled.parse({ actId, reason: 'doublon' });
    assert.equal(actStreamId('og/1', actId), `act/og%2F1/${actId}`);
  });

  it('keeps nothing of a forgotten usager, and takes no more correction', () => {
    const erased: ActEvent[] = [
      { type: 'ActRecorded', data: { $erased: true } },
      { type: 'ActCorrected', data: { $erased: true } },
    ];
    const state = foldEvents(actDecider, erased);
    assert.ok(state.status === 'recorded');
    assert.equal(state.serviceUserId, undefined);
    assert.equal(state.note, undefined);
    assert.equal(state.corrections, 1);
    spec.given(erased).when({ type: 'CancelAct', reason: 'doublon' }).thenRefuses(refusedWith('ACT_ERASED'));
  });

  it('whatever the corrections and cancellations, the act keeps a valid duration and a past time, and a cancelled act stays so', () => {
    const command: fc.Arbitrary<ActCommand> = fc.oneof(
      fc.record(
        {
          type: fc.constant('CorrectAct' as const),
          reason: fc.constantFrom('durée', ' ', 'heure'),
          durationMinutes: fc.integer({ min: -10, max: 1_500 }),
          performedAt: fc
            .integer({ min: -600, max: 600 })
            .map((minutes) => new Date(Date.parse(now) + minutes * 60_000).toISOString()),
          note: fc.constantFrom('note', ' ', 'autre note'),
          now: fc.constant(now),
        },
        { requiredKeys: ['type', 'reason', 'now'] },
      ),
      fc.record({ type: fc.constant('CancelAct' as const), reason: fc.constantFrom('doublon', '') }),
    );
    fc.assert(
      fc.property(fc.array(command, { maxLength: 20, size: 'max' }), (commands) => {
        let act: Act = foldEvents(actDecider, [recorded]);
        let cancelled = false;
        for (const next of commands) {
          let events: ActEvent[];
          try {
            events = [actDecider.decide(next, act)].flat();
          } catch (error) {
            assert.ok(error instanceof DomainRuleViolation);
            continue;
          }
          // then nothing is decided on a cancelled act
          assert.ok(!cancelled, 'an event after the cancellation');
          for (const event of events) {
            actEventSchemas[event.type].parse(event.data);
            act = actDecider.evolve(act, event);
          }
          if (act.status === 'cancelled') cancelled = true;
        }
        assert.ok(act.status !== 'none');
        assert.ok(act.durationMinutes !== undefined && act.durationMinutes >= 1);
        assert.ok(act.durationMinutes <= MAX_ACT_DURATION_MINUTES);
        assert.ok(act.performedAt !== undefined && Date.parse(act.performedAt) <= Date.parse(now) + 5 * 60_000);
      }),
      { numRuns: 500 },
    );
  });

  describe('a collective intervention', () => {
    const { type: _, actId: __, serviceUserId: ___, ...shared } = record;
    const workshop = {
      ...shared,
      actType: entry('atelier-collectif'),
      performedBy: { professionalId: 'pro-educ', profession: 'educator' as const },
      interventionId: '0195f0a0-0000-7000-8000-0000000000f0',
    };

    it('is one act per participant, sharing the intervention', () => {
      const participants = [
        { actId: '0195f0a0-0000-7000-8000-0000000000f1', serviceUserId: 'usager-1' },
        { actId: '0195f0a0-0000-7000-8000-0000000000f2', serviceUserId: 'usager-2' },
      ];
      assert.deepEqual(planCollectiveIntervention({ ...workshop, participants }), [
        { type: 'RecordAct', ...shared, ...workshop, ...participants[0] },
        { type: 'RecordAct', ...shared, ...workshop, ...participants[1] },
      ]);
    });

    it('refuses one participant, a usager twice, or act ids that are not distinct', () => {
      const refuses = (participants: { actId: string; serviceUserId: string }[], code: string) =>
        assert.throws(() => planCollectiveIntervention({ ...workshop, participants }), refusedWith(code));
      refuses([{ actId: actId, serviceUserId: 'usager-1' }], 'INTERVENTION_PARTICIPANTS_COUNT');
      refuses(
        [
          { actId: '0195f0a0-0000-7000-8000-0000000000f1', serviceUserId: 'usager-1' },
          { actId: '0195f0a0-0000-7000-8000-0000000000f2', serviceUserId: 'usager-1' },
        ],
        'INTERVENTION_PARTICIPANT_TWICE',
      );
      refuses(
        [
          { actId, serviceUserId: 'usager-1' },
          { actId, serviceUserId: 'usager-2' },
        ],
        'INTERVENTION_ACT_IDS_NOT_DISTINCT',
      );
      refuses(
        [
          { actId: workshop.interventionId, serviceUserId: 'usager-1' },
          { actId, serviceUserId: 'usager-2' },
        ],
        'INTERVENTION_ACT_IDS_NOT_DISTINCT',
      );
    });

    it('gives every participant exactly one act of the same type, time and duration', () => {
      fc.assert(
        fc.property(
          fc.uniqueArray(fc.uuid(), { minLength: 2, maxLength: 50 }),
          fc.uniqueArray(fc.stringMatching(/^usager-[0-9]{1,4}$/), { minLength: 2, maxLength: 50 }),
          (actIds, serviceUserIds) => {
            const count = Math.min(actIds.length, serviceUserIds.length);
            if (count < 2) return;
            const participants = serviceUserIds
              .slice(0, count)
              .map((serviceUserId, index) => ({ actId: actIds[index]!, serviceUserId }));
            const commands = planCollectiveIntervention({ ...workshop, participants });
            assert.deepEqual(
              commands.map((command) => command.serviceUserId),
              participants.map((participant) => participant.serviceUserId),
            );
            for (const command of commands) {
              assert.equal(command.interventionId, workshop.interventionId);
              const [event] = [actDecider.decide(command, actDecider.initialState())].flat();
              assert.ok(event?.type === 'ActRecorded' && !('$erased' in event.data));
              assert.equal(event.data.actType.code, 'atelier-collectif');
              assert.equal(event.data.performedAt, workshop.performedAt);
              assert.equal(event.data.durationMinutes, workshop.durationMinutes);
            }
          },
        ),
        { numRuns: 200 },
      );
    });
  });
});
