import {
  type PsychologicalAssessmentEvent,
  type PsychologistAppointmentEvent,
  type PsychologistAppointmentPlanned,
  psychologicalAssessmentStreamId,
  psychologistAppointmentStreamId,
} from '@dui-pds/domain';
import { expect } from 'chai';
import { recordNotesProjection } from '../record-notes/record-notes-projection.js';
import { erased, type GivenEvent, ProjectionSpecification } from '../testing/projection-specification.js';
import { psychologyProjection } from './psychology-projection.js';
import {
  psychologicalAssessmentById,
  psychologicalAssessmentsOf,
  psychologistAppointmentById,
  psychologistAppointments,
  psychologistNotesOf,
} from './psychology-queries.js';

const organisationId = 'og-1';
const csapa = '750000001';
const id = (n: number) => `0195f0a0-0000-7000-8000-${String(n).padStart(12, '0')}`;
const metadata = (organisation = organisationId) => ({
  organisationId: organisation,
  facilityId: csapa,
  serviceUserId: 'usager-1',
});

function appointment(appointmentId: string, events: PsychologistAppointmentEvent[], organisation = organisationId) {
  return events.map(
    (event): GivenEvent => ({
      type: event.type,
      data: event.data,
      streamId: psychologistAppointmentStreamId(organisation, appointmentId),
      metadata: metadata(organisation),
    }),
  );
}
function assessment(assessmentId: string, events: PsychologicalAssessmentEvent[]) {
  return events.map(
    (event): GivenEvent => ({
      type: event.type,
      data: event.data,
      streamId: psychologicalAssessmentStreamId(organisationId, assessmentId),
      metadata: metadata(),
    }),
  );
}
const planned = (
  appointmentId: string,
  data: Partial<PsychologistAppointmentPlanned> = {},
): PsychologistAppointmentEvent => ({
  type: 'PsychologistAppointmentPlanned',
  data: {
    appointmentId,
    serviceUserId: 'usager-1',
    facilityId: csapa,
    psychologistId: 'pro-psy',
    startsAt: '2026-03-12T14:00:00+01:00',
    durationMinutes: 45,
    ...data,
  },
});
const bilan: PsychologicalAssessmentEvent = {
  type: 'PsychologicalAssessmentRecorded',
  data: {
    assessmentId: id(10),
    serviceUserId: 'usager-1',
    facilityId: csapa,
    psychologistId: 'pro-psy',
    assessedOn: '2026-03-09',
    tools: ['entretien clinique', 'MoCA'],
    conclusions: 'Troubles attentionnels modérés.',
  },
};

