import assert from 'node:assert/strict';
import fc from 'fast-check';
import { foldEvents } from '../decider.js';
import { DomainRuleViolation } from '../errors.js';
import { ROLES } from '../habilitations/roles.js';
import { DeciderSpecification } from '../testing/index.js';
import {
  type ClinicalObservation,
  type ClinicalObservationCommand,
  type ClinicalObservationEvent,
  type ClinicalObservationRecorded,
  clinicalObservationDecider,
  clinicalObservationEventSchemas,
  clinicalObservationStreamId,
  type ExternalObservationReceived,
  OBSERVATION_WITHDRAWAL_KINDS,
  writesClinicalObservations,
} from './clinical-observation.js';

const spec = DeciderSpecification.for(clinicalObservationDecider);
const refusedWith = (code: string) => (error: Error) => error instanceof DomainRuleViolation && error.code === code;
const observationId = '0195f0a0-0000-7000-8000-0000000000c1';
const now = '2026-03-10T12:00:00+01:00';
const byDoctor: ClinicalObservationRecorded = {
  observationId,
  serviceUserId: 'usager-1',
  facilityId: '750000001',
  author: { professionalId: 'pro-doctor', profession: 'doctor' },
  observedAt: '2026-03-10T11:00:00+01:00',
  title: 'Consultation',
  text: 'Patient stable sous méthadone 60 mg.',
};
const letter: ExternalObservationReceived = {
  observationId,
  serviceUserId: 'usager-1',
  facilityId: '750000001',
  source: {
    senderName: 'Service d’hépatologie, CHU',
    senderIdentifier: 'hepato@chu.mssante.fr',
    channel: 'mssante',
    documentReference: 'msg-2026-0042',
  },
  receivedAt: '2026-03-09T08:15:00+01:00',
  title: 'Compte rendu de consultation',
  text: 'Fibroscan : F1. Pas de traitement à ce stade.',
};
const recorded: ClinicalObservationEvent = { type: 'ClinicalObservationRecorded', data: byDoctor };
const received: ClinicalObservationEvent = { type: 'ExternalObservationReceived', data: letter };
const { observationId: _, ...doctorFields } = byDoctor;

