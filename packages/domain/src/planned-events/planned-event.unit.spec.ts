import assert from 'node:assert/strict';
import fc from 'fast-check';
import { foldEvents } from '../decider.js';
import { DomainRuleViolation } from '../errors.js';
import { DeciderSpecification } from '../testing/index.js';
import {
  type EventParticipant,
  type PlannedEvent,
  type PlannedEventCommand,
  type PlannedEventEvent,
  type PlannedEventKind,
  type PlannedEventScheduled,
  participantKey,
  participantsOf,
  plannedEventDecider,
  plannedEventEventSchemas,
  plannedEventStreamId,
  plannedEventSubject,
} from './planned-event.js';

const spec = DeciderSpecification.for(plannedEventDecider);
const plannedEventId = '0195f0a0-0000-7000-8000-0000000000e1';
const now = '2026-11-20T09:00:00+01:00';
const later = '2026-12-01T15:00:00+01:00';
const outing: PlannedEventScheduled = {
  plannedEventId,
  facilityId: '750000001',
  kind: 'outing',
  title: 'Sortie au musée',
  startsAt: '2026-12-01T14:00:00+01:00',
  endsAt: '2026-12-01T17:00:00+01:00',
  place: 'Musée des Confluences',
  organiserId: 'pro-educ',
  serviceUserIds: ['usager-1', 'usager-2'],
  professionalIds: ['pro-infirmier'],
  partners: ['Association Culture du cœur'],
};
const scheduled: PlannedEventEvent = { type: 'PlannedEventScheduled', data: outing };
const held: PlannedEventEvent = { type: 'PlannedEventHeld', data: { plannedEventId } };
const usager1: EventParticipant = { kind: 'usager', serviceUserId: 'usager-1' };
const refusedWith = (code: string) => (error: Error) => error instanceof DomainRuleViolation && error.code === code;
const schedule = (
  data: Partial<PlannedEventScheduled> = {},
): Extract<PlannedEventCommand, { type: 'SchedulePlannedEvent' }> => ({
  type: 'SchedulePlannedEvent',
  now,
  ...outing,
  ...data,
});