describe('the psychology projection', () => {
  const spec = ProjectionSpecification.for(psychologyProjection);
  after(() => spec.close());

  it('keeps each appointment as it stands: rescheduled, cancelled with who and why, held or missed', () =>
    spec
      .given([
        ...appointment(id(1), [
          planned(id(1), { location: 'bureau 2' }),
          {
            type: 'PsychologistAppointmentRescheduled',
            data: {
              appointmentId: id(1),
              previousStartsAt: '2026-03-12T14:00:00+01:00',
              startsAt: '2026-03-13T00:15:00+01:00',
              durationMinutes: 60,
            },
          },
          { type: 'PsychologistAppointmentHeld', data: { appointmentId: id(1) } },
        ]),
        ...appointment(id(2), [
          planned(id(2)),
          {
            type: 'PsychologistAppointmentCancelled',
            data: { appointmentId: id(2), requestedBy: 'usager', reason: 'hospitalisé' },
          },
        ]),
      ])
      .thenTable('appointments', [
        {
          organisation_id: organisationId,
          appointment_id: id(1),
          facility_id: csapa,
          service_user_id: 'usager-1',
          psychologist_id: 'pro-psy',
          starts_at: '2026-03-13T00:15:00+01:00',
          starts_at_utc: '2026-03-12T23:15:00.000Z',
          starts_on: '2026-03-13',
          duration_minutes: 60,
          location: 'bureau 2',
          status: 'held',
          cancelled_by: null,
          cancel_reason: null,
          reschedulings: 1,
          revision: 2,
        },
        {
          organisation_id: organisationId,
          appointment_id: id(2),
          facility_id: csapa,
          service_user_id: 'usager-1',
          psychologist_id: 'pro-psy',
          starts_at: '2026-03-12T14:00:00+01:00',
          starts_at_utc: '2026-03-12T13:00:00.000Z',
          starts_on: '2026-03-12',
          duration_minutes: 45,
          location: null,
          status: 'cancelled',
          cancelled_by: 'usager',
          cancel_reason: 'hospitalisé',
          reschedulings: 0,
          revision: 1,
        },
      ]));

  it('keeps each assessment with its amendments', async () => {
    const schema = await spec.modelAfter(
      assessment(id(10), [
        bilan,
        {
          type: 'PsychologicalAssessmentAmended',
          data: { assessmentId: id(10), reason: 'outil oublié', tools: ['entretien clinique', 'MoCA', 'BDI-II'] },
        },
      ]),
    );
    expect(await psychologicalAssessmentById(spec.db, schema, { organisationId, assessmentId: id(10) })).to.deep.equal({
      assessmentId: id(10),
      serviceUserId: 'usager-1',
      facilityId: csapa,
      psychologistId: 'pro-psy',
      assessedOn: '2026-03-09',
      tools: ['entretien clinique', 'MoCA', 'BDI-II'],
      conclusions: 'Troubles attentionnels modérés.',
      amendments: 1,
      lastAmendmentReason: 'outil oublié',
      revision: 1,
    });
    expect(
      await psychologicalAssessmentById(spec.db, schema, { organisationId: 'og-2', assessmentId: id(10) }),
    ).to.equal(undefined);
  });

  it('drops a forgotten usager’s appointments and assessments', async () => {
    const schema = await spec.modelAfter(
      [...appointment(id(1), [planned(id(1))]), ...assessment(id(10), [bilan])].map((event) => erased(event)),
    );
    expect(await psychologistAppointmentById(spec.db, schema, { organisationId, appointmentId: id(1) })).to.equal(
      undefined,
    );
    expect(
      await psychologicalAssessmentsOf(spec.db, schema, {
        organisationId,
        serviceUserId: 'usager-1',
        facilityId: csapa,
      }),
    ).to.deep.equal([]);
  });

  it('lists an ESSMS’ appointments soonest first, by usager, psychologist and Paris days', async () => {
    const schema = await spec.modelAfter([
      ...appointment(id(1), [planned(id(1), { startsAt: '2026-03-13T09:00:00+01:00' })]),
      ...appointment(id(2), [planned(id(2), { startsAt: '2026-03-12T09:00:00+01:00', serviceUserId: 'usager-2' })]),
      ...appointment(id(3), [planned(id(3), { startsAt: '2026-03-14T00:30:00+01:00', psychologistId: 'pro-psy-2' })]),
      ...appointment(id(4), [planned(id(4))], 'og-2'),
    ]);
    const where = { organisationId, facilityId: csapa };
    const ids = async (filters: Record<string, string>) =>
      (await psychologistAppointments(spec.db, schema, { ...where, ...filters })).map((a) => a.appointmentId);
    expect(await ids({})).to.deep.equal([id(2), id(1), id(3)]);
    expect(await ids({ serviceUserId: 'usager-1' })).to.deep.equal([id(1), id(3)]);
    expect(await ids({ psychologistId: 'pro-psy' })).to.deep.equal([id(2), id(1)]);
    expect(await ids({ from: '2026-03-13', to: '2026-03-13' })).to.deep.equal([id(1)]);
    expect(await ids({ from: '2026-03-14' })).to.deep.equal([id(3)]);
  });

  it('reads the psychologists’ notes from the record notes model: the psychological ones only', async () => {
    const notes = ProjectionSpecification.for(recordNotesProjection);
    try {
      const note = (n: number, sensitivity: string, text: string): GivenEvent => ({
        type: 'NoteWritten',
        streamId: `record-note/${organisationId}/${id(n)}`,
        data: { noteId: id(n), serviceUserId: 'usager-1', facilityId: csapa, sensitivity, text },
        metadata: {
          ...metadata(),
          actor: { kind: 'professional', id: 'pro-psy', role: 'psychologist' },
          occurredAt: `2026-03-1${n}T10:00:00.000Z`,
        },
      });
      const schema = await notes.modelAfter([
        note(1, 'psychological', 'Alliance thérapeutique installée.'),
        note(2, 'medical', 'TA 12/8'),
        note(3, 'psychological', 'Reprise du travail évoquée.'),
      ]);
      const read = await psychologistNotesOf(notes.db, schema, {
        organisationId,
        serviceUserId: 'usager-1',
        facilityId: csapa,
      });
      expect(read.map((n) => [n.noteId, n.text])).to.deep.equal([
        [id(3), 'Reprise du travail évoquée.'],
        [id(1), 'Alliance thérapeutique installée.'],
      ]);
      expect(read[0]).to.include({ authorId: 'pro-psy', writtenAt: '2026-03-13T10:00:00.000Z', revision: 0 });
    } finally {
      await notes.close();
    }
  });
});
