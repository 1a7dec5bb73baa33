import { EventStoreUnavailableError, TransactionIdsBehindLogError } from '@dui-pds/eventstore';
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
