import { randomUUID } from 'node:crypto';
import { socialBenefitStreamId } from '@dui-pds/domain';
import { migrateEventStore, PostgresEventStore } from '@dui-pds/eventstore';
import { dropSchemasStartingWith, testPostgres, uniqueSchema } from '@dui-pds/eventstore/testing';
import { expect } from 'chai';
import type { Knex } from 'knex';
import { withInlineProjections } from '../runtime/inline-projections.js';
import { ProjectionRuntime } from '../runtime/projection-runtime.js';
import { erased, type GivenEvent, ProjectionSpecification } from '../testing/projection-specification.js';
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

describe('the summary sheets projection', () => {
  const spec = ProjectionSpecification.for(summarySheetsProjection);
  after(() => spec.close());

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
