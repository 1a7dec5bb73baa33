import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { expect } from 'chai';
import fc from 'fast-check';
import type { IdempotencyKeeper, KeptAnswer, StoredResponse } from './idempotency-store.js';
import { InMemoryIdempotencyStore } from './in-memory-idempotency-store.js';
import { IdempotentAnswerUnreadableError, SealedIdempotencyStore } from './sealed-idempotency-store.js';

/** An adapter that shows what it was given to keep, as a dump of Redis or of the table would. */
class VisibleKeeper implements IdempotencyKeeper {
  readonly fingerprints = new Map<string, string>();
  readonly answers = new Map<string, KeptAnswer>();
  readonly inner = new InMemoryIdempotencyStore();

  async claim(key: string, fingerprint: string, lockTtlMs: number) {
    const claim = await this.inner.claim(key, fingerprint, lockTtlMs);
    if (claim.state === 'claimed') this.fingerprints.set(key, fingerprint);
    return claim;
  }
  async complete(key: string, token: string, response: KeptAnswer, ttlMs: number) {
    this.answers.set(key, response);
    await this.inner.complete(key, token, response, ttlMs);
  }
  release(key: string, token: string) {
    return this.inner.release(key, token);
  }

  /** Everything kept about the key, as text. */
  dump(key: string): string {
    return JSON.stringify([this.fingerprints.get(key), this.answers.get(key)]);
  }
}

const minute = 60_000;
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const certificateAnswer = (name: string): StoredResponse => ({
  status: 201,
  headers: { 'content-type': 'application/json; charset=utf-8' },
  body: Buffer.from(JSON.stringify({ certificate: { text: `Je soussigné certifie que ${name} est suivi` } })).toString(
    'base64',
  ),
});

/** Runs one command through the store: claims its key and keeps its answer. */
async function answered(store: SealedIdempotencyStore, key: string, fingerprint: string, answer: StoredResponse) {
  const claim = await store.claim(key, fingerprint, minute);
  if (claim.state !== 'claimed') throw new Error(`the key was ${claim.state}`);
  await store.complete(key, claim.token, answer, minute);
}

