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
            data: {
              observationId: id(1),
              reason: 'précision',
              text: 'Examen clinique normal. TA 12/8.',
              profession: 'nurse',
            },
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
          {
            type: 'ClinicalObservationWithdrawn',
            data: { observationId: id(2), reason: 'reçu deux fois', kind: 'duplicate' },
          },
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
          amended_by: 'pro-test',
          amended_by_profession: 'nurse',
          amended_at: '2025-03-31T08:00:00.000Z',
          withdrawal_kind: null,
          withdrawal_reason: null,
          withdrawn_by: null,
          withdrawn_at: null,
          content_withheld: false,
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
          amended_by: null,
          amended_by_profession: null,
          amended_at: null,
          withdrawal_kind: 'duplicate',
          withdrawal_reason: 'reçu deux fois',
          withdrawn_by: 'pro-test',
          withdrawn_at: '2025-03-31T08:00:00.000Z',
          content_withheld: false,
          revision: 1,
        },
      ]));

  it('withholds the content of one withdrawn as filed in the wrong record, or of an unknown kind', async () => {
    // given an observation amended then withdrawn as the wrong record, a received one withdrawn
    // likewise, and one withdrawn before withdrawals had a kind
    const withdrawnAs = (observationId: string, kind?: 'wrong-record'): ClinicalObservationEvent => ({
      type: 'ClinicalObservationWithdrawn',
      data: { observationId, reason: 'concerne M. Autre', ...(kind === undefined ? {} : { kind }) },
    });
    const schema = await spec.modelAfter([
      ...stream(id(1), [
        written(id(1), { title: 'Sérologie', text: 'VHC positif.' }),
        {
          type: 'ClinicalObservationAmended',
          data: { observationId: id(1), reason: 'ARN demandé', text: 'VHC positif, ARN demandé.' },
        },
        withdrawnAs(id(1), 'wrong-record'),
      ]),
      ...stream(id(2), [received(id(2)), withdrawnAs(id(2), 'wrong-record')]),
      ...stream(id(3), [written(id(3), { text: 'VHC positif.' }), withdrawnAs(id(3))]),
    ]);

    // when the usager's observations are listed and read by id
    const listed = await clinicalObservationsOf(spec.db, schema, {
      organisationId,
      serviceUserId: 'usager-1',
      facilityId: csapa,
    });
    const byId = await clinicalObservationById(spec.db, schema, { organisationId, observationId: id(2) });
    const rows = await spec.db.withSchema(schema).from('observations').select('title', 'text', 'document_reference');

    // then each is listed, withdrawn, without title, text, reasons or document reference, and
    // neither the model nor the views hold them
    expect(listed.map((observation) => [observation.observationId, observation.withdrawalKind])).to.have.deep.members([
      [id(1), 'wrong-record'],
      [id(2), 'wrong-record'],
      [id(3), null],
    ]);
    for (const observation of [...listed, byId]) {
      expect(observation).to.deep.include({
        status: 'withdrawn',
        contentWithheld: true,
        title: null,
        text: null,
        lastAmendmentReason: null,
        withdrawalReason: null,
        withdrawnBy: 'pro-test',
        withdrawnAt: '2025-03-31T08:00:00.000Z',
      });
    }
    expect(byId?.source).to.deep.equal({
      senderName: 'CHU, hépatologie',
      senderIdentifier: null,
      channel: 'mssante',
      documentReference: null,
    });
    expect(listed.find((observation) => observation.observationId === id(1))).to.deep.include({
      author: { professionalId: 'pro-doctor', profession: 'doctor' },
      amendments: 1,
      amendedBy: { professionalId: 'pro-test', profession: null },
    });
    expect(rows).to.deep.equal(rows.map(() => ({ title: null, text: null, document_reference: null })));
  });

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
