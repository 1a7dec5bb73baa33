import assert from 'node:assert/strict';
import fc from 'fast-check';
import { DomainRuleViolation } from '../errors.js';
import { DeciderSpecification } from '../testing/index.js';
import {
  type AbsenceRecorded,
  type Attendance,
  type AttendanceCommand,
  type AttendanceDetails,
  type AttendanceEvent,
  attendanceDecider,
  attendanceEventSchemas,
  type PresenceRecorded,
} from './attendance.js';

const spec = DeciderSpecification.for(attendanceDecider);
const attendanceId = '0195f0a0-0000-7000-8000-000000000001';
const where = { attendanceId, serviceUserId: 'usager-1', facilityId: '750000001', day: '2025-03-31' };
const presence: PresenceRecorded = { ...where, arrivedAt: '09:15', leftAt: '11:30', planned: true };
const absence: AbsenceRecorded = { ...where, planned: false, justified: true, reason: 'hospitalisation' };
const present: AttendanceEvent = { type: 'PresenceRecorded', data: presence };
const absent: AttendanceEvent = { type: 'AbsenceRecorded', data: absence };
const refusedWith = (code: string) => (error: Error) => error instanceof DomainRuleViolation && error.code === code;

describe('the attendance of a usager, one day in one ESSMS', () => {
  it('records a presence once, with its times', () => {
    spec
      .given([])
      .when({ type: 'RecordPresence', ...presence })
      .thenEmits([present]);
    spec
      .given([])
      .when({ type: 'RecordPresence', ...where, planned: false })
      .thenEmits([{ type: 'PresenceRecorded', data: { ...where, planned: false } }]);
    spec
      .given([present])
      .when({ type: 'RecordPresence', ...presence })
      .thenRefuses(refusedWith('ATTENDANCE_ALREADY_RECORDED'));
  });

  it('refuses a departure before the arrival', () => {
    spec
      .given([])
      .when({ type: 'RecordPresence', ...where, arrivedAt: '14:00', leftAt: '13:59', planned: false })
      .thenRefuses(refusedWith('LEFT_BEFORE_ARRIVAL'));
  });

  it('records an absence, justified only with a reason', () => {
    spec
      .given([])
      .when({ type: 'RecordAbsence', ...absence, reason: '  hospitalisation ' })
      .thenEmits([absent]);
    spec
      .given([])
      .when({ type: 'RecordAbsence', ...where, planned: false, justified: true, reason: '  ' })
      .thenRefuses(refusedWith('ABSENCE_REASON_REQUIRED'));
    spec
      .given([])
      .when({ type: 'RecordAbsence', ...where, planned: false, justified: false, reason: ' ' })
      .thenEmits([{ type: 'AbsenceRecorded', data: { ...where, planned: false, justified: false } }]);
  });

  it('never holds a presence and an absence the same day, unless corrected', () => {
    spec
      .given([present])
      .when({ type: 'RecordAbsence', ...absence })
      .thenRefuses(refusedWith('PRESENCE_AND_ABSENCE_SAME_DAY'));
    spec
      .given([absent])
      .when({ type: 'RecordPresence', ...presence })
      .thenRefuses(refusedWith('PRESENCE_AND_ABSENCE_SAME_DAY'));
    spec
      .given([present])
      .when({
        type: 'CorrectAttendance',
        attendanceId,
        reason: ' erreur de saisie ',
        attendance: { status: 'absent', planned: false, justified: false },
      })
      .thenEmits([
        {
          type: 'AttendanceCorrected',
          data: {
            attendanceId,
            reason: 'erreur de saisie',
            attendance: { status: 'absent', planned: false, justified: false },
          },
        },
      ]);
  });

  it('corrects only a recorded attendance, with a reason, and records nothing when nothing changes', () => {
    const correction = {
      type: 'CorrectAttendance' as const,
      attendanceId,
      reason: 'heure de départ oubliée',
      attendance: { status: 'present' as const, arrivedAt: '09:15', leftAt: '12:00', planned: true },
    };
    spec.given([]).when(correction).thenRefuses(refusedWith('ATTENDANCE_NOT_FOUND'));
    spec
      .given([present])
      .when({ ...correction, attendanceId: '0195f0a0-0000-7000-8000-000000000002' })
      .thenRefuses(refusedWith('ATTENDANCE_NOT_FOUND'));
    spec
      .given([present])
      .when({ ...correction, reason: ' ' })
      .thenRefuses(refusedWith('CORRECTION_REASON_REQUIRED'));
    spec
      .given([present])
      .when({ ...correction, attendance: { ...correction.attendance, leftAt: '08:00' } })
      .thenRefuses(refusedWith('LEFT_BEFORE_ARRIVAL'));
    spec
      .given([present])
      .when({ ...correction, attendance: { status: 'absent', planned: true, justified: true } })
      .thenRefuses(refusedWith('ABSENCE_REASON_REQUIRED'));
    spec
      .given([present])
      .when({ ...correction, attendance: { status: 'present', arrivedAt: '09:15', leftAt: '11:30', planned: true } })
      .thenNothingHappens();
    spec
      .given([present])
      .when(correction)
      .thenEmits([
        {
          type: 'AttendanceCorrected',
          data: { attendanceId, reason: 'heure de départ oubliée', attendance: correction.attendance },
        },
      ]);
  });

  it('decides nothing more on a forgotten usager’s day', () => {
    spec
      .given([{ type: 'PresenceRecorded', data: { $erased: true } }])
      .when({
        type: 'CorrectAttendance',
        attendanceId,
        reason: 'x',
        attendance: { status: 'absent', planned: false, justified: false },
      })
      .thenRefuses(refusedWith('ATTENDANCE_NOT_FOUND'));
    spec
      .given([{ type: 'PresenceRecorded', data: { $erased: true } }])
      .when({ type: 'RecordAbsence', ...absence })
      .thenRefuses(refusedWith('ATTENDANCE_ALREADY_RECORDED'));
  });

  it('holds at most one attendance a day, whatever the accepted commands, and only data its schemas accept', () => {
    const time = fc
      .tuple(fc.integer({ min: 0, max: 23 }), fc.integer({ min: 0, max: 59 }))
      .map(([h, m]) => `${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}`);
    const optionalTime = fc.option(time, { nil: undefined });
    const why = fc.option(fc.constantFrom('rendez-vous médical', ' ', 'hospitalisation'), { nil: undefined });
    const ids = fc.constantFrom(attendanceId, '0195f0a0-0000-7000-8000-000000000002');
    const details = fc.oneof(
      fc.record({
        status: fc.constant('present' as const),
        arrivedAt: optionalTime,
        leftAt: optionalTime,
        planned: fc.boolean(),
      }),
      fc.record({
        status: fc.constant('absent' as const),
        planned: fc.boolean(),
        justified: fc.boolean(),
        reason: why,
      }),
    );
    const command: fc.Arbitrary<AttendanceCommand> = fc.oneof(
      fc
        .record({ attendanceId: ids, arrivedAt: optionalTime, leftAt: optionalTime, planned: fc.boolean() })
        .map((data) => ({ type: 'RecordPresence' as const, ...where, ...withoutUndefined(data) })),
      fc
        .record({ attendanceId: ids, planned: fc.boolean(), justified: fc.boolean(), reason: why })
        .map((data) => ({ type: 'RecordAbsence' as const, ...where, ...withoutUndefined(data) })),
      fc
        .record({ attendanceId: ids, reason: fc.constantFrom('erreur de saisie', ''), attendance: details })
        .map(({ attendance, ...data }) => ({
          type: 'CorrectAttendance' as const,
          ...data,
          attendance: withoutUndefined(attendance) as AttendanceDetails,
        })),
    );
    fc.assert(
      fc.property(fc.array(command, { maxLength: 20, size: 'max' }), (commands) => {
        let state: Attendance = attendanceDecider.initialState();
        let records = 0;
        let last: string | undefined;
        for (const sent of commands) {
          let events: readonly AttendanceEvent[];
          try {
            events = [attendanceDecider.decide(sent, state)].flat();
          } catch (error) {
            if (error instanceof DomainRuleViolation) continue;
            throw error;
          }
          for (const event of events) {
            attendanceEventSchemas[event.type].parse(event.data);
            if (event.type !== 'AttendanceCorrected') records += 1;
            last =
              event.type === 'AttendanceCorrected'
                ? (event.data as { attendance: { status: string } }).attendance.status
                : event.type === 'PresenceRecorded'
                  ? 'present'
                  : 'absent';
            state = attendanceDecider.evolve(state, event);
          }
        }
        assert.ok(records <= 1, 'a day is recorded once, then only corrected');
        assert.equal(state.status === 'recorded' ? state.attendance?.status : undefined, last);
      }),
    );
  });
});

function withoutUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
