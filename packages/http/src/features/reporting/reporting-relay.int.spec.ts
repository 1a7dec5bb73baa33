import { dropSchema, testPostgres, uniqueSchema } from '@dui-pds/eventstore/testing';
import { expect } from 'chai';
import type { Knex } from 'knex';
import { ReportingRelay } from './reporting-relay.js';

describe('the reporting relay’s table', () => {
  let knex: Knex;
  let schema: string;

  beforeEach(async () => {
    knex = testPostgres(8);
    schema = uniqueSchema('relay');
    await knex.raw(`create schema ${schema}`);
  });
  afterEach(async () => {
    await dropSchema(knex, schema);
    await knex.destroy();
  });

  it('is created once when several servers start together on a schema that lacks it', async () => {
    for (let start = 0; start < 5; start += 1) {
      // given a schema without the table
      await knex.raw(`drop table if exists ${schema}.reporting_relay_cursors`);

      // when eight servers migrate it at the same moment
      const outcomes = await Promise.allSettled(Array.from({ length: 8 }, () => ReportingRelay.migrate(knex, schema)));

      // then none of them fails, and the table is there
      expect(outcomes.filter((outcome) => outcome.status === 'rejected')).to.deep.equal([]);
      expect(await knex.schema.withSchema(schema).hasTable('reporting_relay_cursors')).to.equal(true);
    }
  });
});
