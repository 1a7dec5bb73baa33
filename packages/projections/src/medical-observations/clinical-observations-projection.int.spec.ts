import {
  type ClinicalObservationEvent,
  type ClinicalObservationRecorded,
  clinicalObservationStreamId,
  type ExternalObservationReceived,
} from '@dui-pds/domain';
import { expect } from 'chai';
import { erased, type GivenEvent, ProjectionSpecification } from '../testing/projection-specification.js';
import { clinicalObservationsProjection } from './clinical-observations-projection.js';
import { clinicalObservationById, clinicalObservationsOf } from './clinical-observations-queries.js';

const organisationId = 'og-1';
const csapa = '750000001';
const id = (n: number) => `0195f0a0-0000-7000-8000-${String(n).padStart(12, '0')}`;

function stream(
  observationId: string,
  events: ClinicalObservationEvent[],
  organisation = organisationId,
): GivenEvent[] {
  return events.map((event) => ({
    type: event.type,
    data: event.data,
    streamId: clinicalObservationStreamId(organisation, observationId),
    metadata: { organisationId: organisation, facilityId: csapa, serviceUserId: 'usager-1' },
  }));
}
const written = (observationId: string, data: Partial<ClinicalObservationRecorded> = {}): ClinicalObservationEvent => ({
  type: 'ClinicalObservationRecorded',
  data: {
    observationId,
    serviceUserId: 'usager-1',
    facilityId: csapa,
    author: { professionalId: 'pro-doctor', profession: 'doctor' },
    observedAt: '2026-03-10T10:00:00+01:00',
    text: 'Examen clinique normal.',
    ...data,
  },
});
const received = (
  observationId: string,
  data: Partial<ExternalObservationReceived> = {},
): ClinicalObservationEvent => ({
  type: 'ExternalObservationReceived',
  data: {
    observationId,
    serviceUserId: 'usager-1',
    facilityId: csapa,
    source: { senderName: 'CHU, hépatologie', channel: 'mssante', documentReference: 'msg-42' },
    receivedAt: '2026-03-11T08:00:00+01:00',
    title: 'Compte rendu',
    text: 'Fibroscan F1.',
    ...data,
  },
});

describe('the clinical observations projection', () => {
  const spec = ProjectionSpecification.for(clinicalObservationsProjection);
  after(() => spec.close());

  it('keeps written and received observations in one table, with their origin, amendments and withdrawal', () =>
    spec
      .given([
        ...stream(id(1), [
          written(id(1), { title: 'Consultation' }),
          {
            type: 'ClinicalObservationAmended',
            data: { observationId: id(1), reason: 'précision', text: 'Examen clinique normal. TA 12/8.' },
          },
        ]),
        ...stream(id(2), [
          received(id(2), {
            source: {
              senderName: 'CHU, hépatologie',
              senderIdentifier: 'hepato@chu.mssante.fr',
              channel: 'mssante',
              documentReference: 'msg-42',
            },
          }),
          { type: 'ClinicalObservationWithdrawn', data: { observationId: id(2), reason: 'mauvais dossier' } },
        ]),
      ])
      .thenTable('observations', [
        {
          organisation_id: organisationId,
          observation_id: id(1),
          facility_id: csapa,
          service_user_id: 'usager-1',
          origin: 'clinician',
          author_id: 'pro-doctor',
          author_profession: 'doctor',
          sender_name: null,
          sender_identifier: null,
          channel: null,
          document_reference: null,
          dated_at: '2026-03-10T10:00:00+01:00',
          dated_at_utc: '2026-03-10T09:00:00.000Z',
          title: 'Consultation',
          text: 'Examen clinique normal. TA 12/8.',
          status: 'current',
          amendments: 1,
          last_amendment_reason: 'précision',
          withdrawal_reason: null,
          revision: 1,
        },
        {
          organisation_id: organisationId,
          observation_id: id(2),
          facility_id: csapa,
          service_user_id: 'usager-1',
          origin: 'external',
          author_id: null,
          author_profession: null,
          sender_name: 'CHU, hépatologie',
          sender_identifier: 'hepato@chu.mssante.fr',
          channel: 'mssante',
          document_reference: 'msg-42',
          dated_at: '2026-03-11T08:00:00+01:00',
          dated_at_utc: '2026-03-11T07:00:00.000Z',
          title: 'Compte rendu',
          text: 'Fibroscan F1.',
          status: 'withdrawn',
          amendments: 0,
          last_amendment_reason: null,
          withdrawal_reason: 'mauvais dossier',
          revision: 1,
        },
      ]));

  it('drops a forgotten usager’s observations', () =>
    spec
      .given([...stream(id(1), [written(id(1))]), ...stream(id(2), [received(id(2))])].map((event) => erased(event)))
      .thenTable('observations', []));

  it('lists a usager’s observations of one ESSMS, both origins, the latest first', async () => {
    const schema = await spec.modelAfter([
      ...stream(id(1), [written(id(1))]),
      ...stream(id(2), [received(id(2))]),
      ...stream(id(3), [written(id(3), { observedAt: '2026-03-12T00:30:00+02:00' })]),
      ...stream(id(4), [written(id(4), { facilityId: '750000002' })]),
      ...stream(id(5), [written(id(5))], 'og-2'),
    ]);
    const listed = await clinicalObservationsOf(spec.db, schema, {
      organisationId,
      serviceUserId: 'usager-1',
      facilityId: csapa,
    });
    // 2026-03-12T00:30+02:00 is 2026-03-11T22:30Z: after the letter received at 07:00Z
    expect(listed.map((observation) => [observation.observationId, observation.origin])).to.deep.equal([
      [id(3), 'clinician'],
      [id(2), 'external'],
      [id(1), 'clinician'],
    ]);
    expect(listed[1]).to.deep.include({
      author: null,
      source: {
        senderName: 'CHU, hépatologie',
        senderIdentifier: null,
        channel: 'mssante',
        documentReference: 'msg-42',
      },
      datedAt: '2026-03-11T08:00:00+01:00',
    });
    expect(listed[2]).to.deep.include({ author: { professionalId: 'pro-doctor', profession: 'doctor' }, source: null });
    expect(await clinicalObservationById(spec.db, schema, { organisationId, observationId: id(5) })).to.equal(
      undefined,
    );
    expect(
      await clinicalObservationById(spec.db, schema, { organisationId: 'og-2', observationId: id(5) }),
    ).to.deep.include({
      observationId: id(5),
      revision: 0,
    });
  });
});
