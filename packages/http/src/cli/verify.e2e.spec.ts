import { tamperWith, testEvents, uniqueOrganisationId } from '@dui-pds/eventstore/testing';
import { expect } from 'chai';
import { CliDatabase } from './testing/cli-under-test.js';

describe('dui verify', function () {
  this.timeout(120_000);
  let database: CliDatabase;

  beforeEach(async () => {
    database = new CliDatabase();
    const migrate = await database.run(['migrate']);
    expect(migrate.code, migrate.stderr).to.equal(0);
    const organisation = uniqueOrganisationId();
    await database.withStore(async ({ store }) => {
      await store.appendToStream('dossier-a', testEvents(organisation, 3));
      await store.appendToStream('dossier-b', testEvents(organisation, 4));
    });
  });
  afterEach(() => database.drop());

  it('exits 0 with a French summary when every hash chain is intact', async () => {
    // given the log of two streams appended by the library

    // when
    const run = await database.run(['verify']);

    // then
    expect(run.code, run.stderr).to.equal(0);
    expect(run.stdout).to.equal('Intégrité vérifiée : 7 événement(s) dans 2 flux, chaînes de hachage intactes.\n');
  });

  it('exits 1 and names the stream, revision and position of the event altered behind the store’s back', async () => {
    // given the data of revision 2 of dossier-b rewritten in SQL
    const position = await database.withStore(async ({ store, knex }) => {
      const [target] = await store.readStream('dossier-b', { fromRevision: 2, maxCount: 1 });
      await tamperWith(knex, database.schema, (trx) =>
        trx.raw(`update ${database.schema}.events set data = ?::json where stream_id = ? and stream_revision = ?`, [
          JSON.stringify({ index: 99 }),
          'dossier-b',
          2,
        ]),
      );
      return target!.globalPosition;
    });

    // when
    const whole = await database.run(['verify']);
    const other = await database.run(['verify', '--stream', 'dossier-a']);

    // then
    expect(whole.code).to.equal(1);
    expect(whole.stdout).to.equal('');
    expect(whole.stderr).to.include('erreur : intégrité rompue : événement altéré');
    expect(whole.stderr).to.include(`flux « dossier-b », révision 2, position globale ${position}`);
    expect(whole.stderr).not.to.include('index');
    expect(other.code, other.stderr).to.equal(0);
    expect(other.stdout).to.include('3 événement(s) dans 1 flux');
  });

  it('exits 1 when a stream’s events were moved in the global log, though every chain is intact', async () => {
    // given the last event of dossier-b given the transaction id of dossier-a's append, which came
    // before: the global log (ordered by transaction first) now gives it before dossier-b's others
    const position = await database.withStore(async ({ store, knex }) => {
      const [target] = await store.readStream('dossier-b', { fromRevision: 3, maxCount: 1 });
      await tamperWith(knex, database.schema, (trx) =>
        trx.raw(
          `update ${database.schema}.events set transaction_id =
             (select transaction_id from ${database.schema}.events where stream_id = 'dossier-a' limit 1)
            where stream_id = 'dossier-b' and stream_revision = 3`,
        ),
      );
      return target!.globalPosition;
    });

    // when
    const run = await database.run(['verify', '--stream', 'dossier-b']);

    // then
    expect(run.code).to.equal(1);
    expect(run.stderr).to.include('erreur : intégrité rompue : événements réordonnés');
    expect(run.stderr).to.include('dans le journal global');
    expect(run.stderr).to.include(`flux « dossier-b », révision 3, position globale ${position}`);
  });
});