describe('a planned event (appointment, collective activity, outing)', () => {
  describe('planning', () => {
    it('plans an event with its participants, folding duplicates and the organiser, trimming partners', () => {
      spec
        .given([])
        .when(
          schedule({
            title: '  Sortie au musée ',
            serviceUserIds: ['usager-1', 'usager-2', 'usager-1'],
            professionalIds: ['pro-infirmier', 'pro-educ', 'pro-infirmier'],
            partners: [' Association Culture du cœur ', '', 'Association Culture du cœur'],
          }),
        )
        .thenEmits([scheduled]);
      spec.given([scheduled]).when(schedule()).thenRefuses(refusedWith('PLANNED_EVENT_ALREADY_SCHEDULED'));
    });

    it('refuses an end before the start, an event already over, one longer than 14 days, a blank title', () => {
      spec
        .given([])
        .when(schedule({ endsAt: outing.startsAt }))
        .thenRefuses(refusedWith('PLANNED_EVENT_ENDS_BEFORE_START'));
      spec
        .given([])
        .when(schedule({ startsAt: '2026-11-19T10:00:00+01:00', endsAt: '2026-11-20T09:00:00+01:00' }))
        .thenRefuses(refusedWith('PLANNED_EVENT_IN_THE_PAST'));
      spec
        .given([])
        .when(schedule({ startsAt: '2026-11-20T08:00:00+01:00', endsAt: '2026-11-20T10:00:00+01:00' }))
        .thenEmits([
          {
            type: 'PlannedEventScheduled',
            data: { ...outing, startsAt: '2026-11-20T08:00:00+01:00', endsAt: '2026-11-20T10:00:00+01:00' },
          },
        ]);
      spec
        .given([])
        .when(schedule({ endsAt: '2026-12-15T14:00:01+01:00' }))
        .thenRefuses(refusedWith('PLANNED_EVENT_TOO_LONG'));
      spec
        .given([])
        .when(schedule({ title: '  ' }))
        .thenRefuses(refusedWith('PLANNED_EVENT_TITLE_REQUIRED'));
      spec
        .given([])
        .when(schedule({ startsAt: 'demain' }))
        .thenRefuses(refusedWith('PLANNED_EVENT_TIME_INVALID'));
    });

    it('asks for a participant besides the organiser, and exactly one usager for an appointment', () => {
      spec
        .given([])
        .when(schedule({ serviceUserIds: [], professionalIds: ['pro-educ'], partners: [] }))
        .thenRefuses(refusedWith('PLANNED_EVENT_WITHOUT_PARTICIPANT'));
      spec
        .given([])
        .when(schedule({ kind: 'appointment' }))
        .thenRefuses(refusedWith('APPOINTMENT_NEEDS_ONE_USAGER'));
      spec
        .given([])
        .when(schedule({ kind: 'appointment', serviceUserIds: [], professionalIds: [], partners: ['CMP'] }))
        .thenRefuses(refusedWith('APPOINTMENT_NEEDS_ONE_USAGER'));
      const appointment = {
        ...outing,
        kind: 'appointment' as const,
        serviceUserIds: ['usager-1'],
        professionalIds: [],
        partners: [],
        accompanimentId: 'acc-1',
      };
      spec
        .given([])
        .when({ type: 'SchedulePlannedEvent', now, ...appointment })
        .thenEmits([{ type: 'PlannedEventScheduled', data: appointment }]);
    });

    it('links to an accompaniment only an event of exactly one usager', () => {
      spec
        .given([])
        .when(schedule({ accompanimentId: 'acc-1' }))
        .thenRefuses(refusedWith('ACCOMPANIMENT_LINK_NEEDS_ONE_USAGER'));
      spec
        .given([])
        .when(schedule({ serviceUserIds: ['usager-1'], accompanimentId: 'acc-1' }))
        .thenEmits([
          {
            type: 'PlannedEventScheduled',
            data: { ...outing, serviceUserIds: ['usager-1'], accompanimentId: 'acc-1' },
          },
        ]);
    });

    it('encrypts an appointment with its usager’s key, a collective event with nobody’s', () => {
      assert.equal(plannedEventSubject({ kind: 'appointment', serviceUserIds: ['usager-1'] }), 'usager-1');
      assert.equal(plannedEventSubject({ kind: 'collective-activity', serviceUserIds: ['usager-1'] }), undefined);
      assert.equal(plannedEventSubject(outing), undefined);
    });
  });

  describe('rescheduling and cancelling', () => {
    it('reschedules ahead, keeping the place unless a new one is given, with the previous times', () => {
      spec
        .given([scheduled])
        .when({
          type: 'ReschedulePlannedEvent',
          startsAt: '2026-12-02T14:00:00+01:00',
          endsAt: '2026-12-02T17:00:00+01:00',
          reason: ' grève des transports ',
          now,
        })
        .thenEmits([
          {
            type: 'PlannedEventRescheduled',
            data: {
              plannedEventId,
              previousStartsAt: outing.startsAt,
              previousEndsAt: outing.endsAt,
              startsAt: '2026-12-02T14:00:00+01:00',
              endsAt: '2026-12-02T17:00:00+01:00',
              reason: 'grève des transports',
            },
          },
        ]);
      spec
        .given([scheduled])
        .when({ type: 'ReschedulePlannedEvent', startsAt: outing.startsAt, endsAt: outing.endsAt, place: 'Parc', now })
        .thenEmits([
          {
            type: 'PlannedEventRescheduled',
            data: {
              plannedEventId,
              previousStartsAt: outing.startsAt,
              previousEndsAt: outing.endsAt,
              startsAt: outing.startsAt,
              endsAt: outing.endsAt,
              place: 'Parc',
            },
          },
        ]);
      spec
        .given([scheduled])
        .when({
          type: 'ReschedulePlannedEvent',
          startsAt: '2026-12-01T13:00:00Z',
          endsAt: '2026-12-01T16:00:00Z',
          place: outing.place,
          now,
        })
        .thenRefuses(refusedWith('PLANNED_EVENT_RESCHEDULING_CHANGES_NOTHING'));
      spec
        .given([scheduled])
        .when({
          type: 'ReschedulePlannedEvent',
          startsAt: '2026-11-01T14:00:00+01:00',
          endsAt: '2026-11-01T17:00:00+01:00',
          now,
        })
        .thenRefuses(refusedWith('PLANNED_EVENT_IN_THE_PAST'));
    });

    it('cancels with a reason, and then refuses everything but reading', () => {
      const cancelled: PlannedEventEvent = {
        type: 'PlannedEventCancelled',
        data: { plannedEventId, reason: 'Musée fermé' },
      };
      spec.given([scheduled]).when({ type: 'CancelPlannedEvent', reason: ' Musée fermé ' }).thenEmits([cancelled]);
      spec
        .given([scheduled])
        .when({ type: 'CancelPlannedEvent', reason: ' ' })
        .thenRefuses(refusedWith('PLANNED_EVENT_CANCELLATION_REASON_REQUIRED'));
      spec
        .given([scheduled, cancelled])
        .when({ type: 'RecordPlannedEventHeld', now: later })
        .thenRefuses(refusedWith('PLANNED_EVENT_CLOSED'));
      spec
        .given([scheduled, cancelled])
        .when({ type: 'RecordPlannedEventAttendance', participant: usager1, attendance: { status: 'present' } })
        .thenRefuses(refusedWith('PLANNED_EVENT_NOT_HELD'));
      spec
        .given([])
        .when({ type: 'CancelPlannedEvent', reason: 'doublon' })
        .thenRefuses(refusedWith('PLANNED_EVENT_NOT_FOUND'));
    });
  });

  describe('holding it and the presences at it', () => {
    it('says it was held once it has started, not before, and only once', () => {
      spec.given([scheduled]).when({ type: 'RecordPlannedEventHeld', now: later }).thenEmits([held]);
      spec
        .given([scheduled])
        .when({ type: 'RecordPlannedEventHeld', now })
        .thenRefuses(refusedWith('PLANNED_EVENT_NOT_YET_STARTED'));
      spec
        .given([scheduled, held])
        .when({ type: 'RecordPlannedEventHeld', now: later })
        .thenRefuses(refusedWith('PLANNED_EVENT_CLOSED'));
    });

    it('records the presence or absence of each participant, the organiser and partners included', () => {
      for (const participant of [
        usager1,
        { kind: 'professional', professionalId: 'pro-educ' },
        { kind: 'partner', name: 'Association Culture du cœur' },
      ] as EventParticipant[]) {
        spec
          .given([scheduled, held])
          .when({ type: 'RecordPlannedEventAttendance', participant, attendance: { status: 'present' } })
          .thenEmits([
            {
              type: 'PlannedEventAttendanceRecorded',
              data: { plannedEventId, participant, attendance: { status: 'present' } },
            },
          ]);
      }
      spec
        .given([scheduled, held])
        .when({
          type: 'RecordPlannedEventAttendance',
          participant: { kind: 'usager', serviceUserId: 'usager-2' },
          attendance: { status: 'absent', justified: true, reason: ' hospitalisé ' },
        })
        .thenEmits([
          {
            type: 'PlannedEventAttendanceRecorded',
            data: {
              plannedEventId,
              participant: { kind: 'usager', serviceUserId: 'usager-2' },
              attendance: { status: 'absent', justified: true, reason: 'hospitalisé' },
            },
          },
        ]);
    });

    it('refuses a presence before the event was held, of a stranger, a justified absence without reason', () => {
      spec
        .given([scheduled])
        .when({ type: 'RecordPlannedEventAttendance', participant: usager1, attendance: { status: 'present' } })
        .thenRefuses(refusedWith('PLANNED_EVENT_NOT_HELD'));
      spec
        .given([scheduled, held])
        .when({
          type: 'RecordPlannedEventAttendance',
          participant: { kind: 'usager', serviceUserId: 'usager-3' },
          attendance: { status: 'present' },
        })
        .thenRefuses(refusedWith('NOT_A_PARTICIPANT'));
      spec
        .given([scheduled, held])
        .when({
          type: 'RecordPlannedEventAttendance',
          participant: usager1,
          attendance: { status: 'absent', justified: true },
        })
        .thenRefuses(refusedWith('JUSTIFIED_ABSENCE_NEEDS_REASON'));
    });

    it('corrects a presence already recorded only with a reason, and only if it changes', () => {
      const present: PlannedEventEvent = {
        type: 'PlannedEventAttendanceRecorded',
        data: { plannedEventId, participant: usager1, attendance: { status: 'present' } },
      };
      const absent = { status: 'absent', justified: false, reason: 'parti avant le départ' } as const;
      spec
        .given([scheduled, held, present])
        .when({ type: 'RecordPlannedEventAttendance', participant: usager1, attendance: absent })
        .thenRefuses(refusedWith('ATTENDANCE_CORRECTION_REASON_REQUIRED'));
      spec
        .given([scheduled, held, present])
        .when({
          type: 'RecordPlannedEventAttendance',
          participant: usager1,
          attendance: { status: 'present' },
          correctionReason: 'erreur de saisie',
        })
        .thenRefuses(refusedWith('ATTENDANCE_CORRECTION_CHANGES_NOTHING'));
      spec
        .given([scheduled, held, present])
        .when({
          type: 'RecordPlannedEventAttendance',
          participant: usager1,
          attendance: absent,
          correctionReason: ' erreur de saisie ',
        })
        .thenEmits([
          {
            type: 'PlannedEventAttendanceCorrected',
            data: { plannedEventId, participant: usager1, attendance: absent, correctionReason: 'erreur de saisie' },
          },
        ]);
    });
  });

  describe('a forgotten usager', () => {
    it('leaves an appointment that refuses every command', () => {
      const state = foldEvents(plannedEventDecider, [
        { type: 'PlannedEventScheduled', data: { $erased: true, serviceUserId: 'usager-1' } },
      ]);
      assert.deepEqual(state, { status: 'erased' });
      spec
        .given([{ type: 'PlannedEventScheduled', data: { $erased: true } }])
        .when({ type: 'CancelPlannedEvent', reason: 'décès' })
        .thenRefuses(refusedWith('PLANNED_EVENT_ERASED'));
    });

    it('takes their presence at a collective event with them, and leaves the others’', () => {
      const state = foldEvents(plannedEventDecider, [
        scheduled,
        held,
        {
          type: 'PlannedEventAttendanceRecorded',
          data: {
            plannedEventId,
            participant: { kind: 'usager', serviceUserId: 'usager-2' },
            attendance: { status: 'present' },
          },
        },
        { type: 'PlannedEventAttendanceRecorded', data: { $erased: true, serviceUserId: 'usager-1' } },
      ]);
      assert.ok(state.status === 'held');
      assert.deepEqual(state.attendances, { 'usager:usager-2': { status: 'present' } });
    });
  });

  it('emits events that match their schemas, and names one stream per event', () => {
    const events = [
      scheduled,
      held,
      { type: 'PlannedEventCancelled', data: { plannedEventId, reason: 'pluie' } },
      {
        type: 'PlannedEventRescheduled',
        data: {
          plannedEventId,
          previousStartsAt: outing.startsAt,
          previousEndsAt: outing.endsAt,
          startsAt: later,
          endsAt: '2026-12-01T18:00:00+01:00',
        },
      },
      {
        type: 'PlannedEventAttendanceCorrected',
        data: { plannedEventId, participant: usager1, attendance: { status: 'present' }, correctionReason: 'oubli' },
      },
    ] as const;
    for (const event of events) plannedEventEventSchemas[event.type].parse(event.data);
    assert.equal(plannedEventStreamId('og/1', plannedEventId), `planned-event/og%2F1/${plannedEventId}`);
  });

  describe('whatever the commands, in any order', () => {
    const participants: EventParticipant[] = [
      usager1,
      { kind: 'usager', serviceUserId: 'usager-2' },
      { kind: 'usager', serviceUserId: 'usager-9' },
      { kind: 'professional', professionalId: 'pro-educ' },
      { kind: 'professional', professionalId: 'pro-infirmier' },
      { kind: 'partner', name: 'Association Culture du cœur' },
      { kind: 'partner', name: 'inconnu' },
    ];
    const minute = 60_000;
    const base = Date.parse('2026-12-01T13:00:00Z');
    const at = (minutes: number) => new Date(base + minutes * minute).toISOString();
    const anyCommand: fc.Arbitrary<PlannedEventCommand> = fc.oneof(
      fc
        .record({
          kind: fc.constantFrom<PlannedEventKind>('appointment', 'collective-activity', 'outing'),
          usagers: fc.subarray(['usager-1', 'usager-2']),
          start: fc.integer({ min: -600, max: 600 }),
          length: fc.integer({ min: -60, max: 600 }),
          now: fc.integer({ min: -600, max: 600 }),
        })
        .map(
          ({ kind, usagers, start, length, now: moment }): PlannedEventCommand => ({
            ...schedule({ kind, serviceUserIds: usagers }),
            startsAt: at(start),
            endsAt: at(start + length),
            now: at(moment),
          }),
        ),
      fc.record({ start: fc.integer({ min: -600, max: 600 }), length: fc.integer({ min: -60, max: 600 }) }).map(
        ({ start, length }): PlannedEventCommand => ({
          type: 'ReschedulePlannedEvent',
          startsAt: at(start),
          endsAt: at(start + length),
          now: at(0),
        }),
      ),
      fc.constantFrom<PlannedEventCommand>(
        { type: 'CancelPlannedEvent', reason: 'pluie' },
        { type: 'RecordPlannedEventHeld', now: at(0) },
        { type: 'RecordPlannedEventHeld', now: at(900) },
      ),
      fc
        .record({
          participant: fc.constantFrom(...participants),
          present: fc.boolean(),
          correction: fc.option(fc.constant('erreur')),
        })
        .map(
          ({ participant, present, correction }): PlannedEventCommand => ({
            type: 'RecordPlannedEventAttendance',
            participant,
            attendance: present ? { status: 'present' } : { status: 'absent', justified: false },
            ...(correction === null ? {} : { correctionReason: correction }),
          }),
        ),
    );

    it('keeps an end after the start, presences of participants only once held, and held or cancelled final', () => {
      fc.assert(
        fc.property(fc.array(anyCommand, { maxLength: 25, size: 'max' }), (commands) => {
          let state: PlannedEvent = plannedEventDecider.initialState();
          for (const command of commands) {
            const before = state;
            let events: readonly PlannedEventEvent[];
            try {
              events = [plannedEventDecider.decide(command, state)].flat();
            } catch (error) {
              assert.ok(error instanceof DomainRuleViolation, String(error));
              continue;
            }
            for (const event of events) plannedEventEventSchemas[event.type].parse(event.data);
            state = events.reduce(plannedEventDecider.evolve, state);
            if (state.status === 'none' || state.status === 'erased') assert.fail('a decided event exists');
            assert.ok(Date.parse(state.endsAt) > Date.parse(state.startsAt));
            if (state.kind === 'appointment') assert.equal(state.serviceUserIds.length, 1);
            const keys = new Set(participantsOf(state).map(participantKey));
            assert.equal(keys.size, participantsOf(state).length, 'no participant twice');
            for (const key of Object.keys(state.attendances)) assert.ok(keys.has(key), `${key} takes part`);
            if (Object.keys(state.attendances).length > 0) assert.equal(state.status, 'held');
            if (before.status === 'held' || before.status === 'cancelled') assert.equal(state.status, before.status);
          }
        }),
        { numRuns: 1_000 },
      );
    });
  });
});
