import { randomUUID } from 'node:crypto';
import { socialBenefitStreamId } from '@dui-pds/domain';
import { METHADONE_SYRUP_40_MG, PATIENT_USAGE_PROFILE } from '@dui-pds/domain/testing';
import { migrateEventStore, PostgresEventStore, type RecordedEvent } from '@dui-pds/eventstore';
import { dropSchemasStartingWith, testPostgres, uniqueSchema } from '@dui-pds/eventstore/testing';
import { expect } from 'chai';
import type { Knex } from 'knex';
import { contextFor } from '../projection.js';
import { withInlineProjections } from '../runtime/inline-projections.js';
import { ProjectionRuntime } from '../runtime/projection-runtime.js';
import { erased, type GivenEvent, ProjectionSpecification } from '../testing/projection-specification.js';
import { readableSheet } from './summary-sheet.js';
import { summarySheetOf } from './summary-sheet-query.js';
import { summarySheetsProjection } from './summary-sheets-projection.js';

const organisationId = 'og-1';
const csapa = '750000001';
const traits = {
  birthName: 'MARTIN',
  birthFirstNames: ['JEANNE'],
  birthDate: '1985-05-12',
  sex: 'F',
  birthplaceCode: '75056',
};

const fact = (
  streamId: string,
  type: string,
  data: Record<string, unknown>,
  serviceUserId = 'usager-1',
): GivenEvent => ({
  type,
  data,
  streamId,
  metadata: { organisationId, facilityId: csapa, serviceUserId },
});
const benefit = (benefitId: string, serviceUserId = 'usager-1') => ({
  benefitId,
  serviceUserId,
  facilityId: csapa,
  kind: 'RSA',
  organism: 'CAF',
  openFrom: '2026-01-01',
  openTo: '2026-12-31',
  renewalLeadDays: 30,
  documents: [],
});

const methadone = (prescriptionId: string, terms: Record<string, unknown> = {}) => ({
  prescriptionId,
  serviceUserId: 'usager-1',
  facilityId: csapa,
  ...METHADONE_SYRUP_40_MG,
  prescribedOn: '2026-06-02',
  startsOn: '2026-06-02',
  durationDays: 14,
  fractionDays: 7,
  overlapAllowed: false,
  prescriber: { professionalId: 'pro-doctor', name: 'Dr Claire Martin', address: 'CSAPA', setting: 'csapa' },
  namedPharmacist: 'Pharmacie du CSAPA',
  ...terms,
});
const prescriptionStream = (prescriptionId: string) => `prescription/og-1/${prescriptionId}`;
const designation = (trustedPersonId: string, name: string) => ({
  trustedPersonId,
  serviceUserId: 'usager-1',
  facilityId: csapa,
  person: { name, relationship: 'sœur', contact: { phone: '06 12 34 56 78' } },
  scope: ['casf', 'csp'],
  designatedOn: '2026-03-02',
  mayConsultRecord: false,
});
const usageProfile = (year: number, fields: Record<string, unknown> = {}) => ({
  profileId: '0195f0a0-0000-7000-8000-000000000099',
  serviceUserId: 'usager-1',
  facilityId: csapa,
  year,
  ...PATIENT_USAGE_PROFILE,
  referral: 'self',
  ...fields,
});

