import { randomBytes, randomUUID } from 'node:crypto';
import { expect } from 'chai';
import type { IdempotencyStore } from './idempotency-store.js';
import { InMemoryIdempotencyStore } from './in-memory-idempotency-store.js';
import { PROBLEM_BASE_URI } from './problem-details.js';
import { SealedIdempotencyStore } from './sealed-idempotency-store.js';
import { type ShellUnderTest, startShell } from './testing/shell-under-test.js';

describe('idempotency keys on commands (e2e)', () => {
  let shell: ShellUnderTest;

  before(async () => {
    shell = await startShell({
      // A stand-in for authentication: the professional named by a test header.
      beforeRoutes: (app) =>
        app.use((request, response, next) => {
          const professionalId = request.get('x-test-professional');
          if (professionalId !== undefined) response.locals.principal = { professionalId };
          next();
        }),
    });
  });

  after(async () => {
    await shell.close();
  });

  const callsTo = (route: string) => shell.records.calls.filter((call) => call.route === route).length;

  it('refuses a command without a key with 428, and a malformed key with 400', async () => {
    // when
    const missing = await shell.fetch('/usagers', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ nom: 'Martin', prenom: 'Léa' }),
    });
    const malformed = await shell.command('/usagers', { nom: 'Martin', prenom: 'Léa' }, { 'idempotency-key': 'a b' });

    // then
    expect(missing.status).to.equal(428);
    expect(((await missing.json()) as { type: string }).type).to.equal(`${PROBLEM_BASE_URI}precondition-required`);
    expect(malformed.status).to.equal(400);
    expect(((await malformed.json()) as { errors: { path: string }[] }).errors[0]?.path).to.equal(
      'headers.idempotency-key',
    );
  });

  it('replays the first answer to a retry, without running the command again', async () => {
    // given
    const key = randomUUID();
    const before = callsTo('POST /usagers');
    const first = await shell.command('/usagers', { nom: 'Martin', prenom: 'Léa' }, { 'idempotency-key': key });
    const firstBody = await first.text();

    // when: the same body, its keys in another order
    const retry = await shell.command('/usagers', { prenom: 'Léa', nom: 'Martin' }, { 'idempotency-key': key });

    // then
    expect(retry.status).to.equal(201);
    expect(await retry.text()).to.equal(firstBody);
    expect(retry.headers.get('idempotency-replayed')).to.equal('true');
    expect(retry.headers.get('etag')).to.equal(first.headers.get('etag'));
    expect(retry.headers.get('location')).to.equal(first.headers.get('location'));
    expect(retry.headers.get('content-type')).to.equal(first.headers.get('content-type'));
    expect(first.headers.get('idempotency-replayed')).to.equal(null);
    expect(callsTo('POST /usagers')).to.equal(before + 1);
  });

  it('refuses the same key with another body with 422', async () => {
    // given
    const key = randomUUID();
    await shell.command('/usagers', { nom: 'Martin', prenom: 'Léa' }, { 'idempotency-key': key });

    // when
    const reused = await shell.command('/usagers', { nom: 'Martin', prenom: 'Louis' }, { 'idempotency-key': key });
    const otherPath = await shell.command('/pannes/intermittente', { valeur: 1 }, { 'idempotency-key': key });

    // then
    expect(reused.status).to.equal(422);
    expect(((await reused.json()) as { type: string }).type).to.equal(`${PROBLEM_BASE_URI}idempotency-key-reused`);
    expect(otherPath.status).to.equal(422);
  });

  it('answers 409 to a retry while the first request is still running, then replays its answer', async () => {
    // given
    const key = randomUUID();
    const open = shell.records.hold();
    const first = shell.command('/lent', { valeur: 1 }, { 'idempotency-key': key });
    while (callsTo('POST /lent') === 0) await new Promise((resolve) => setTimeout(resolve, 5));

    // when
    const during = await shell.command('/lent', { valeur: 1 }, { 'idempotency-key': key });
    open();
    const firstAnswer = await first;
    const after = await shell.command('/lent', { valeur: 1 }, { 'idempotency-key': key });

    // then
    expect(during.status).to.equal(409);
    expect(during.headers.get('retry-after')).to.equal('1');
    expect(((await during.json()) as { type: string }).type).to.equal(`${PROBLEM_BASE_URI}conflict`);
    expect(firstAnswer.status).to.equal(200);
    expect(after.status).to.equal(200);
    expect(after.headers.get('idempotency-replayed')).to.equal('true');
    expect(callsTo('POST /lent')).to.equal(1);
  });

  it('does not store a server error: the retry runs the command', async () => {
    // given
    const key = randomUUID();
    shell.records.failuresToCome = 1;
    const before = callsTo('POST /pannes/intermittente');
    const failed = await shell.command('/pannes/intermittente', { valeur: 2 }, { 'idempotency-key': key });

    // when
    const retry = await shell.command('/pannes/intermittente', { valeur: 2 }, { 'idempotency-key': key });

    // then
    expect(failed.status).to.equal(500);
    expect(retry.status).to.equal(200);
    expect(retry.headers.get('idempotency-replayed')).to.equal(null);
    expect(callsTo('POST /pannes/intermittente')).to.equal(before + 2);
  });

  it('stores a client error of the command: the retry gets the same 422 without running anything', async () => {
    // given a command its handler refuses (a business rule)
    const key = randomUUID();
    const first = await shell.command('/pannes/regle-metier', { quantite: -1 }, { 'idempotency-key': key });

    // when
    const retry = await shell.command('/pannes/regle-metier', { quantite: -1 }, { 'idempotency-key': key });

    // then
    expect(first.status).to.equal(422);
    expect(retry.status).to.equal(422);
    expect(retry.headers.get('idempotency-replayed')).to.equal('true');
    expect(retry.headers.get('content-type')).to.match(/^application\/problem\+json/);
  });

  it('claims no key for a body its schema refuses: the same refusal again, and the corrected body runs', async () => {
    // given a body the route's schema refuses
    const key = randomUUID();
    const first = await shell.command('/usagers', { nom: '' }, { 'idempotency-key': key });

    // when it is sent again, then corrected, with the same key
    const again = await shell.command('/usagers', { nom: '' }, { 'idempotency-key': key });
    const corrected = await shell.command('/usagers', { nom: 'Martin', prenom: 'Léa' }, { 'idempotency-key': key });

    // then the refusal is given again rather than replayed, and the corrected command is not a reused key
    expect(first.status).to.equal(400);
    expect(again.status).to.equal(400);
    expect(again.headers.get('idempotency-replayed')).to.equal(null);
    const { correlationId: _first, ...refused } = (await first.json()) as Record<string, unknown>;
    const { correlationId: _again, ...refusedAgain } = (await again.json()) as Record<string, unknown>;
    expect(refusedAgain).to.deep.equal(refused);
    expect(corrected.status).to.equal(201);
  });

  it('scopes keys to the professional: the same key from two professionals runs twice', async () => {
    // given
    const key = randomUUID();
    const before = callsTo('POST /usagers');
    const body = { nom: 'Martin', prenom: 'Léa' };

    // when
    const fromA = await shell.command('/usagers', body, { 'idempotency-key': key, 'x-test-professional': 'rpps-a' });
    const fromB = await shell.command('/usagers', body, { 'idempotency-key': key, 'x-test-professional': 'rpps-b' });
    const retryA = await shell.command('/usagers', body, { 'idempotency-key': key, 'x-test-professional': 'rpps-a' });

    // then
    expect(fromA.status).to.equal(201);
    expect(fromB.status).to.equal(201);
    expect(fromB.headers.get('idempotency-replayed')).to.equal(null);
    expect(await retryA.text()).to.equal(await fromA.text());
    expect(callsTo('POST /usagers')).to.equal(before + 2);
  });

  it('still answers when the answer cannot be stored, and frees the key for the retry', async () => {
    // given: a store that loses its connection when the answer is to be kept
    const inner = new SealedIdempotencyStore(new InMemoryIdempotencyStore(), randomBytes(32));
    const failing: IdempotencyStore = {
      claim: (...args) => inner.claim(...args),
      release: (...args) => inner.release(...args),
      complete: () => Promise.reject(new Error('connection lost')),
    };
    const other = await startShell({ idempotencyStore: failing });
    const key = randomUUID();

    // when
    const first = await other.command('/usagers', { nom: 'Martin', prenom: 'Léa' }, { 'idempotency-key': key });
    const retry = await other.command('/usagers', { nom: 'Martin', prenom: 'Léa' }, { 'idempotency-key': key });
    await other.close();

    // then
    expect(first.status).to.equal(201);
    expect(retry.status).to.equal(201);
    expect(other.records.calls).to.have.length(2);
    expect(other.logLines.some((line) => line.msg === 'idempotency key not recorded')).to.equal(true);
  });

  it('answers 500 in French when the kept answer does not open, and does not run the command again', async () => {
    // given an answer kept by one deployment, read back by one with another secret (a restored dump)
    const keeper = new InMemoryIdempotencyStore();
    const first = await startShell({ idempotencyStore: new SealedIdempotencyStore(keeper, randomBytes(32)) });
    const second = await startShell({ idempotencyStore: new SealedIdempotencyStore(keeper, randomBytes(32)) });
    const key = randomUUID();
    const body = { nom: 'Martin', prenom: 'Léa' };
    const answered = await first.command('/usagers', body, { 'idempotency-key': key });

    // when the retry reaches the other deployment
    const retry = await second.command('/usagers', body, { 'idempotency-key': key });
    await first.close();
    await second.close();

    // then
    expect(answered.status).to.equal(201);
    expect(retry.status).to.equal(500);
    const problem = (await retry.json()) as { type: string; detail: string };
    expect(problem.type).to.equal(`${PROBLEM_BASE_URI}internal-error`);
    expect(problem.detail).to.match(/ne peut pas être relue/);
    expect(second.records.calls).to.have.length(0);
  });
});
