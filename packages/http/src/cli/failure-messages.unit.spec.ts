import { TransactionIdsBehindLogError } from '@dui-pds/eventstore';
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