describe('the summary sheets projection', () => {
  const spec = ProjectionSpecification.for(summarySheetsProjection);
  after(() => spec.close());
  const sheetAfter = async (events: GivenEvent[]) =>
    summarySheetOf(spec.db, await spec.modelAfter(events), { organisationId, serviceUserId: 'usager-1' });

  it('gathers one usager’s facts from many streams into one sheet, and leaves the others’ apart', async () => {
    // given an identity, a benefit renewed, a care team member, and another usager's benefit
    const schema = await spec.modelAfter([
      fact('service-user/og-1/usager-1', 'ServiceUserRegistered', {
        serviceUserId: 'usager-1',
        facilityId: csapa,
        traits,
        registeredAt: '2026-01-01T10:00:00Z',
        status: 'PROV',
      }),
      fact('social-benefit/og-1/b1', 'SocialBenefitRecorded', benefit('b1')),
      fact('social-benefit/og-1/b1', 'SocialBenefitRenewed', {
        benefitId: 'b1',
        previousOpenTo: '2026-12-31',
        openTo: '2027-12-31',
        at: '2026-11-01T10:00:00Z',
      }),
      {
        ...fact('habilitations/og-1', 'CareTeamMemberAdded', {
          professionalId: 'pro-doctor',
          serviceUserId: 'usager-1',
          facilityId: csapa,
        }),
        metadata: { organisationId },
      },
      fact('social-benefit/og-1/b2', 'SocialBenefitRecorded', benefit('b2', 'usager-2'), 'usager-2'),
    ]);

    // when usager-1's sheet is read
    const sheet = await summarySheetOf(spec.db, schema, { organisationId, serviceUserId: 'usager-1' });

    // then it holds their facts only
    expect(sheet?.identity).to.deep.include({ birthName: 'MARTIN', identityStatus: 'PROV' });
    expect(sheet?.socialBenefits.map((item) => [item.benefitId, item.openTo])).to.deep.equal([['b1', '2027-12-31']]);
    expect(sheet?.careTeam).to.deep.equal([{ professionalId: 'pro-doctor', facilityId: csapa }]);
    expect(await summarySheetOf(spec.db, schema, { organisationId: 'og-2', serviceUserId: 'usager-1' })).to.equal(
      undefined,
    );
  });

  it('shows a treatment in progress with its terms, and no longer once it is stopped, completed or renewed', async () => {
    // given a methadone prescription, then one suspended, one stopped, one completed, one renewed
    const inProgress = randomUUID();
    const suspended = randomUUID();
    const stopped = randomUUID();
    const completed = randomUUID();
    const renewed = randomUUID();
    const renewal = randomUUID();
    const prescribed = (prescriptionId: string, terms: Record<string, unknown> = {}) =>
      fact(prescriptionStream(prescriptionId), 'MedicinePrescribed', methadone(prescriptionId, terms));
    const recorded = [prescribed(inProgress)];
    const later = [
      ...recorded,
      prescribed(suspended),
      fact(prescriptionStream(suspended), 'PrescriptionSuspended', {
        prescriptionId: suspended,
        suspendedOn: '2026-06-05',
        reason: 'Hospitalisation',
      }),
      prescribed(stopped),
      fact(prescriptionStream(stopped), 'PrescriptionStopped', {
        prescriptionId: stopped,
        stoppedOn: '2026-06-04',
        reason: 'Relais par un autre prescripteur',
      }),
      prescribed(completed),
      fact(prescriptionStream(completed), 'PrescriptionCompleted', {
        prescriptionId: completed,
        completedOn: '2026-06-15',
      }),
      prescribed(renewed),
      prescribed(renewal, { renews: renewed, prescribedOn: '2026-06-16', startsOn: '2026-06-16' }),
    ];

    // when the sheet is read after the first prescription, then after the others
    const first = await sheetAfter(recorded);
    const then = await sheetAfter(later);

    // then the treatment shows with its product, dose, period, prescriber and fractions
    expect(first?.treatments).to.deep.equal([
      {
        prescriptionId: inProgress,
        facilityId: csapa,
        productName: 'Méthadone AP-HP 40 mg, sirop',
        tsoProduct: 'methadone-syrup',
        dose: '40 mg',
        posology: 'Un flacon de 40 mg chaque matin',
        prescribedOn: '2026-06-02',
        startsOn: '2026-06-02',
        lastDay: '2026-06-15',
        fractionDays: 7,
        prescriber: { name: 'Dr Claire Martin', setting: 'csapa' },
      },
    ]);
    // and the stopped, completed and renewed ones have left the sheet; the suspended one says since when
    expect(then?.treatments.map((treatment) => [treatment.prescriptionId, treatment.suspendedOn])).to.deep.equal([
      [inProgress, undefined],
      [suspended, '2026-06-05'],
      [renewal, undefined],
    ]);
  });

  it('names the personne de confiance in force, and none once the designation is revoked', async () => {
    // given a designation co-signed
    const trustedPersonId = randomUUID();
    const stream = 'trusted-persons/og-1/usager-1';
    const designated = [
      fact(stream, 'TrustedPersonDesignated', designation(trustedPersonId, 'Claire Martin')),
      fact(stream, 'TrustedPersonCosigned', { trustedPersonId, cosignedOn: '2026-03-03', how: 'inPerson' }),
    ];

    // when the sheet is read, then again after the revocation, then after a new designation
    const inForce = await sheetAfter(designated);
    const revocation = fact(stream, 'TrustedPersonRevoked', {
      trustedPersonId,
      revokedOn: '2026-05-01',
      how: 'orally',
    });
    const revoked = await sheetAfter([...designated, revocation]);
    const next = randomUUID();
    const redesignated = await sheetAfter([
      ...designated,
      revocation,
      fact(stream, 'TrustedPersonDesignated', designation(next, 'Paul Martin')),
    ]);

    // then who, how to reach them and since when; then nobody; then the new one
    expect(inForce?.trustedPerson).to.deep.equal({
      trustedPersonId,
      facilityId: csapa,
      name: 'Claire Martin',
      relationship: 'sœur',
      contact: { phone: '06 12 34 56 78' },
      scope: ['casf', 'csp'],
      designatedOn: '2026-03-02',
      cosignedOn: '2026-03-03',
    });
    expect(revoked?.trustedPerson).to.equal(undefined);
    expect(redesignated?.trustedPerson).to.deep.include({ trustedPersonId: next, name: 'Paul Martin' });
  });

  it('keeps the latest usage profile of each ESSMS, replaced when recorded again, not by an earlier year', async () => {
    // given this year's profile, recorded again with another main product, then last year's recorded late
    const stream = (year: number) => `usage-profile/og-1/usager-1/${csapa}/${year}`;
    const sheet = await sheetAfter([
      fact(stream(2026), 'UsageProfileRecorded', usageProfile(2026)),
      fact(
        stream(2026),
        'UsageProfileRecorded',
        usageProfile(2026, { mainProduct: 'cocaine', injection: 'last30days', reason: 'Revu en synthèse' }),
      ),
      fact(stream(2025), 'UsageProfileRecorded', usageProfile(2025, { mainProduct: 'alcohol' })),
    ]);

    // then the sheet shows this year's corrected profile
    expect(sheet?.usageProfiles).to.deep.equal([
      {
        facilityId: csapa,
        year: 2026,
        population: 'patient',
        mainProduct: 'cocaine',
        useLevel: 'dependence',
        injection: 'last30days',
      },
    ]);
  });

  it('keeps the latest filling of each grid by its instant, whatever offset each was given in', async () => {
    // given an AUDIT-C filled at 09:30 UTC, then one filled on paper earlier, at 10:00 in Paris (09:00 UTC)
    const filling = (assessmentId: string, filledAt: string, score: number) =>
      fact(`assessments/og-1/usager-1/${csapa}`, 'AssessmentRecorded', {
        assessmentId,
        gridId: 'audit-c',
        gridVersion: '1',
        serviceUserId: 'usager-1',
        facilityId: csapa,
        answers: {},
        sex: 'F',
        filledAt,
        complete: true,
        score,
        band: { from: 0, to: 12, label: 'Repère', level: 'marker' },
      });
    const schema = await spec.modelAfter([
      filling(randomUUID(), '2026-06-02T09:30:00Z', 2),
      filling(randomUUID(), '2026-06-02T10:00:00+01:00', 7),
    ]);

    // when the sheet is read
    const sheet = await summarySheetOf(spec.db, schema, { organisationId, serviceUserId: 'usager-1' });

    // then the grid shows the later filling (09:30 UTC), not the one recorded last
    expect(sheet?.assessments.map((assessment) => [assessment.gridId, assessment.score])).to.deep.equal([
      ['audit-c', 2],
    ]);
  });

  it('shows the treatments only to a reader who may read medical data', async () => {
    // given a sheet with a treatment, a personne de confiance and a usage profile
    const sheet = await sheetAfter([
      fact(prescriptionStream(randomUUID()), 'MedicinePrescribed', methadone(randomUUID())),
      fact('trusted-persons/og-1/usager-1', 'TrustedPersonDesignated', designation(randomUUID(), 'Claire Martin')),
      fact(`usage-profile/og-1/usager-1/${csapa}/2026`, 'UsageProfileRecorded', usageProfile(2026)),
    ]);
    if (!sheet) throw new Error('no sheet');

    // when a social worker (social data, not medical) and a secretary (administrative only) read it
    const bySocialWorker = readableSheet(sheet, (_facility, sensitivity) => sensitivity !== 'medical');
    const bySecretary = readableSheet(sheet, (_facility, sensitivity) => sensitivity === 'administrative');

    // then the treatments are hidden from both; the trusted person and the profile from the secretary only
    expect(sheet.treatments).to.have.length(1);
    expect(bySocialWorker.treatments).to.deep.equal([]);
    expect(bySocialWorker.trustedPerson?.name).to.equal('Claire Martin');
    expect(bySocialWorker.usageProfiles).to.have.length(1);
    expect(bySecretary.trustedPerson).to.equal(undefined);
    expect(bySecretary.usageProfiles).to.deep.equal([]);
  });

  it('reads and follows a sheet written before the treatments, trusted person and usage profile existed', async () => {
    // given a sheet as version 2 wrote it, without the newer parts
    const schema = await spec.modelAfter([fact('social-benefit/og-1/b1', 'SocialBenefitRecorded', benefit('b1'))]);
    await spec.db.raw(`update ${schema}.sheets set sheet = sheet - 'treatments' - 'trustedPerson' - 'usageProfiles'`);
    const where = { organisationId, serviceUserId: 'usager-1' };

    // when it is read, then a prescription is applied to it (the live build, while version 3 rebuilds)
    const stored = await summarySheetOf(spec.db, schema, where);
    const prescriptionId = randomUUID();
    const prescribed = {
      id: randomUUID(),
      type: 'MedicinePrescribed',
      data: methadone(prescriptionId),
      streamId: prescriptionStream(prescriptionId),
      metadata: { organisationId, facilityId: csapa, serviceUserId: 'usager-1', recordedAt: '2026-06-02T10:00:00Z' },
    } as unknown as RecordedEvent;
    await spec.db.transaction((trx) => summarySheetsProjection.evolve(prescribed, contextFor(trx, schema)));

    // then the missing parts read as empty, and the prescription lands on the sheet
    expect(stored).to.deep.include({ treatments: [], usageProfiles: [] });
    expect(stored?.socialBenefits).to.have.length(1);
    const followed = await summarySheetOf(spec.db, schema, where);
    expect(followed?.treatments.map((treatment) => treatment.prescriptionId)).to.deep.equal([prescriptionId]);
  });

  it('drops a forgotten usager’s sheet', async () => {
    const schema = await spec.modelAfter([
      erased(fact('social-benefit/og-1/b1', 'SocialBenefitRecorded', benefit('b1'))),
      fact('social-benefit/og-1/b2', 'SocialBenefitRecorded', benefit('b2', 'usager-2'), 'usager-2'),
    ]);
    expect(await summarySheetOf(spec.db, schema, { organisationId, serviceUserId: 'usager-1' })).to.equal(undefined);
    expect(await summarySheetOf(spec.db, schema, { organisationId, serviceUserId: 'usager-2' })).not.to.equal(
      undefined,
    );
  });

  describe('inline, with appends in flight for the same usager', function () {
    this.timeout(60_000);
    let knex: Knex;
    let schema: string;
    let runtime: ProjectionRuntime;

    before(async () => {
      knex = testPostgres();
      schema = uniqueSchema('sheets');
      await migrateEventStore(knex, { schema });
      runtime = new ProjectionRuntime({
        knex,
        store: new PostgresEventStore(knex, { schema }),
        schema,
        projections: [],
        inline: [summarySheetsProjection],
      });
      await runtime.migrate();
    });
    after(async () => {
      await runtime.close();
      await dropSchemasStartingWith(knex, schema);
      await knex.destroy();
    });

    it('loses none of the facts appended concurrently on different streams', async () => {
      // given the inline store
      const store = withInlineProjections(new PostgresEventStore(knex, { schema }), knex, runtime);
      const ids = Array.from({ length: 24 }, () => randomUUID());

      // when 24 benefits of one usager are recorded at once, each on its own stream
      await Promise.all(
        ids.map((benefitId) =>
          store.appendToStream(socialBenefitStreamId(organisationId, benefitId), [
            {
              id: randomUUID(),
              type: 'SocialBenefitRecorded',
              data: benefit(benefitId),
              metadata: {
                organisationId,
                facilityId: csapa,
                serviceUserId: 'usager-1',
                actor: { kind: 'system', id: 'test' },
                occurredAt: new Date().toISOString(),
              },
            },
          ]),
        ),
      );

      // then the sheet holds every one
      const sheet = await summarySheetOf(knex, runtime.readSchema(summarySheetsProjection.name), {
        organisationId,
        serviceUserId: 'usager-1',
      });
      expect(sheet?.socialBenefits.map((item) => item.benefitId).sort()).to.deep.equal([...ids].sort());
    });
  });
});
