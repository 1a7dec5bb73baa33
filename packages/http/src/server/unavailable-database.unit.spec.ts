import { EventStoreUnavailableError } from '@dui-pds/eventstore';
import { expect } from 'chai';
import type { Request } from 'express';
import { KnexTimeoutError } from 'knex';
import { problemFor } from './error-handler.js';
import { isDatabaseUnavailable } from './unavailable-database.js';

describe('a database out of reach', () => {
  const request = { get: () => undefined } as unknown as Request;
  const withCode = (code: string, message = 'driver message') => Object.assign(new Error(message), { code });

  it("is recognised from the event store's typed error and from the driver's own errors", () => {
    // given
    const outages = [
      new EventStoreUnavailableError('append', { cause: withCode('57P01') }),
      withCode('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:5432'),
      new Error('insert into "dui"."events" ($1) - Connection terminated unexpectedly'),
      new KnexTimeoutError('Knex: Timeout acquiring a connection. The pool is probably full.'),
    ];

    // then
    for (const error of outages) expect(isDatabaseUnavailable(error), String(error)).to.equal(true);
    expect(isDatabaseUnavailable(withCode('23505', 'duplicate key value'))).to.equal(false);
  });

  it('is answered with a French 503 problem that says when to try again', () => {
    // when
    const problem = problemFor(withCode('57P01', 'terminating connection due to administrator command'), request);

    // then
    expect(problem?.status).to.equal(503);
    expect(problem?.headers).to.deep.equal({ 'Retry-After': '5' });
    expect(problem?.toDocument()).to.deep.include({
      type: 'https://dui-pds.org/problems/service-unavailable',
      title: 'Service indisponible',
    });
    expect(problem?.detail).to.match(/^La base de données est momentanément injoignable/);
    expect(problem?.detail).not.to.include('administrator');
  });
});
