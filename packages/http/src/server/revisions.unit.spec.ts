import { expect } from 'chai';
import type { Request } from 'express';
import fc from 'fast-check';
import { HttpProblem } from './problem-details.js';
import { expectedRevisionOf, requireExpectedRevision, revisionEtag } from './revisions.js';

describe('revisions as entity tags', () => {
  const requestWith = (ifMatch: string | undefined) =>
    ({ get: (name: string) => (name.toLowerCase() === 'if-match' ? ifMatch : undefined) }) as unknown as Request;

  function problemOf(action: () => unknown): HttpProblem {
    try {
      action();
    } catch (error) {
      expect(error).to.be.instanceOf(HttpProblem);
      return error as HttpProblem;
    }
    throw new Error('no problem raised');
  }

  it('reads back as If-Match every revision it writes as ETag', () => {
    fc.assert(
      fc.property(fc.nat({ max: Number.MAX_SAFE_INTEGER }), (revision) => {
        // when
        const read = expectedRevisionOf(requestWith(revisionEtag(revision)));

        // then
        expect(read).to.equal(revision);
      }),
    );
  });

  it('has no expected revision without If-Match', () => {
    // then
    expect(expectedRevisionOf(requestWith(undefined))).to.equal(undefined);
  });

  it('refuses with 400 an If-Match that names no single revision', () => {
    for (const header of ['*', '3', 'W/"3"', '"3", "4"', '"-1"', '"03"', '"abc"', '""', '"99999999999999999"']) {
      // when
      const problem = problemOf(() => expectedRevisionOf(requestWith(header)));

      // then
      expect(problem.status, header).to.equal(400);
      expect(problem.kind).to.equal('validation-failed');
    }
  });

  it('refuses with 428 a command that requires If-Match and has none', () => {
    // when
    const problem = problemOf(() => requireExpectedRevision(requestWith(undefined)));

    // then
    expect(problem.status).to.equal(428);
    expect(problem.kind).to.equal('precondition-required');
  });

  it('writes only revisions as ETags', () => {
    // then
    expect(revisionEtag(0)).to.equal('"0"');
    expect(() => revisionEtag(-1)).to.throw(TypeError);
    expect(() => revisionEtag(1.5)).to.throw(TypeError);
  });
});
