import { expect } from 'chai';
import { KnexTimeoutError } from 'knex';
import { isConnectionLost, isDatabaseUnavailable } from './database-unavailable.js';

describe('a database out of reach, told from the errors node-postgres and knex raise', () => {
  const withCode = (code: string, message = 'driver message') => Object.assign(new Error(message), { code });

  const lostConnections = [
    withCode('ECONNRESET', 'read ECONNRESET'),
    withCode('EPIPE'),
    withCode('57P01', 'terminating connection due to administrator command'),
    withCode('57P02'),
    new Error('Connection terminated unexpectedly'),
    new Error('Connection terminated'),
    new Error('insert into "dui"."events" ($1) - Connection terminated unexpectedly'),
    new Error('Client has encountered a connection error and is not queryable'),
    new Error('wrapped', { cause: withCode('57P01') }),
  ];
  const connectionsNeverHad = [
    withCode('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:5432'),
    withCode('57P03', 'the database system is starting up'),
    withCode('53300', 'sorry, too many clients already'),
    withCode('08006'),
    withCode('08001'),
    new Error('timeout exceeded when trying to connect'),
    new KnexTimeoutError('Knex: Timeout acquiring a connection. The pool is probably full.'),
    new AggregateError([withCode('ECONNREFUSED')], ''),
  ];
  const notOutages = [
    withCode('23505', 'duplicate key value'),
    withCode('22P02', 'invalid input syntax'),
    withCode('42P01', 'relation does not exist'),
    withCode('40001', 'could not serialize access'),
    withCode('08', 'too short to be a SQLSTATE'),
    new TypeError('Cannot read properties of undefined'),
    'a string',
    undefined,
  ];

  it('sees a connection that went under a statement as lost, and as an outage', () => {
    for (const error of lostConnections) {
      expect(isConnectionLost(error), String(error)).to.equal(true);
      expect(isDatabaseUnavailable(error), String(error)).to.equal(true);
    }
  });

  it('sees a connection that could not be had as an outage, but not as lost: trying again at once would only wait again', () => {
    for (const error of connectionsNeverHad) {
      expect(isDatabaseUnavailable(error), String(error)).to.equal(true);
      expect(isConnectionLost(error), String(error)).to.equal(false);
    }
  });

  it('does not mistake errors of the statement or of the code for an outage', () => {
    for (const error of notOutages) {
      expect(isDatabaseUnavailable(error), String(error)).to.equal(false);
      expect(isConnectionLost(error), String(error)).to.equal(false);
    }
  });
});
