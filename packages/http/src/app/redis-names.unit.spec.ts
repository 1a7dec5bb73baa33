import { expect } from 'chai';
import { redisNames } from './redis-names.js';

describe('the names of a deployment in Redis', () => {
  it('keeps the names of earlier versions for the default schema', () => {
    // when
    const names = redisNames('dui');

    // then
    expect(names).to.deep.equal({
      sessions: 'dui:session:',
      portalSessions: 'dui:portal-session:',
      idempotencyKeys: 'dui:idempotency:',
      rateLimits: 'dui:rate-limit:',
      leases: 'dui:lease:',
      appendedChannel: 'dui:appended',
      reportingStreams: 'dui:reporting:',
    });
  });

  it('gives two deployments on one Redis no name in common', () => {
    // given
    const production = Object.values(redisNames('dui'));
    const staging = Object.values(redisNames('dui_staging'));

    // then no name of one is a name, or the start of a name, of the other
    for (const name of staging) {
      for (const other of production) {
        expect(name.startsWith(other) || other.startsWith(name), `${name} / ${other}`).to.equal(false);
      }
    }
  });
});
