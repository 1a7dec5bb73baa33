import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { z } from 'zod';
import { PROBLEM_BASE_URI } from './problem-details.js';
import { defineCommand, defineQuery } from './routes.js';
import { type ShellUnderTest, startShell } from './testing/shell-under-test.js';

describe('declared routes (e2e)', () => {
  let shell: ShellUnderTest;

  before(async () => {
    shell = await startShell();
  });

  after(async () => {
    await shell.close();
  });

  async function admit(): Promise<string> {
    const response = await shell.command('/usagers', { nom: 'Martin', prenom: 'Léa' });
    expect(response.status).to.equal(201);
    return ((await response.json()) as { serviceUserId: string }).serviceUserId;
  }

  async function problemOf(response: Response) {
    expect(response.headers.get('content-type')).to.match(/^application\/problem\+json/);
    return (await response.json()) as Record<string, unknown> & { errors?: { path: string; message: string }[] };
  }

  describe('commands', () => {
    it('run the handler with the validated body and answer its status, body, ETag and headers', async () => {
      // when
      const response = await shell.command('/usagers', { nom: 'Martin', prenom: 'Léa' });

      // then
      expect(response.status).to.equal(201);
      const { serviceUserId } = (await response.json()) as { serviceUserId: string };
      expect(response.headers.get('etag')).to.equal('"0"');
      expect(response.headers.get('location')).to.equal(`/usagers/${serviceUserId}`);
      expect(response.headers.get('cache-control')).to.equal('no-store');
      expect(shell.records.calls.at(-1)).to.deep.include({
        route: 'POST /usagers',
        body: { nom: 'Martin', prenom: 'Léa' },
        expectedRevision: undefined,
      });
    });

    it('refuse a body that breaks the schema, in French, naming each field and never echoing its value', async () => {
      // given
      const calls = shell.records.calls.length;

      // when
      const response = await shell.command('/usagers', { nom: '', nir: '2840763116480XX' });

      // then
      expect(response.status).to.equal(400);
      const problem = await problemOf(response);
      expect(problem).to.deep.include({
        type: `${PROBLEM_BASE_URI}validation-failed`,
        title: 'Requête invalide',
        status: 400,
      });
      expect(problem.errors?.map((error) => error.path)).to.have.members(['body.nom', 'body.prenom', 'body.nir']);
      expect(problem.errors?.find((error) => error.path === 'body.prenom')?.message).to.match(/attendu/);
      expect(JSON.stringify(problem)).not.to.include('2840763116480XX');
      expect(shell.records.calls.length).to.equal(calls);
    });

    it('refuse unknown keys in the body', async () => {
      // when
      const response = await shell.command('/usagers', { nom: 'Martin', prenom: 'Léa', diagnostic: 'secret' });

      // then
      expect(response.status).to.equal(400);
      const problem = await problemOf(response);
      expect(problem.errors).to.have.length(1);
      expect(problem.errors?.[0]?.path).to.equal('body');
      expect(problem.errors?.[0]?.message).to.match(/non reconnue/);
    });

    it('refuse a query string and invalid path parameters', async () => {
      // when
      const withQuery = await shell.command('/usagers?x=1', { nom: 'Martin', prenom: 'Léa' });
      const badParam = await shell.command('/usagers/pas-un-uuid/notes', { texte: 'a', categorie: 'sociale' });

      // then
      expect(withQuery.status).to.equal(400);
      expect((await problemOf(withQuery)).errors?.[0]?.path).to.equal('query');
      expect(badParam.status).to.equal(400);
      expect((await problemOf(badParam)).errors?.[0]?.path).to.equal('params.serviceUserId');
    });

    it('answer malformed JSON with 400, a body too large with 413 and another content type with 415', async () => {
      // when
      const malformed = await shell.fetch('/usagers', {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'idempotency-key': 'k-malformed' },
        body: '{"nom": "Dupont", ',
      });
      const tooLarge = await shell.command('/usagers', { nom: 'x'.repeat(1_100_000), prenom: 'Léa' });
      const form = await shell.fetch('/usagers', {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'idempotency-key': 'k-form' },
        body: 'nom=Dupont',
      });

      // then
      expect(malformed.status).to.equal(400);
      const malformedProblem = await problemOf(malformed);
      expect(malformedProblem.type).to.equal(`${PROBLEM_BASE_URI}validation-failed`);
      expect(JSON.stringify(malformedProblem)).not.to.include('Dupont');
      expect(tooLarge.status).to.equal(413);
      expect((await problemOf(tooLarge)).type).to.equal(`${PROBLEM_BASE_URI}payload-too-large`);
      expect(form.status).to.equal(415);
      expect((await problemOf(form)).type).to.equal(`${PROBLEM_BASE_URI}unsupported-media-type`);
    });

    it('answer a string holding the NUL character, which PostgreSQL cannot store, with 400 before any handler runs', async () => {
      // given
      const callsBefore = shell.records.calls.length;

      // when
      const response = await shell.command('/usagers', { nom: 'Du\u0000pont', prenom: 'Léa' });

      // then
      expect(response.status).to.equal(400);
      const problem = await problemOf(response);
      expect(problem.type).to.equal(`${PROBLEM_BASE_URI}validation-failed`);
      expect(problem.detail).to.include('caractère nul');
      expect(shell.records.calls.length).to.equal(callsBefore);
    });

    it('find the NUL character in a key, deep in the body, and in a body sent as UTF-16', async () => {
      // given
      const callsBefore = shell.records.calls.length;
      const utf16 = (text: string) =>
        shell.fetch('/usagers', {
          method: 'POST',
          headers: { 'content-type': 'application/json; charset=utf-16le', 'idempotency-key': randomUUID() },
          body: Buffer.from(text, 'utf16le'),
        });

      // when
      const inKey = await shell.command('/usagers', { nom: 'Dupont', prenom: 'Léa', 'x\u0000': 1 });
      const deep = await shell.command('/usagers', { nom: 'Dupont', prenom: 'Léa', a: [[{ b: ['\u0000'] }]] });
      const inUtf16 = await utf16(JSON.stringify({ nom: 'Du\u0000pont', prenom: 'Léa' }));
      const validUtf16 = await utf16(JSON.stringify({ nom: 'Dupont', prenom: 'Léa' }));

      // then the first three are refused for the NUL character, and the valid UTF-16 body is accepted
      for (const refused of [inKey, deep, inUtf16]) {
        expect(refused.status).to.equal(400);
        expect((await problemOf(refused)).detail).to.include('caractère nul');
      }
      expect(validUtf16.status).to.equal(201);
      expect(shell.records.calls.length).to.equal(callsBefore + 1);
    });

    it('accept an escaped backslash followed by u0000, which is no NUL character', async () => {
      // when
      const response = await shell.command('/usagers', { nom: 'Du\\u0000pont', prenom: 'Léa' });

      // then
      expect(response.status).to.equal(201);
      expect(shell.records.calls.at(-1)?.body).to.deep.equal({ nom: 'Du\\u0000pont', prenom: 'Léa' });
    });

    it('answer a domain rule violation with 422, its code and its French message', async () => {
      // when
      const response = await shell.command('/pannes/regle-metier', { quantite: 5 });

      // then
      expect(response.status).to.equal(422);
      expect(await problemOf(response)).to.deep.include({
        type: `${PROBLEM_BASE_URI}domain-rule-violated`,
        code: 'stock-negatif',
        detail: 'Le stock de méthadone ne peut pas devenir négatif.',
        details: { stock: 3 },
      });
    });

    it('answer an unexpected error with a generic 500 that reveals neither message nor stack', async () => {
      // when
      const response = await shell.command('/pannes/inattendue', { nom: 'Dupont' });

      // then
      expect(response.status).to.equal(500);
      const problem = await problemOf(response);
      expect(problem.type).to.equal(`${PROBLEM_BASE_URI}internal-error`);
      expect(problem.correlationId).to.equal(response.headers.get('x-correlation-id'));
      expect(JSON.stringify(problem)).not.to.match(/Dupont|database|at /);
    });
  });

  describe('queries and revisions', () => {
    it('answer the body with the aggregate revision as a strong ETag, the query validated and coerced', async () => {
      // given
      const serviceUserId = await admit();
      await shell.command(`/usagers/${serviceUserId}/notes`, { texte: 'accueil', categorie: 'sociale' });
      await shell.command(`/usagers/${serviceUserId}/notes`, { texte: 'suivi', categorie: 'sociale' });

      // when
      const response = await shell.fetch(`/usagers/${serviceUserId}?depuis=1`);

      // then
      expect(response.status).to.equal(200);
      expect(response.headers.get('etag')).to.equal('"2"');
      expect(await response.json()).to.deep.equal({ serviceUserId, nom: 'Martin', prenom: 'Léa', notes: ['suivi'] });
    });

    it('refuse unknown and invalid query parameters', async () => {
      // given
      const serviceUserId = await admit();

      // when
      const unknown = await shell.fetch(`/usagers/${serviceUserId}?nom=Dupont`);
      const invalid = await shell.fetch(`/usagers/${serviceUserId}?depuis=-1`);

      // then
      expect(unknown.status).to.equal(400);
      expect(JSON.stringify(await problemOf(unknown))).not.to.include('Dupont');
      expect(invalid.status).to.equal(400);
      expect((await problemOf(invalid)).errors?.[0]?.path).to.equal('query.depuis');
    });

    it('pass If-Match to the command as the expected revision, and answer 412 when the record moved on', async () => {
      // given
      const serviceUserId = await admit();
      const read = await shell.fetch(`/usagers/${serviceUserId}`);
      const etag = read.headers.get('etag')!;
      await shell.command(`/usagers/${serviceUserId}/notes`, { texte: 'autre', categorie: 'sociale' });

      // when
      const stale = await shell.command(
        `/usagers/${serviceUserId}/notes`,
        { texte: 'la mienne', categorie: 'sociale' },
        { 'if-match': etag },
      );
      const fresh = await shell.command(
        `/usagers/${serviceUserId}/notes`,
        { texte: 'la mienne', categorie: 'sociale' },
        { 'if-match': '"1"' },
      );

      // then
      expect(stale.status).to.equal(412);
      expect(await problemOf(stale)).to.deep.include({
        type: `${PROBLEM_BASE_URI}precondition-failed`,
        expectedRevision: 0,
        currentRevision: 1,
      });
      expect(fresh.status).to.equal(200);
      expect(fresh.headers.get('etag')).to.equal('"2"');
      expect(shell.records.calls.at(-1)?.expectedRevision).to.equal(1);
    });

    it('answer a revision conflict without If-Match with 409', async () => {
      // given
      const serviceUserId = await admit();

      // when
      const response = await shell.command(`/usagers/${serviceUserId}/notes`, {
        texte: 'écriture concurrente',
        categorie: 'sociale',
      });

      // then
      expect(response.status).to.equal(409);
      expect((await problemOf(response)).type).to.equal(`${PROBLEM_BASE_URI}conflict`);
    });

    it('refuse a malformed If-Match with 400 and a missing one on a route that requires it with 428', async () => {
      // given
      const serviceUserId = await admit();

      // when
      const malformed = await shell.command(
        `/usagers/${serviceUserId}/notes`,
        { texte: 'x', categorie: 'sociale' },
        {
          'if-match': 'W/"1"',
        },
      );
      const missing = await shell.command(`/usagers/${serviceUserId}/archivage`, {});
      const given = await shell.command(`/usagers/${serviceUserId}/archivage`, {}, { 'if-match': '"0"' });

      // then
      expect(malformed.status).to.equal(400);
      expect((await problemOf(malformed)).errors?.[0]?.path).to.equal('headers.if-match');
      expect(missing.status).to.equal(428);
      expect((await problemOf(missing)).type).to.equal(`${PROBLEM_BASE_URI}precondition-required`);
      expect(given.status).to.equal(200);
    });
  });

  it('answers an unknown route with a 404 problem that does not repeat the path', async () => {
    // when
    const response = await shell.fetch('/inconnue/Dupont-Jean');

    // then
    expect(response.status).to.equal(404);
    const problem = await problemOf(response);
    expect(problem.type).to.equal(`${PROBLEM_BASE_URI}not-found`);
    expect(JSON.stringify(problem)).not.to.include('Dupont');
  });

  it('sets security headers and a correlation id on every answer', async () => {
    // when
    const response = await shell.fetch('/inconnue', { headers: { 'x-correlation-id': 'appel-123' } });
    const generated = await shell.fetch('/inconnue', { headers: { 'x-correlation-id': 'pas valide !' } });

    // then
    expect(response.headers.get('x-correlation-id')).to.equal('appel-123');
    expect(generated.headers.get('x-correlation-id')).to.match(/^[0-9a-f-]{36}$/);
    expect(response.headers.get('content-security-policy')).to.include("default-src 'none'");
    expect(response.headers.get('x-content-type-options')).to.equal('nosniff');
    expect(response.headers.get('x-powered-by')).to.equal(null);
  });
});

describe('route declarations', () => {
  it('refuse a params schema that does not match the path', () => {
    // when
    const declare = () =>
      defineQuery({
        path: '/usagers/:serviceUserId',
        summary: 'x',
        params: z.object({ id: z.string() }),
        response: z.object({}),
        handler: () => ({ body: {} }),
      });

    // then
    expect(declare).to.throw(TypeError, /params schema/);
  });

  it('make top-level objects strict', () => {
    // when
    const route = defineCommand({
      path: '/x',
      summary: 'x',
      body: z.object({ a: z.string() }),
      response: z.object({}),
      handler: () => ({ body: {} }),
    });

    // then
    expect(route.body?.safeParse({ a: 'b', c: 1 }).success).to.equal(false);
  });
});
