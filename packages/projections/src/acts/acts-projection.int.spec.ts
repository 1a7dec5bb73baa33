import { type ActEvent, type ActRecorded, actStreamId, type Role } from '@dui-pds/domain';
import { expect } from 'chai';
import fc from 'fast-check';
import { erased, type GivenEvent, ProjectionSpecification } from '../testing/projection-specification.js';
import { actsProjection } from './acts-projection.js';
import { actById, actCounts, actsOfServiceUser } from './acts-queries.js';

const organisationId = 'og-1';
const csapa = '750000001';
const id = (n: number) => `0195f0a0-0000-7000-8000-${String(n).padStart(12, '0')}`;
const workshopId = id(900);

function stream(actId: string, events: ActEvent[], organisation = organisationId): GivenEvent[] {
  return events.map((event) => ({
    type: event.type,
    data: event.data,
    streamId: actStreamId(organisation, actId),
    metadata: { organisationId: organisation, facilityId: csapa, serviceUserId: 'usager-1' },
  }));
}
const recorded = (actId: string, data: Partial<ActRecorded> = {}): ActEvent => ({
  type: 'ActRecorded',
  data: {
    actId,
    serviceUserId: 'usager-1',
    facilityId: csapa,
    actType: { code: 'consultation-medicale', label: 'Consultation médicale', sensitivity: 'medical' },
    performedBy: { professionalId: 'pro-doctor', profession: 'doctor' },
    performedAt: '2026-03-10T10:00:00+01:00',
    durationMinutes: 30,
    ...data,
  },
});
const social = { code: 'entretien-social', label: 'Entretien social', sensitivity: 'social' as const };
const workshop = { code: 'atelier-collectif', label: 'Atelier collectif', sensitivity: 'social' as const };
const educator = { professionalId: 'pro-educ', profession: 'educator' as const };

