import {
  type AttendanceCommand,
  type AttendanceEvent,
  attendanceDecider,
  attendanceStreamId,
  DomainRuleViolation,
} from '@dui-pds/domain';
import { expect } from 'chai';
import fc from 'fast-check';
import { erased, type GivenEvent, ProjectionSpecification } from '../testing/projection-specification.js';
import { attendanceProjection } from './attendance-projection.js';
import { attendanceSheet } from './attendance-sheet-query.js';

const organisationId = 'og-1';
const csapa = '750000001';
const day = '2025-03-31';
const accompaniments = {
  'usager-1': '0195f0a0-0000-7000-8000-0000000000c1',
  'usager-2': '0195f0a0-0000-7000-8000-0000000000c2',
  'usager-3': '0195f0a0-0000-7000-8000-0000000000c3',
} as const;
type Usager = keyof typeof accompaniments;
/** One attendance id per usager and day, e.g. `0195f0a0-0000-7000-8000-120250331000`. */
const attendanceIdOf = (serviceUserId: Usager, date = day) =>
  `0195f0a0-0000-7000-8000-${serviceUserId.slice(-1)}${date.replaceAll('-', '')}000`;

/** A day's events as the store would hold them. */
function stream(serviceUserId: Usager, events: AttendanceEvent[], date = day): GivenEvent[] {
  return events.map((event) => ({
    type: event.type,
    data: event.data,
    streamId: attendanceStreamId(organisationId, accompaniments[serviceUserId], date),
    metadata: { organisationId, facilityId: csapa, serviceUserId },
  }));
}
const where = (serviceUserId: Usager, date = day) => ({
  attendanceId: attendanceIdOf(serviceUserId, date),
  serviceUserId,
  facilityId: csapa,
  day: date,
});
const presence = (serviceUserId: Usager, date = day): AttendanceEvent => ({
  type: 'PresenceRecorded',
  data: { ...where(serviceUserId, date), arrivedAt: '09:15', leftAt: '11:30', planned: true },
});
const absence = (serviceUserId: Usager, justified: boolean, date = day): AttendanceEvent => ({
  type: 'AbsenceRecorded',
  data: {
    ...where(serviceUserId, date),
    planned: false,
    justified,
    ...(justified ? { reason: 'hospitalisation' } : {}),
  },
});
const row = (serviceUserId: Usager) => ({
  organisation_id: organisationId,
  facility_id: csapa,
  service_user_id: serviceUserId,
  day,
  accompaniment_id: accompaniments[serviceUserId],
  attendance_id: attendanceIdOf(serviceUserId),
});

