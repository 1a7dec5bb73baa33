import { expect } from 'chai';
import fc from 'fast-check';
import { accessLogStreamId } from './record-read.js';

describe('the access log’s streams', () => {
  it('never share one between two (organisation, usager) pairs, whatever characters their ids hold', () => {
    const pair = fc.tuple(fc.string({ minLength: 1 }), fc.string({ minLength: 1 }));
    fc.assert(
      fc.property(pair, pair, ([organisationA, usagerA], [organisationB, usagerB]) => {
        fc.pre(organisationA !== organisationB || usagerA !== usagerB);
        expect(accessLogStreamId(organisationA, usagerA)).to.not.equal(accessLogStreamId(organisationB, usagerB));
      }),
    );
    expect(accessLogStreamId('og', 'a-usager-1')).to.not.equal(accessLogStreamId('og-a', 'usager-1'));
  });
});
