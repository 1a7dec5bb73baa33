import { migrateEventStore, PostgresEventStore } from '@dui-pds/eventstore';
import { dropSchema, testEvent, testPostgres, uniqueOrganisationId, uniqueSchema } from '@dui-pds/eventstore/testing';
import { expect } from 'chai';
import type { Knex } from 'knex';
import { LogStatistics } from './log-statistics.js';

describe('log statistics on PostgreSQL', () => {
  let knex: Knex;
  let schema: string;
  let store: PostgresEventStore;
  const organisationId = uniqueOrganisationId();

  before(async () => {
    knex = testPostgres(4);
    schema = uniqueSchema('statistics');
    await migrateEventStore(knex, { schema });
    store = new PostgresEventStore(knex, { schema });
  });
  after(async () => {
    await store.close();
    await dropSchema(knex, schema);
    await knex.destroy();
  });

  it('orders two checkpoints as readers meet them, even where positions say the opposite', async () => {
    // given a transaction that took its id first but appends last, and one that took it later but appends first
    const early = await knex.transaction();
    const late = await knex.transaction();
    await early.raw('select pg_current_xact_id()');
    await late.raw('select pg_current_xact_id()');
    await store.appendToStream('late-stream', [testEvent(organisationId)], { transaction: late });
    await store.appendToStream('early-stream', [testEvent(organisationId)], { transaction: early });
    await late.commit();
    await early.commit();
    // and events committed plainly around them
    await store.appendToStream('plain-stream', [testEvent(organisationId), testEvent(organisationId)]);

    // when every pair of events is compared
    const log = (await store.readAll()).map((event) => event.globalPosition);
    const statistics = new LogStatistics(schema);
    const answers: [number, number, boolean][] = [];
    for (const [i, position] of log.entries()) {
      for (const [j, other] of log.entries()) answers.push([i, j, await statistics.precedes(knex, position, other)]);
    }

    // then the log's order is not its positions' order
    expect(log).to.have.length(4);
    expect(log[0]! > log[1]!, 'the early transaction appended last, and is read first').to.equal(true);
    // and an event precedes exactly those read after it
    expect(answers.filter(([i, j, precedes]) => precedes !== i < j)).to.deep.equal([]);
  });

  it('says that a position naming no event precedes nothing', async () => {
    // given
    const [first] = await store.readAll({ maxCount: 1 });
    const statistics = new LogStatistics(schema);

    // when / then
    expect(await statistics.precedes(knex, 999_999_999n, first!.globalPosition)).to.equal(false);
    expect(await statistics.precedes(knex, first!.globalPosition, 999_999_999n)).to.equal(false);
  });
});
