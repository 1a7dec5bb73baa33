import { BlobErasedError } from '@dui-pds/documents';
import { DomainRuleViolation } from '@dui-pds/domain';
import {
  DuplicateEventIdError,
  InvalidEventError,
  StaleTransactionError,
  TenantMismatchError,
  WrongExpectedRevisionError,
} from '@dui-pds/eventstore';
import { expect } from 'chai';
import type { Request } from 'express';
import { z } from 'zod';
import { problemFor } from './error-handler.js';
import { HttpProblem } from './problem-details.js';

describe('the problem each error stands for', () => {
  const request = (headers: Record<string, string> = {}) =>
    ({ get: (name: string) => headers[name.toLowerCase()] }) as unknown as Request;

  it('keeps an HttpProblem as it is', () => {
    // given
    const problem = new HttpProblem('forbidden', 'Réservé à l’équipe de soins.');

    // then
    expect(problemFor(problem, request())).to.equal(problem);
  });

  it('answers a revision conflict with 412 when the client sent If-Match, else 409', () => {
    // given
    const error = new WrongExpectedRevisionError('usager-1', 2, 3);

    // when
    const withIfMatch = problemFor(error, request({ 'if-match': '"2"' }));
    const without = problemFor(error, request());

    // then
    expect(withIfMatch?.toDocument()).to.deep.include({ status: 412, expectedRevision: 2, currentRevision: 3 });
    expect(without?.status).to.equal(409);
    expect(JSON.stringify(without?.toDocument())).not.to.include('usager-1');
  });

  it('answers a domain rule with 422, its code and French message', () => {
    // when
    const problem = problemFor(new DomainRuleViolation('age-minimum', 'L’usager doit être majeur.'), request());

    // then
    expect(problem?.toDocument()).to.deep.include({
      status: 422,
      code: 'age-minimum',
      detail: 'L’usager doit être majeur.',
    });
    expect(problem?.toDocument()).not.to.have.property('details');
  });

  it('answers a zod error thrown by a handler with 400 and its fields', () => {
    // given
    const parsed = z.object({ nir: z.string().length(13) }).safeParse({ nir: '123' });

    // when
    const problem = problemFor(parsed.error, request());

    // then
    expect(problem?.status).to.equal(400);
    expect(problem?.toDocument().errors).to.deep.equal([{ path: 'nir', message: parsed.error?.issues[0]?.message }]);
    expect(JSON.stringify(problem?.toDocument())).not.to.include('123');
  });

  it('hides the event store’s own words: invalid event 400, other tenant 404, partial duplicate 409, stale transaction 409', () => {
    // then
    expect(problemFor(new InvalidEventError('data.nom "Dupont" is too long'), request())?.toDocument()).to.deep.include(
      {
        status: 400,
        errors: [],
      },
    );
    expect(JSON.stringify(problemFor(new InvalidEventError('Dupont'), request())?.toDocument())).not.to.include(
      'Dupont',
    );
    expect(problemFor(new TenantMismatchError('usager-1'), request())?.status).to.equal(404);
    expect(problemFor(new DuplicateEventIdError('e-1'), request())?.status).to.equal(409);
    expect(problemFor(new StaleTransactionError('usager-1'), request())?.toDocument()).to.deep.include({
      status: 409,
      detail:
        'La ressource a été modifiée en même temps par une autre requête. Relisez-la, puis recommencez si besoin.',
    });
  });

  it('answers the bytes of a forgotten usager’s document as a destroyed record, in French, naming nothing', () => {
    // given the documents of a usager forgotten at the end of their record's retention
    const address = 'a'.repeat(64);

    // when their content is asked for
    const problem = problemFor(new BlobErasedError(address), request());

    // then 410, and neither the address nor the usager in the answer
    expect(problem?.toDocument()).to.deep.include({ status: 410, title: 'Dossier détruit' });
    expect(problem?.toDocument().detail).to.include('ses documents ne peuvent plus être lus');
    expect(JSON.stringify(problem?.toDocument())).not.to.include(address);
  });

  it('maps errors carrying a client status, and leaves the unexpected ones to the 500', () => {
    // then
    expect(problemFor(Object.assign(new Error('URI malformed'), { status: 400 }), request())?.status).to.equal(400);
    expect(problemFor(Object.assign(new Error('x'), { statusCode: 403 }), request())?.kind).to.equal('forbidden');
    expect(problemFor(Object.assign(new Error('x'), { status: 418 }), request())?.status).to.equal(400);
    expect(problemFor(Object.assign(new Error('x'), { status: 503 }), request())).to.equal(undefined);
    expect(problemFor(new Error('boom'), request())).to.equal(undefined);
    expect(problemFor('a string', request())).to.equal(undefined);
  });
});
