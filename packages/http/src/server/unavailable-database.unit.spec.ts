import { expect } from 'chai';
import type { Request } from 'express';
import { KnexTimeoutError } from 'knex';
import { problemFor } from './error-handler.js';
import { isDatabaseUnavailable } from './unavailable-database.js';

describe('a database out of reach', () => {
  const request = { get: () => undefined } as unknown as Request;
  const withCode = (code: string, message = 'driver message') => Object.assign(new Error(message), { code });

  it('is recognised from the errors node-postgres and knex raise when the server is down or restarting', () => {
    // given
    const outages = [
      withCode('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:5432'),
      withCode('ECONNRESET'),
      withCode('57P01', 'terminating connection due to administrator command'),
      withCode('57P02'),
      withCode('57P03', 'the database system is starting up'),
      withCode('08006'),
      withCode('08001'),
      new Error('Connection terminated unexpectedly'),
      new Error('Connection terminated'),
      new Error('insert into "dui"."events" ($1) - Connection terminated unexpectedly'),
      new Error('Client has encountered a connection error and is not queryable'),
      new KnexTimeoutError('Knex: Timeout acquiring a connection. The pool is probably full.'),
      new AggregateError([withCode('ECONNREFUSED')], ''),
      new Error('wrapped', { cause: withCode('57P01') }),
    ];

    // then
    for (const error of outages) expect(isDatabaseUnavailable(error), String(error)).to.equal(true);
  });

  it('is not mistaken for errors of the request or of the code', () => {
    // given
    const others = [
      withCode('23505', 'duplicate key value'),
      withCode('22P02', 'invalid input syntax'),
      withCode('42P01', 'relation does not exist'),
      withCode('08', 'too short to be a SQLSTATE'),
      new TypeError('Cannot read properties of undefined'),
      'a string',
      undefined,
    ];

    // then
    for (const error of others) expect(isDatabaseUnavailable(error), String(error)).to.equal(false);
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