describe('a medical observation', () => {
  it('is written by a doctor or a nurse, trimmed, never in the future', () => {
    spec
      .given([])
      .when({
        type: 'RecordClinicalObservation',
        observationId,
        ...doctorFields,
        title: ' Consultation ',
        text: `  ${byDoctor.text}\n`,
        now,
      })
      .thenEmits([recorded]);
    const { title: __, ...untitled } = byDoctor;
    spec
      .given([])
      .when({ type: 'RecordClinicalObservation', ...untitled, title: ' ', now })
      .thenEmits([{ type: 'ClinicalObservationRecorded', data: untitled }]);
    spec
      .given([])
      .when({
        type: 'RecordClinicalObservation',
        ...byDoctor,
        author: { professionalId: 'pro-n', profession: 'nurse' },
        now,
      })
      .thenEmits([
        {
          type: 'ClinicalObservationRecorded',
          data: { ...byDoctor, author: { professionalId: 'pro-n', profession: 'nurse' } },
        },
      ]);
    for (const profession of ROLES.filter((role) => role !== 'doctor' && role !== 'nurse')) {
      assert.equal(writesClinicalObservations(profession), false);
      spec
        .given([])
        .when({ type: 'RecordClinicalObservation', ...byDoctor, author: { professionalId: 'pro-1', profession }, now })
        .thenRefuses(refusedWith('OBSERVATION_AUTHOR_NOT_CLINICIAN'));
    }
    spec
      .given([])
      .when({ type: 'RecordClinicalObservation', ...byDoctor, observedAt: '2026-03-10T13:00:00+01:00', now })
      .thenRefuses(refusedWith('OBSERVATION_IN_FUTURE'));
    spec
      .given([])
      .when({ type: 'RecordClinicalObservation', ...byDoctor, text: '  ', now })
      .thenRefuses(refusedWith('OBSERVATION_TEXT_REQUIRED'));
    spec
      .given([recorded])
      .when({ type: 'RecordClinicalObservation', ...byDoctor, now })
      .thenRefuses(refusedWith('OBSERVATION_ALREADY_RECORDED'));
  });

  it('is received from outside with its source: sender, channel, reception time, document reference', () => {
    spec
      .given([])
      .when({
        type: 'ReceiveExternalObservation',
        ...letter,
        source: {
          ...letter.source,
          senderName: ` ${letter.source.senderName} `,
          senderIdentifier: letter.source.senderIdentifier!,
        },
        now,
      })
      .thenEmits([received]);
    const { senderIdentifier: __, ...anonymousSender } = letter.source;
    spec
      .given([])
      .when({
        type: 'ReceiveExternalObservation',
        ...letter,
        source: { ...anonymousSender, senderIdentifier: ' ' },
        now,
      })
      .thenEmits([{ type: 'ExternalObservationReceived', data: { ...letter, source: anonymousSender } }]);
    spec
      .given([])
      .when({ type: 'ReceiveExternalObservation', ...letter, source: { ...letter.source, senderName: ' ' }, now })
      .thenRefuses(refusedWith('OBSERVATION_SENDER_REQUIRED'));
    spec
      .given([])
      .when({ type: 'ReceiveExternalObservation', ...letter, source: { ...letter.source, documentReference: '' }, now })
      .thenRefuses(refusedWith('OBSERVATION_DOCUMENT_REFERENCE_REQUIRED'));
    spec
      .given([])
      .when({ type: 'ReceiveExternalObservation', ...letter, title: ' ', now })
      .thenRefuses(refusedWith('OBSERVATION_TITLE_REQUIRED'));
    spec
      .given([])
      .when({ type: 'ReceiveExternalObservation', ...letter, receivedAt: '2026-03-11T08:00:00+01:00', now })
      .thenRefuses(refusedWith('OBSERVATION_RECEIVED_IN_FUTURE'));
    // the same message received twice, under the id derived from it
    spec
      .given([received])
      .when({ type: 'ReceiveExternalObservation', ...letter, now })
      .thenRefuses(refusedWith('OBSERVATION_ALREADY_RECORDED'));
  });

  it('written by a clinician, is amended by a clinician with a reason; received, it is never amended', () => {
    spec
      .given([recorded])
      .when({
        type: 'AmendClinicalObservation',
        profession: 'nurse',
        reason: ' dose corrigée ',
        text: 'Patient stable sous méthadone 70 mg.',
      })
      .thenEmits([
        {
          type: 'ClinicalObservationAmended',
          data: {
            observationId,
            reason: 'dose corrigée',
            text: 'Patient stable sous méthadone 70 mg.',
            profession: 'nurse',
          },
        },
      ]);
    spec
      .given([recorded])
      .when({
        type: 'AmendClinicalObservation',
        profession: 'doctor',
        reason: 'titre',
        title: 'Bilan',
        text: byDoctor.text,
      })
      .thenEmits([
        {
          type: 'ClinicalObservationAmended',
          data: { observationId, reason: 'titre', title: 'Bilan', text: byDoctor.text, profession: 'doctor' },
        },
      ]);
    spec
      .given([recorded])
      .when({ type: 'AmendClinicalObservation', profession: 'doctor', reason: 'rien', text: byDoctor.text })
      .thenRefuses(refusedWith('OBSERVATION_AMENDMENT_CHANGES_NOTHING'));
    spec
      .given([recorded])
      .when({ type: 'AmendClinicalObservation', profession: 'doctor', reason: ' ', text: 'autre' })
      .thenRefuses(refusedWith('OBSERVATION_AMENDMENT_REASON_REQUIRED'));
    spec
      .given([recorded])
      .when({ type: 'AmendClinicalObservation', profession: 'pharmacist', reason: 'dose', text: 'autre' })
      .thenRefuses(refusedWith('OBSERVATION_AUTHOR_NOT_CLINICIAN'));
    spec
      .given([received])
      .when({ type: 'AmendClinicalObservation', profession: 'doctor', reason: 'coquille', text: 'autre' })
      .thenRefuses(refusedWith('EXTERNAL_OBSERVATION_NOT_AMENDABLE'));
    spec
      .given([])
      .when({ type: 'AmendClinicalObservation', profession: 'doctor', reason: 'coquille', text: 'autre' })
      .thenRefuses(refusedWith('OBSERVATION_NOT_FOUND'));
  });

  it('is withdrawn with a reason and a kind, either origin, and then takes nothing more', () => {
    for (const first of [recorded, received]) {
      for (const kind of ['wrong-record', 'duplicate', 'other'] as const) {
        spec
          .given([first])
          .when({ type: 'WithdrawClinicalObservation', kind, reason: ' mauvais dossier ' })
          .thenEmits([
            { type: 'ClinicalObservationWithdrawn', data: { observationId, reason: 'mauvais dossier', kind } },
          ]);
      }
    }
    spec
      .given([received])
      .when({ type: 'WithdrawClinicalObservation', kind: 'duplicate', reason: '' })
      .thenRefuses(refusedWith('OBSERVATION_WITHDRAWAL_REASON_REQUIRED'));
    spec
      .given([received])
      .when({ type: 'WithdrawClinicalObservation', kind: 'misfiled' as never, reason: 'erreur' })
      .thenRefuses(refusedWith('OBSERVATION_WITHDRAWAL_KIND_REQUIRED'));
    const withdrawn: ClinicalObservationEvent = {
      type: 'ClinicalObservationWithdrawn',
      data: { observationId, reason: 'doublon' },
    };
    spec
      .given([recorded, withdrawn])
      .when({ type: 'WithdrawClinicalObservation', kind: 'other', reason: 'encore' })
      .thenRefuses(refusedWith('OBSERVATION_WITHDRAWN'));
    spec
      .given([recorded, withdrawn])
      .when({ type: 'AmendClinicalObservation', profession: 'doctor', reason: 'dose', text: 'autre' })
      .thenRefuses(refusedWith('OBSERVATION_WITHDRAWN'));
  });

  it('emits events that match their schemas, in a stream per observation', () => {
    clinicalObservationEventSchemas.ClinicalObservationRecorded.parse(byDoctor);
    clinicalObservationEventSchemas.ExternalObservationReceived.parse(letter);
    clinicalObservationEventSchemas.ClinicalObservationAmended.parse({ observationId, reason: 'dose', text: 'x' });
    clinicalObservationEventSchemas.ClinicalObservationWithdrawn.parse({ observationId, reason: 'doublon' });
    clinicalObservationEventSchemas.ClinicalObservationWithdrawn.parse({
      observationId,
      reason: 'x',
      kind: 'wrong-record',
    });
    assert.throws(() =>
      clinicalObservationEventSchemas.ClinicalObservationWithdrawn.parse({ observationId, reason: 'x', kind: 'lost' }),
    );
    assert.throws(() =>
      clinicalObservationEventSchemas.ExternalObservationReceived.parse({
        ...letter,
        source: { ...letter.source, channel: 'fax' },
      }),
    );
    assert.equal(clinicalObservationStreamId('og/1', observationId), `clinical-observation/og%2F1/${observationId}`);
  });

  it('keeps nothing of a forgotten usager', () => {
    const erased: ClinicalObservationEvent[] = [
      { type: 'ExternalObservationReceived', data: { $erased: true } },
      { type: 'ClinicalObservationWithdrawn', data: { $erased: true } },
    ];
    const state = foldEvents(clinicalObservationDecider, erased);
    assert.ok(state.status === 'withdrawn');
    assert.equal(state.origin, 'external');
    assert.equal(state.text, undefined);
    spec
      .given([{ type: 'ClinicalObservationRecorded', data: { $erased: true } }])
      .when({ type: 'WithdrawClinicalObservation', kind: 'duplicate', reason: 'doublon' })
      .thenRefuses(refusedWith('OBSERVATION_ERASED'));
  });

  it('whatever the commands, a received document keeps its text, and nothing follows a withdrawal', () => {
    const command: fc.Arbitrary<ClinicalObservationCommand> = fc.oneof(
      fc.record({
        type: fc.constant('AmendClinicalObservation' as const),
        profession: fc.constantFrom(...ROLES),
        reason: fc.constantFrom('dose', ' '),
        text: fc.constantFrom('A', 'B', ' '),
      }),
      fc.record({
        type: fc.constant('WithdrawClinicalObservation' as const),
        kind: fc.constantFrom(...OBSERVATION_WITHDRAWAL_KINDS),
        reason: fc.constantFrom('doublon', ''),
      }),
    );
    fc.assert(
      fc.property(fc.constantFrom(recorded, received), fc.array(command, { maxLength: 15 }), (first, commands) => {
        let observation: ClinicalObservation = foldEvents(clinicalObservationDecider, [first]);
        let amended = 0;
        let withdrawn = false;
        for (const next of commands) {
          let events: ClinicalObservationEvent[];
          try {
            events = [clinicalObservationDecider.decide(next, observation)].flat();
          } catch (error) {
            assert.ok(error instanceof DomainRuleViolation);
            continue;
          }
          assert.ok(!withdrawn, 'an event after the withdrawal');
          for (const event of events) {
            clinicalObservationEventSchemas[event.type].parse(event.data);
            if (event.type === 'ClinicalObservationAmended') amended += 1;
            if (event.type === 'ClinicalObservationWithdrawn') withdrawn = true;
            observation = clinicalObservationDecider.evolve(observation, event);
          }
        }
        assert.ok(observation.status !== 'none');
        assert.equal(observation.amendments, amended);
        if (first === received) {
          assert.equal(amended, 0);
          assert.equal(observation.text, letter.text);
        }
      }),
      { numRuns: 300 },
    );
  });
});
