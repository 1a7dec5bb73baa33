import assert from 'node:assert/strict';
import fc from 'fast-check';
import { foldEvents } from '../decider.js';
import { DomainRuleViolation } from '../errors.js';
import { DeciderSpecification } from '../testing/index.js';
import {
  type PsychologistAppointment,
  type PsychologistAppointmentCommand,
  type PsychologistAppointmentEvent,
  type PsychologistAppointmentPlanned,
  psychologistAppointmentDecider,
  psychologistAppointmentEventSchemas,
  psychologistAppointmentStreamId,
} from './psychologist-appointment.js';

const spec = DeciderSpecification.for(psychologistAppointmentDecider);
const refusedWith = (code: string) => (error: Error) => error instanceof DomainRuleViolation && error.code === code;
const appointmentId = '0195f0a0-0000-7000-8000-0000000000d1';
const now = '2026-03-10T12:00:00+01:00';
const later = (minutes: number, from = now) => new Date(Date.parse(from) + minutes * 60_000).toISOString();
const plannedData: PsychologistAppointmentPlanned = {
  appointmentId,
  serviceUserId: 'usager-1',
  facilityId: '750000001',
  psychologistId: 'pro-psy',
  startsAt: '2026-03-12T14:00:00+01:00',
  durationMinutes: 45,
};
const planned: PsychologistAppointmentEvent = { type: 'PsychologistAppointmentPlanned', data: plannedData };
const afterIt = '2026-03-12T15:00:00+01:00';

