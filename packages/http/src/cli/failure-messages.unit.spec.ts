import { EventStoreUnavailableError, TimestampError, TransactionIdsBehindLogError } from '@dui-pds/eventstore';
import { expect } from 'chai';
import { ExitCode } from './cli-errors.js';
import { describeFailure } from './failure-messages.js';

describe('What the operator reads when a command fails', () => {
  it('explains a log ahead of the database in French, with both transaction ids, as an integrity failure', () => {
    // given
    const error = new TransactionIdsBehindLogError('4294967999', '812');

    // when
    const failure = describeFailure(error);

    // then
    expect(failure.exitCode).to.equal(ExitCode.integrity);
    expect(failure.message).to.include('identifiant de transaction 4294967999');
    expect(failure.message).to.include('la base n’en est qu’à 812');
    expect(failure.message).to.include('pg_resetwal -e');
  });

  it('says why the database is out of reach from what the driver said, in French', () => {
    // given a store that could not reach the database, or lost its connection twice
    const withCode = (code: string) => Object.assign(new Error('driver message'), { code });
    const refused = new EventStoreUnavailableError('verify', { cause: withCode('ECONNREFUSED') });
    const cut = new EventStoreUnavailableError('read', { cause: withCode('57P01') });
    const unsaid = new EventStoreUnavailableError('read', { cause: new Error('Connection terminated unexpectedly') });

    // then
    expect(describeFailure(refused)).to.deep.equal({
      message: 'impossible de joindre la base de données : connexion refusée (ECONNREFUSED)',
      exitCode: ExitCode.failure,
    });
    expect(describeFailure(cut).message).to.equal(
      'impossible de joindre la base de données : connexion coupée par le serveur (57P01)',
    );
    expect(describeFailure(unsaid).message).to.equal('impossible de joindre la base de données');
  });

  it('says in French why no time-stamp was had, never in the authority’s words', () => {
    // given the four reasons, with what an authority may have said in its status text
    const said = 'status 2: bad request from 10.0.0.7';
    const failures = (['unreachable', 'refused', 'invalid-response', 'invalid-certificates'] as const).map((reason) =>
      describeFailure(new TimestampError(said, reason)),
    );

    // then the authority's failures are outages, a wrong certificate file the caller's mistake
    expect(failures.map((failure) => failure.exitCode)).to.deep.equal([
      ExitCode.failure,
      ExitCode.failure,
      ExitCode.failure,
      ExitCode.usage,
    ]);
    expect(failures[0]?.message).to.include('injoignable');
    expect(failures[1]?.message).to.include('a refusé de dater l’ancre');
    expect(failures[2]?.message).to.include('réponse rejouée');
    for (const failure of failures) expect(failure.message).not.to.include('10.0.0.7');
    // and an HTTP status, when the authority answered one
    expect(describeFailure(new TimestampError(said, 'unreachable', { httpStatus: 503 })).message).to.include(
      'n’a pas répondu à temps (HTTP 503) : aucune ancre écrite ni renouvelée',
    );
  });

  it('never prints the message of an error it does not know, which may quote data', () => {
    // given
    const error = new Error('duplicate key value: (nom)=(DUPONT Marie)');

    // when
    const failure = describeFailure(error);

    // then
    expect(failure.message).to.equal('erreur inattendue (Error)');
    expect(failure.message).not.to.include('DUPONT');
  });
});