describe('the attendance projection', () => {
  const spec = ProjectionSpecification.for(attendanceProjection);
  after(() => spec.close());

  it('keeps each day’s presence or absence, as last corrected, with its revision', () =>
    spec
      .given([
        ...stream('usager-1', [
          presence('usager-1'),
          {
            type: 'AttendanceCorrected',
            data: {
              attendanceId: attendanceIdOf('usager-1'),
              reason: 'erreur de saisie',
              attendance: { status: 'absent', planned: true, justified: true, reason: 'rendez-vous à l’hôpital' },
            },
          },
        ]),
        ...stream('usager-2', [absence('usager-2', false)]),
        ...stream('usager-3', [presence('usager-3')]),
      ])
      .thenTable('days', [
        {
          ...row('usager-1'),
          status: 'absent',
          planned: true,
          justified: true,
          reason: 'rendez-vous à l’hôpital',
          arrived_at: null,
          left_at: null,
          revision: 1,
        },
        {
          ...row('usager-2'),
          status: 'absent',
          planned: false,
          justified: false,
          reason: null,
          arrived_at: null,
          left_at: null,
          revision: 0,
        },
        {
          ...row('usager-3'),
          status: 'present',
          planned: true,
          justified: null,
          reason: null,
          arrived_at: '09:15',
          left_at: '11:30',
          revision: 0,
        },
      ]));

  it('drops a forgotten usager’s days, and leaves the others’', () =>
    spec
      .given([
        ...stream('usager-1', [
          presence('usager-1'),
          {
            type: 'AttendanceCorrected',
            data: {
              attendanceId: attendanceIdOf('usager-1'),
              reason: 'heure corrigée',
              attendance: { status: 'present', arrivedAt: '10:00', planned: true },
            },
          },
        ]).map((event) => erased(event)),
        ...stream('usager-2', [absence('usager-2', true)]),
      ])
      .thenTable('days', [
        {
          ...row('usager-2'),
          status: 'absent',
          planned: false,
          justified: true,
          reason: 'hospitalisation',
          arrived_at: null,
          left_at: null,
          revision: 0,
        },
      ]));

  it('reads the daily sheet of one ESSMS: one line per usager, by usager, with its counts', async () => {
    const schema = await spec.modelAfter([
      ...stream('usager-3', [presence('usager-3')]),
      ...stream('usager-1', [absence('usager-1', true)]),
      ...stream('usager-2', [absence('usager-2', false)]),
      ...stream('usager-2', [presence('usager-2', '2025-04-01')], '2025-04-01'),
    ]);
    const sheet = await attendanceSheet(spec.db, schema, { organisationId, facilityId: csapa, day });
    expect(sheet.lines.map(({ serviceUserId, status, justified }) => [serviceUserId, status, justified])).to.deep.equal(
      [
        ['usager-1', 'absent', true],
        ['usager-2', 'absent', false],
        ['usager-3', 'present', null],
      ],
    );
    expect(sheet.lines[2]).to.include({ arrivedAt: '09:15', leftAt: '11:30', planned: true, revision: 0 });
    expect(sheet.counts).to.deep.equal({ present: 1, absentJustified: 1, absentUnjustified: 1 });
    const next = await attendanceSheet(spec.db, schema, { organisationId, facilityId: csapa, day: '2025-04-01' });
    expect(next.counts).to.deep.equal({ present: 1, absentJustified: 0, absentUnjustified: 0 });
    expect(
      (await attendanceSheet(spec.db, schema, { organisationId: 'og-2', facilityId: csapa, day })).lines,
    ).to.deep.equal([]);
    expect(
      (await attendanceSheet(spec.db, schema, { organisationId, facilityId: '750000002', day })).lines,
    ).to.deep.equal([]);
  });

  it('never shows a usager both present and absent on a sheet, after any sequence of commands', async () => {
    const usagers: Usager[] = ['usager-1', 'usager-2'];
    const days = ['2025-03-31', '2025-04-01'];
    const details = fc.oneof(
      fc.record({ status: fc.constant('present' as const), planned: fc.boolean() }),
      fc.record({ status: fc.constant('absent' as const), planned: fc.boolean(), justified: fc.boolean() }),
    );
    const step = fc.record({
      usager: fc.constantFrom(...usagers),
      date: fc.constantFrom(...days),
      kind: fc.constantFrom('presence', 'absence', 'correction'),
      details,
    });
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 25, size: 'max' }), async (steps) => {
        const states = new Map<string, ReturnType<typeof attendanceDecider.initialState>>();
        const expected = new Map<string, string>();
        const given: GivenEvent[] = [];
        for (const { usager, date, kind, details: d } of steps) {
          const key = `${usager}|${date}`;
          const place = where(usager, date);
          const withReason = d.status === 'absent' && d.justified ? { ...d, reason: 'motif' } : d;
          const command: AttendanceCommand =
            kind === 'presence'
              ? { type: 'RecordPresence', ...place, planned: d.planned }
              : kind === 'absence'
                ? { type: 'RecordAbsence', ...place, planned: d.planned, justified: false }
                : {
                    type: 'CorrectAttendance',
                    attendanceId: place.attendanceId,
                    reason: 'correction',
                    attendance: withReason,
                  };
          const state = states.get(key) ?? attendanceDecider.initialState();
          let events: readonly AttendanceEvent[];
          try {
            events = [attendanceDecider.decide(command, state)].flat();
          } catch (error) {
            if (error instanceof DomainRuleViolation) continue;
            throw error;
          }
          states.set(key, events.reduce(attendanceDecider.evolve, state));
          for (const event of events) {
            const status =
              event.type === 'AttendanceCorrected'
                ? (event.data as { attendance: { status: string } }).attendance.status
                : event.type === 'PresenceRecorded'
                  ? 'present'
                  : 'absent';
            expected.set(key, status);
          }
          given.push(...stream(usager, [...events], date));
        }
        const schema = await spec.modelAfter(given);
        for (const date of days) {
          const sheet = await attendanceSheet(spec.db, schema, { organisationId, facilityId: csapa, day: date });
          const listed = sheet.lines.map((line) => line.serviceUserId);
          expect(new Set(listed).size, 'one line per usager').to.equal(listed.length);
          expect(Object.fromEntries(sheet.lines.map((line) => [line.serviceUserId, line.status]))).to.deep.equal(
            Object.fromEntries(
              usagers.flatMap((usager) => {
                const status = expected.get(`${usager}|${date}`);
                return status ? [[usager, status]] : [];
              }),
            ),
          );
          const { present, absentJustified, absentUnjustified } = sheet.counts;
          expect(present + absentJustified + absentUnjustified).to.equal(sheet.lines.length);
        }
      }),
      { numRuns: 25 },
    );
  });
});