describe('idempotent answers, sealed where they are kept', () => {
  let keeper: VisibleKeeper;
  let store: SealedIdempotencyStore;
  beforeEach(() => {
    keeper = new VisibleKeeper();
    store = new SealedIdempotencyStore(keeper, randomBytes(32));
  });

  it('gives a retry the answer as it was, while the adapter holds neither the answer nor the request’s hash', async () => {
    // given the answer of a certificate of care for a usager known by a pseudonym
    const key = randomUUID();
    const fingerprint = sha256('POST\n/usagers/anonyme/care-certificates\n{"nameOnCertificate":"Paul Martin"}');
    const answer = certificateAnswer('Paul Martin');
    await answered(store, key, fingerprint, answer);

    // when the same request comes again
    const retry = await store.claim(key, fingerprint, minute);

    // then it gets the answer, and what is kept says nothing of it
    expect(retry).to.deep.equal({ state: 'completed', fingerprint, response: answer });
    expect(Object.keys(keeper.answers.get(key) ?? {})).to.deep.equal(['sealed']);
    const dump = keeper.dump(key);
    expect(dump).not.to.include(fingerprint);
    expect(dump).not.to.include(answer.body);
    expect(Buffer.from(JSON.parse(dump)[1].sealed, 'base64url').toString('latin1')).not.to.include('Paul Martin');
  });

  it('tells another request under the same key apart, whether the first is answered or not', async () => {
    // given one request under way and one answered
    const pending = randomUUID();
    const done = randomUUID();
    await store.claim(pending, sha256('first'), minute);
    await answered(store, done, sha256('first'), certificateAnswer('Paul Martin'));

    // when another request comes with each key
    const onPending = await store.claim(pending, sha256('second'), minute);
    const onDone = await store.claim(done, sha256('second'), minute);

    // then neither says the second request's fingerprint: the middleware refuses the reuse
    expect(onPending.state).to.equal('in-progress');
    expect(onDone.state).to.equal('completed');
    for (const claim of [onPending, onDone]) {
      expect(claim.state !== 'claimed' && claim.fingerprint).not.to.equal(sha256('second'));
    }
  });

  it('refuses to open an answer moved under another key, altered, or sealed under another secret', async () => {
    // given an answer kept, then its sealed text copied under a key of a request that was never answered
    const fingerprint = sha256('the request');
    const original = randomUUID();
    await answered(store, original, fingerprint, certificateAnswer('Paul Martin'));
    const kept = keeper.answers.get(original) as { sealed: string };
    const moved = randomUUID();
    const claim = await keeper.claim(moved, keeper.fingerprints.get(original) ?? '', minute);
    if (claim.state !== 'claimed') throw new Error('not claimed');
    await keeper.complete(moved, claim.token, kept, minute);

    // when it is read under the other key, after an alteration, and by a deployment with another secret
    const altered = randomUUID();
    const alteredClaim = await keeper.claim(altered, keeper.fingerprints.get(original) ?? '', minute);
    if (alteredClaim.state !== 'claimed') throw new Error('not claimed');
    const flipped = Buffer.from(kept.sealed, 'base64url');
    flipped[flipped.length - 1]! ^= 1;
    await keeper.complete(altered, alteredClaim.token, { sealed: flipped.toString('base64url') }, minute);
    const otherDeployment = new SealedIdempotencyStore(keeper, randomBytes(32));

    // then none opens, and each says so
    for (const [reader, key, what] of [
      [store, moved, 'moved'],
      [store, altered, 'altered'],
    ] as const) {
      const error = await reader.claim(key, fingerprint, minute).catch((thrown: unknown) => thrown);
      expect(error, what).to.be.instanceOf(IdempotentAnswerUnreadableError);
    }
    const foreign = await otherDeployment.claim(original, fingerprint, minute).catch((thrown: unknown) => thrown);
    expect(foreign).to.be.instanceOf(IdempotentAnswerUnreadableError);
  });

  it('replays an answer a version before sealing kept, for the day such answers live on', async () => {
    // given a key claimed and answered in clear, with the request's plain hash
    const key = randomUUID();
    const fingerprint = sha256('a request of yesterday');
    const answer = certificateAnswer('Paul Martin');
    const claim = await keeper.inner.claim(key, fingerprint, minute);
    if (claim.state !== 'claimed') throw new Error('not claimed');
    await keeper.inner.complete(key, claim.token, answer, minute);

    // when the same request and another one come with the key
    const same = await store.claim(key, fingerprint, minute);
    const other = await store.claim(key, sha256('another request'), minute);

    // then
    expect(same).to.deep.equal({ state: 'completed', fingerprint, response: answer });
    expect(other.state !== 'claimed' && other.fingerprint).to.equal(fingerprint);
  });

  it('gives back any answer exactly, kept only as ciphertext', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 200, max: 499 }),
        fc.dictionary(fc.constantFrom('content-type', 'etag', 'location', 'content-language'), fc.string()),
        fc.uint8Array({ minLength: 12, maxLength: 2_000 }),
        fc.string({ minLength: 1 }),
        async (status, headers, bytes, request) => {
          const key = randomUUID();
          const answer: StoredResponse = { status, headers, body: Buffer.from(bytes).toString('base64') };
          await answered(store, key, sha256(request), answer);

          const retry = await store.claim(key, sha256(request), minute);

          expect(retry).to.deep.equal({ state: 'completed', fingerprint: sha256(request), response: answer });
          expect(keeper.dump(key)).not.to.include(answer.body);
        },
      ),
      { numRuns: 100 },
    );
  });

  it('takes a secret of 32 bytes only', () => {
    expect(() => new SealedIdempotencyStore(keeper, randomBytes(16))).to.throw(RangeError, /32 bytes/);
  });
});
