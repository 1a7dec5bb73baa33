import { createHash, randomUUID } from 'node:crypto';
import canonicalize from 'canonicalize';
import { expect } from 'chai';
import { Redis } from 'ioredis';
import { PrivateRedis } from './testing/private-redis.js';
import { ServerUnderTest } from './testing/server-under-test.js';

const ORG = 'og-a';
const CSAPA = '750000001';
const NAME = 'Paul Martin';

/**
 * Every string of a kept value, and what it says once decoded from base64 or base64url: an
 * answer kept in clear is JSON whose body is base64.
 */
function revealed(kept: string): string {
  const strings: string[] = [];
  const collect = (value: unknown): void => {
    if (typeof value === 'string') {
      strings.push(
        value,
        Buffer.from(value, 'base64').toString('utf8'),
        Buffer.from(value, 'base64url').toString('utf8'),
      );
      try {
        collect(JSON.parse(value));
      } catch {
        // not JSON
      }
    } else if (Array.isArray(value)) value.forEach(collect);
    else if (typeof value === 'object' && value !== null) Object.values(value).forEach(collect);
  };
  collect(kept);
  return strings.join('\n');
}

describe('the HTTP API: commands’ answers kept for their retries, sealed', function () {
  this.timeout(120_000);

  const stores: { name: string; start: () => Promise<{ app: ServerUnderTest; dump: () => Promise<string> }> }[] = [
    {
      name: 'Redis',
      start: async () => {
        const privateRedis = await PrivateRedis.create();
        const app = await ServerUnderTest.start({ REDIS_URL: privateRedis.url });
        const redis = new Redis(privateRedis.url);
        cleanUps.push(async () => {
          redis.disconnect();
          await privateRedis.stop();
        });
        const dump = async () => {
          const values: unknown[] = [];
          for (const key of await redis.keys('*')) {
            const type = await redis.type(key);
            if (type === 'hash') values.push(key, await redis.hgetall(key));
            else if (type === 'string') values.push(key, await redis.get(key));
            else values.push(key, type);
          }
          return JSON.stringify(values);
        };
        return { app, dump };
      },
    },
    {
      name: 'PostgreSQL (no Redis)',
      start: async () => {
        const app = await ServerUnderTest.start({ REDIS_URL: '' });
        const dump = async () => JSON.stringify(await app.server.knex(`${app.schema}.idempotency_keys`).select());
        return { app, dump };
      },
    },
  ];
  const cleanUps: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const cleanUp of cleanUps.splice(0)) await cleanUp();
  });

  for (const store of stores) {
    it(`gives a retry the certificate of care again, while ${store.name} holds neither the name nor the answer`, async () => {
      // given an anonymous usager and the secretary who issues a certificate in the name the person gives
      const { app, dump } = await store.start();
      cleanUps.unshift(() => app.close());
      await app.asSystem(ORG, {
        type: 'GrantRole',
        professionalId: 'pro-secretary',
        facilityId: CSAPA,
        role: 'secretary',
      });
      const secretary = await app.loginAs('pro-secretary');
      const registered = await app.request('POST', `/organisations/${ORG}/anonymous-usagers`, {
        as: secretary,
        body: { serviceUserId: 'usager-anonyme', facilityId: CSAPA },
      });
      expect(registered.status, JSON.stringify(registered.body)).to.equal(201);
      const path = `/organisations/${ORG}/usagers/usager-anonyme/care-certificates`;
      const body = {
        certificateId: randomUUID(),
        nameOnCertificate: NAME,
        periodFrom: '2026-03-01',
        periodTo: '2026-06-30',
        purpose: 'justificatif pour l’employeur',
      };
      const idempotencyKey = randomUUID();

      // when the certificate is asked, then asked again with the same key (the answer was lost)
      const first = await app.request('POST', path, { as: secretary, body, idempotencyKey });
      const eventsAfterFirst = await app.eventCount();
      const retry = await app.request('POST', path, { as: secretary, body, idempotencyKey });

      // then the retry gets the same certificate and writes nothing
      expect(first.status, JSON.stringify(first.body)).to.equal(201);
      expect(first.body.certificate.text).to.contain(NAME);
      expect(retry.status).to.equal(201);
      expect(retry.headers.get('idempotency-replayed')).to.equal('true');
      expect(Buffer.from(retry.bytes).equals(Buffer.from(first.bytes))).to.equal(true);
      expect(await app.eventCount()).to.equal(eventsAfterFirst);

      // and what the store keeps holds neither the name, nor the answer, nor the request's plain hash
      const kept = await dump();
      expect(kept.length).to.be.above(0);
      const fingerprint = createHash('sha256')
        .update(`POST\n${path}\n${canonicalize(body)}`)
        .digest('hex');
      expect(revealed(kept)).not.to.include(NAME);
      expect(revealed(kept)).not.to.include(first.body.certificate.pdfBase64.slice(0, 200));
      expect(kept).not.to.include(fingerprint);
    });
  }
});