describe('an appointment with a psychologist', () => {
  it('is planned ahead, for 5 minutes to 8 hours, with an optional place', () => {
    spec
      .given([])
      .when({ type: 'PlanPsychologistAppointment', ...plannedData, location: ' bureau 2 ', now })
      .thenEmits([{ type: 'PsychologistAppointmentPlanned', data: { ...plannedData, location: 'bureau 2' } }]);
    spec
      .given([])
      .when({ type: 'PlanPsychologistAppointment', ...plannedData, location: ' ', now })
      .thenEmits([planned]);
    spec
      .given([])
      .when({ type: 'PlanPsychologistAppointment', ...plannedData, startsAt: '2026-03-10T11:59:00+01:00', now })
      .thenRefuses(refusedWith('APPOINTMENT_IN_THE_PAST'));
    for (const durationMinutes of [0, 4, 481, 30.5]) {
      spec
        .given([])
        .when({ type: 'PlanPsychologistAppointment', ...plannedData, durationMinutes, now })
        .thenRefuses(refusedWith('APPOINTMENT_DURATION_INVALID'));
    }
    spec
      .given([planned])
      .when({ type: 'PlanPsychologistAppointment', ...plannedData, now })
      .thenRefuses(refusedWith('APPOINTMENT_ALREADY_PLANNED'));
  });

  it('is rescheduled ahead, keeping its duration unless told, and says from when', () => {
    spec
      .given([planned])
      .when({
        type: 'ReschedulePsychologistAppointment',
        startsAt: '2026-03-13T10:00:00+01:00',
        reason: ' grève ',
        now,
      })
      .thenEmits([
        {
          type: 'PsychologistAppointmentRescheduled',
          data: {
            appointmentId,
            previousStartsAt: plannedData.startsAt,
            startsAt: '2026-03-13T10:00:00+01:00',
            durationMinutes: 45,
            reason: 'grève',
          },
        },
      ]);
    spec
      .given([planned])
      .when({ type: 'ReschedulePsychologistAppointment', startsAt: '2026-03-12T13:00:00Z', now })
      .thenRefuses(refusedWith('APPOINTMENT_RESCHEDULING_CHANGES_NOTHING'));
    spec
      .given([planned])
      .when({ type: 'ReschedulePsychologistAppointment', startsAt: plannedData.startsAt, durationMinutes: 60, now })
      .thenEmits([
        {
          type: 'PsychologistAppointmentRescheduled',
          data: {
            appointmentId,
            previousStartsAt: plannedData.startsAt,
            startsAt: plannedData.startsAt,
            durationMinutes: 60,
          },
        },
      ]);
    spec
      .given([planned])
      .when({ type: 'ReschedulePsychologistAppointment', startsAt: '2026-03-09T10:00:00+01:00', now })
      .thenRefuses(refusedWith('APPOINTMENT_IN_THE_PAST'));
  });

  it('is cancelled with who asked and why, while planned', () => {
    spec
      .given([planned])
      .when({ type: 'CancelPsychologistAppointment', requestedBy: 'usager', reason: ' hospitalisé ' })
      .thenEmits([
        {
          type: 'PsychologistAppointmentCancelled',
          data: { appointmentId, requestedBy: 'usager', reason: 'hospitalisé' },
        },
      ]);
    spec
      .given([planned])
      .when({ type: 'CancelPsychologistAppointment', requestedBy: 'facility', reason: ' ' })
      .thenRefuses(refusedWith('APPOINTMENT_CANCELLATION_REASON_REQUIRED'));
    spec
      .given([])
      .when({ type: 'CancelPsychologistAppointment', requestedBy: 'usager', reason: 'x' })
      .thenRefuses(refusedWith('APPOINTMENT_NOT_FOUND'));
  });

  it('is held or missed once its time has come, and then closed', () => {
    spec
      .given([planned])
      .when({ type: 'RecordPsychologistAppointmentHeld', now: afterIt })
      .thenEmits([{ type: 'PsychologistAppointmentHeld', data: { appointmentId } }]);
    spec
      .given([planned])
      .when({ type: 'RecordPsychologistAppointmentMissed', now: plannedData.startsAt })
      .thenEmits([{ type: 'PsychologistAppointmentMissed', data: { appointmentId } }]);
    spec
      .given([planned])
      .when({ type: 'RecordPsychologistAppointmentHeld', now })
      .thenRefuses(refusedWith('APPOINTMENT_NOT_YET_DUE'));
    const held: PsychologistAppointmentEvent = { type: 'PsychologistAppointmentHeld', data: { appointmentId } };
    for (const command of [
      { type: 'RecordPsychologistAppointmentMissed', now: afterIt },
      { type: 'CancelPsychologistAppointment', requestedBy: 'usager', reason: 'x' },
      { type: 'ReschedulePsychologistAppointment', startsAt: '2026-03-20T10:00:00+01:00', now: afterIt },
    ] as const) {
      spec.given([planned, held]).when(command).thenRefuses(refusedWith('APPOINTMENT_CLOSED'));
    }
  });

  it('emits events that match their schemas, in a stream per appointment', () => {
    psychologistAppointmentEventSchemas.PsychologistAppointmentPlanned.parse({ ...plannedData, location: 'bureau' });
    psychologistAppointmentEventSchemas.PsychologistAppointmentRescheduled.parse({
      appointmentId,
      previousStartsAt: plannedData.startsAt,
      startsAt: afterIt,
      durationMinutes: 45,
    });
    psychologistAppointmentEventSchemas.PsychologistAppointmentCancelled.parse({
      appointmentId,
      requestedBy: 'psychologist',
      reason: 'congé',
    });
    assert.equal(
      psychologistAppointmentStreamId('og/1', appointmentId),
      `psychologist-appointment/og%2F1/${appointmentId}`,
    );
  });

  it('keeps nothing of a forgotten usager', () => {
    const erased: PsychologistAppointmentEvent[] = [
      { type: 'PsychologistAppointmentPlanned', data: { $erased: true } },
      { type: 'PsychologistAppointmentRescheduled', data: { $erased: true } },
    ];
    const state = foldEvents(psychologistAppointmentDecider, erased);
    assert.ok(state.status === 'planned');
    assert.equal(state.startsAt, undefined);
    assert.equal(state.reschedulings, 1);
    spec
      .given(erased)
      .when({ type: 'CancelPsychologistAppointment', requestedBy: 'usager', reason: 'x' })
      .thenRefuses(refusedWith('APPOINTMENT_ERASED'));
  });

  it('whatever the commands and clock, ends at most once, never before its time, and starts ahead of each planning', () => {
    const step = fc.record({
      /** How far the clock moves forward before the command, in minutes. */
      advance: fc.integer({ min: 0, max: 6_000 }),
      kind: fc.constantFrom('reschedule', 'cancel', 'held', 'missed'),
      /** Where a rescheduling puts the appointment, from the clock. */
      offset: fc.integer({ min: -3_000, max: 6_000 }),
      reason: fc.constantFrom('congé', ' '),
    });
    const commandOf = (kind: string, clock: string, offset: number, reason: string): PsychologistAppointmentCommand => {
      switch (kind) {
        case 'reschedule':
          return { type: 'ReschedulePsychologistAppointment', startsAt: later(offset, clock), now: clock };
        case 'cancel':
          return { type: 'CancelPsychologistAppointment', requestedBy: 'usager', reason };
        case 'held':
          return { type: 'RecordPsychologistAppointmentHeld', now: clock };
        default:
          return { type: 'RecordPsychologistAppointmentMissed', now: clock };
      }
    };
    fc.assert(
      fc.property(fc.array(step, { maxLength: 20, size: 'max' }), (steps) => {
        let appointment: PsychologistAppointment = foldEvents(psychologistAppointmentDecider, [planned]);
        let clock = now;
        let endings = 0;
        for (const { advance, kind, offset, reason } of steps) {
          clock = later(advance, clock);
          let events: PsychologistAppointmentEvent[];
          try {
            events = [
              psychologistAppointmentDecider.decide(commandOf(kind, clock, offset, reason), appointment),
            ].flat();
          } catch (error) {
            assert.ok(error instanceof DomainRuleViolation);
            continue;
          }
          for (const event of events) {
            psychologistAppointmentEventSchemas[event.type].parse(event.data);
            if (event.type === 'PsychologistAppointmentRescheduled' && !('$erased' in event.data)) {
              assert.ok(Date.parse(event.data.startsAt) >= Date.parse(clock), 'rescheduled into the past');
            }
            if (event.type === 'PsychologistAppointmentHeld' || event.type === 'PsychologistAppointmentMissed') {
              assert.ok(appointment.status !== 'none' && appointment.startsAt !== undefined);
              assert.ok(Date.parse(appointment.startsAt) <= Date.parse(clock), 'closed before its time');
            }
            if (event.type !== 'PsychologistAppointmentRescheduled') endings += 1;
            appointment = psychologistAppointmentDecider.evolve(appointment, event);
          }
        }
        assert.ok(endings <= 1, `${endings} endings`);
        assert.equal(appointment.status === 'planned', endings === 0);
      }),
      { numRuns: 500 },
    );
  });
});