describe('the acts projection', () => {
  const spec = ProjectionSpecification.for(actsProjection);
  after(() => spec.close());

  it('keeps each act with its type as recorded, its Paris day, its corrections and cancellation, and its revision', () =>
    spec
      .given([
        ...stream(id(1), [
          recorded(id(1), { note: 'RAS' }),
          {
            type: 'ActCorrected',
            data: { actId: id(1), reason: 'heure', performedAt: '2026-03-10T23:30:00+01:00', durationMinutes: 45 },
          },
        ]),
        ...stream(id(2), [
          recorded(id(2), { partners: [{ entryId: id(9), name: 'SPIP de Paris' }] }),
          { type: 'ActCancelled', data: { actId: id(2), reason: 'doublon' } },
        ]),
      ])
      .thenTable('acts', [
        {
          organisation_id: organisationId,
          act_id: id(1),
          facility_id: csapa,
          service_user_id: 'usager-1',
          act_type_code: 'consultation-medicale',
          act_type_label: 'Consultation médicale',
          sensitivity: 'medical',
          professional_id: 'pro-doctor',
          profession: 'doctor',
          performed_at: '2026-03-10T23:30:00+01:00',
          performed_at_utc: '2026-03-10T22:30:00.000Z',
          performed_on: '2026-03-10',
          duration_minutes: 45,
          note: 'RAS',
          intervention_id: null,
          partners: null,
          status: 'recorded',
          cancel_reason: null,
          corrections: 1,
          revision: 1,
        },
        {
          organisation_id: organisationId,
          act_id: id(2),
          facility_id: csapa,
          service_user_id: 'usager-1',
          act_type_code: 'consultation-medicale',
          act_type_label: 'Consultation médicale',
          sensitivity: 'medical',
          professional_id: 'pro-doctor',
          profession: 'doctor',
          performed_at: '2026-03-10T10:00:00+01:00',
          performed_at_utc: '2026-03-10T09:00:00.000Z',
          performed_on: '2026-03-10',
          duration_minutes: 30,
          note: null,
          intervention_id: null,
          partners: [{ entryId: id(9), name: 'SPIP de Paris' }],
          status: 'cancelled',
          cancel_reason: 'doublon',
          corrections: 0,
          revision: 1,
        },
      ]));

  it('drops a forgotten usager’s acts', () =>
    spec
      .given([
        ...stream(id(1), [recorded(id(1))]).map((event) => erased(event)),
        ...stream(id(2), [recorded(id(2)), { type: 'ActCancelled', data: { actId: id(2), reason: 'x' } }]).map(
          (event) => erased(event),
        ),
      ])
      .thenTable('acts', []));

  it('lists a usager’s acts of the classes read, in a period, the latest first, cancelled ones as such', async () => {
    const schema = await spec.modelAfter([
      ...stream(id(1), [recorded(id(1), { performedAt: '2026-03-01T09:00:00+01:00' })]),
      ...stream(id(2), [
        recorded(id(2), { actType: social, performedBy: { professionalId: 'pro-as', profession: 'socialWorker' } }),
      ]),
      ...stream(id(3), [
        recorded(id(3), { performedAt: '2026-03-31T23:30:00+02:00' }),
        { type: 'ActCancelled', data: { actId: id(3), reason: 'doublon' } },
      ]),
      ...stream(id(4), [recorded(id(4), { performedAt: '2026-04-01T09:00:00+02:00' })]),
      ...stream(id(5), [recorded(id(5))], 'og-2'),
    ]);
    const where = { organisationId, serviceUserId: 'usager-1', facilityId: csapa };
    const all = await actsOfServiceUser(spec.db, schema, { ...where, sensitivities: ['medical', 'social'] });
    expect(all.map((act) => act.actId)).to.deep.equal([id(4), id(3), id(2), id(1)]);
    const march = await actsOfServiceUser(spec.db, schema, {
      ...where,
      sensitivities: ['medical'],
      from: '2026-03-01',
      to: '2026-03-31',
    });
    expect(march.map((act) => [act.actId, act.status])).to.deep.equal([
      [id(3), 'cancelled'],
      [id(1), 'recorded'],
    ]);
    expect(await actsOfServiceUser(spec.db, schema, { ...where, sensitivities: [] })).to.deep.equal([]);
    expect(await actById(spec.db, schema, { organisationId, actId: id(2) })).to.deep.include({
      actType: social,
      performedBy: { professionalId: 'pro-as', profession: 'socialWorker' },
      revision: 0,
    });
    expect(await actById(spec.db, schema, { organisationId, actId: id(5) })).to.equal(undefined);
  });

  it('counts an ESSMS’ acts of a period by profession and type: a collective intervention once, its participants apart', async () => {
    const participant = (n: number, serviceUserId: string) =>
      stream(id(n), [
        recorded(id(n), {
          serviceUserId,
          actType: workshop,
          performedBy: educator,
          durationMinutes: 90,
          interventionId: workshopId,
        }),
      ]);
    const schema = await spec.modelAfter([
      ...stream(id(1), [recorded(id(1))]),
      ...stream(id(2), [recorded(id(2), { serviceUserId: 'usager-2', durationMinutes: 15 })]),
      ...stream(id(3), [recorded(id(3)), { type: 'ActCancelled', data: { actId: id(3), reason: 'doublon' } }]),
      ...participant(4, 'usager-1'),
      ...participant(5, 'usager-2'),
      ...participant(6, 'usager-3'),
      ...stream(id(7), [
        recorded(id(7), { actType: social, performedBy: { professionalId: 'pro-as', profession: 'socialWorker' } }),
      ]),
      ...stream(id(8), [recorded(id(8), { performedAt: '2026-04-01T00:30:00+02:00' })]),
    ]);
    const counts = await actCounts(spec.db, schema, {
      organisationId,
      facilityId: csapa,
      from: '2026-03-01',
      to: '2026-03-31',
    });
    expect(counts.byProfessionAndType).to.deep.equal([
      {
        profession: 'doctor',
        actType: { code: 'consultation-medicale', label: 'Consultation médicale', sensitivity: 'medical' },
        acts: 2,
        participations: 2,
        serviceUsers: 2,
        minutes: 45,
      },
      { profession: 'educator', actType: workshop, acts: 1, participations: 3, serviceUsers: 3, minutes: 90 },
      { profession: 'socialWorker', actType: social, acts: 1, participations: 1, serviceUsers: 1, minutes: 30 },
    ]);
    expect(counts.byProfession).to.deep.equal([
      { profession: 'doctor', acts: 2, participations: 2, serviceUsers: 2, minutes: 45 },
      { profession: 'educator', acts: 1, participations: 3, serviceUsers: 3, minutes: 90 },
      { profession: 'socialWorker', acts: 1, participations: 1, serviceUsers: 1, minutes: 30 },
    ]);
    expect(counts.total).to.deep.equal({ acts: 4, participations: 6, serviceUsers: 3, minutes: 165 });
    const empty = await actCounts(spec.db, schema, {
      organisationId,
      facilityId: '750000002',
      from: '2026-03-01',
      to: '2026-03-31',
    });
    expect(empty).to.deep.equal({
      from: '2026-03-01',
      to: '2026-03-31',
      byProfessionAndType: [],
      byProfession: [],
      total: { acts: 0, participations: 0, serviceUsers: 0, minutes: 0 },
    });
  });

  it('counts what a plain count of the acts says, whatever the acts', async () => {
    const professions: Role[] = ['doctor', 'nurse', 'educator'];
    const act = fc.record({
      profession: fc.constantFrom(...professions),
      serviceUser: fc.integer({ min: 1, max: 4 }),
      minutes: fc.integer({ min: 1, max: 120 }),
      day: fc.integer({ min: 1, max: 28 }),
      cancelled: fc.boolean(),
    });
    await fc.assert(
      fc.asyncProperty(fc.array(act, { maxLength: 12 }), async (acts) => {
        const given = acts.flatMap((a, index) =>
          stream(id(100 + index), [
            recorded(id(100 + index), {
              serviceUserId: `usager-${a.serviceUser}`,
              performedBy: { professionalId: `pro-${a.profession}`, profession: a.profession },
              durationMinutes: a.minutes,
              performedAt: `2026-02-${String(a.day).padStart(2, '0')}T12:00:00+01:00`,
            }),
            ...(a.cancelled ? [{ type: 'ActCancelled' as const, data: { actId: id(100 + index), reason: 'x' } }] : []),
          ]),
        );
        const schema = await spec.modelAfter(given);
        const counts = await actCounts(spec.db, schema, {
          organisationId,
          facilityId: csapa,
          from: '2026-02-01',
          to: '2026-02-14',
        });
        const kept = acts.filter((a) => !a.cancelled && a.day <= 14);
        expect(counts.total).to.deep.equal({
          acts: kept.length,
          participations: kept.length,
          serviceUsers: new Set(kept.map((a) => a.serviceUser)).size,
          minutes: kept.reduce((sum, a) => sum + a.minutes, 0),
        });
        for (const profession of professions) {
          const mine = kept.filter((a) => a.profession === profession);
          const row = counts.byProfession.find((count) => count.profession === profession);
          if (mine.length === 0) expect(row).to.equal(undefined);
          else expect(row).to.deep.include({ acts: mine.length, minutes: mine.reduce((sum, a) => sum + a.minutes, 0) });
        }
      }),
      { numRuns: 20 },
    );
  });
});
