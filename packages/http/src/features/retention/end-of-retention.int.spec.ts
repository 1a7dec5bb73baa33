import { randomUUID } from 'node:crypto';
import {
  KnexDataKeyStore,
  loadMasterKey,
  type OpenedEventStore,
  openEventStore,
  withCryptoShredding,
} from '@dui-pds/eventstore';
import { TEST_DATABASE_URL } from '@dui-pds/eventstore/testing';
import { recordRetentionProjection } from '@dui-pds/projections';
import { expect } from 'chai';
import { ServerUnderTest } from '../../app/testing/server-under-test.js';
import { registerSocialOnlyRecord } from '../../app/testing/social-only-record.js';
import { noonOn, TestClock } from '../../app/testing/test-clock.js';
import { runEndOfRetention } from './end-of-retention.js';

const ORG = 'og-hold-race';
const CSAPA = '750000001';

/**
 * The job reads the records due once, then destroys them one after the other: a legal hold placed
 * on a record meanwhile (a requisition arrives while the nightly run goes) must still keep it.
 */
describe('the end-of-retention job and a legal hold placed while it runs', function () {
  this.timeout(120_000);
  const clock = new TestClock(noonOn('2020-03-02'));
  const usagers = [randomUUID(), randomUUID()];
  let app: ServerUnderTest;
  let opened: OpenedEventStore;
  let director: string;

  before(async () => {
    app = await ServerUnderTest.start({}, undefined, { clock: clock.now });
    opened = await openEventStore({ databaseUrl: TEST_DATABASE_URL, schema: app.schema });
    await app.asSystem(
      ORG,
      { type: 'GrantRole', professionalId: 'pro-secretary', facilityId: CSAPA, role: 'secretary' },
      { type: 'GrantRole', professionalId: 'pro-director', facilityId: CSAPA, role: 'director' },
    );
    const secretary = await app.loginAs('pro-secretary');
    director = await app.loginAs('pro-director');
    // given two social-only records whose last contact is on 2 March 2020: due for destruction in 2027
    for (const serviceUserId of usagers) {
      await registerSocialOnlyRecord(app, { organisationId: ORG, facilityId: CSAPA, serviceUserId }, secretary);
    }
    clock.advance(noonOn('2027-03-02') - clock.now().getTime());
  });
  after(async () => {
    await opened?.close();
    await app?.close();
  });

  it('keeps the record held after the run began, and destroys the other', async () => {
    // given a run whose first destruction sees a hold placed on the other record
    const shredding = withCryptoShredding(opened.store, {
      keys: new KnexDataKeyStore(opened.knex, { schema: app.schema }),
      masterKey: loadMasterKey(app.masterKey),
    });
    const forgotten: string[] = [];
    let holdPlaced: { status: number; on: string } | undefined;
    const { knex, runtime, store } = app.server;

    // when the job runs
    const run = await runEndOfRetention(
      {
        store,
        knex,
        retentionSchema: runtime.readSchema(recordRetentionProjection.name),
        clock: clock.now,
        async forget(serviceUserId) {
          forgotten.push(serviceUserId);
          await shredding.forget(serviceUserId);
        },
        purge: {
          async filesOf(where) {
            if (holdPlaced === undefined) {
              const other = usagers.find((serviceUserId) => serviceUserId !== where.serviceUserId)!;
              const placed = await app.request('POST', `/organisations/${ORG}/usagers/${other}/legal-holds`, {
                as: director,
                body: { facilityId: CSAPA, holdId: randomUUID(), motive: 'Réquisition judiciaire du 2 mars 2027' },
              });
              holdPlaced = { status: placed.status, on: other };
            }
            // these records hold no document
            return { documents: 0, blobs: [] };
          },
          deleteFile: async () => false,
          readModels: async (where) =>
            (await runtime.purgeServiceUser(where, { keep: [recordRetentionProjection.name] })).total,
        },
      },
      { organisationId: ORG },
    );

    // then the hold was placed on the second record while the first was being destroyed, and kept it
    expect(holdPlaced?.status).to.equal(201);
    const held = holdPlaced!.on;
    const destroyed = usagers.find((serviceUserId) => serviceUserId !== held)!;
    expect(run.failed).to.deep.equal([]);
    expect(run.destroyed.map((record) => record.serviceUserId)).to.deep.equal([destroyed]);
    expect(forgotten).to.deep.equal([destroyed]);
    const retention = await app.request('GET', `/organisations/${ORG}/usagers/${held}/retention?facilityId=${CSAPA}`, {
      as: director,
    });
    expect(retention.status, JSON.stringify(retention.body)).to.equal(200);
    expect(retention.body).to.deep.include({ activeLegalHolds: 1, destroyedAt: null, status: 'destructionSuspended' });
  });
});
