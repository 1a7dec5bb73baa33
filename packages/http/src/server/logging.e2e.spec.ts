import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import fc from 'fast-check';
import { safeError } from './logging.js';
import { type ShellUnderTest, startShell } from './testing/shell-under-test.js';

describe('request logs (e2e)', () => {
  let shell: ShellUnderTest;

  before(async () => {
    shell = await startShell({
      beforeRoutes: (app) =>
        app.use((_request, response, next) => {
          response.locals.principal = { professionalId: 'rpps-810000000001' };
          next();
        }),
    });
  });

  after(async () => {
    await shell.close();
  });

  it('write one line per request: method, route pattern, status, duration, correlation id and professional', async () => {
    // given
    const admitted = await shell.command('/usagers', { nom: 'Martin', prenom: 'Léa' });
    const { serviceUserId } = (await admitted.json()) as { serviceUserId: string };
    const correlationId = randomUUID();

    // when
    await shell.fetch(`/usagers/${serviceUserId}?depuis=0`, { headers: { 'x-correlation-id': correlationId } });

    // then
    const line = shell.logLines.find((entry) => entry.correlationId === correlationId);
    expect(line).to.deep.include({
      method: 'GET',
      route: '/usagers/:serviceUserId',
      statusCode: 200,
      professionalId: 'rpps-810000000001',
      msg: 'request completed',
    });
    expect(line?.durationMs).to.be.a('number');
    expect(shell.logText()).not.to.include(serviceUserId);
  });

  it('leave no personal data of the body, URL, query, headers or error messages in any line', async () => {
    // given: identifying data everywhere a request can carry it
    const secrets = {
      nom: 'Dupont-Secretnom',
      prenom: 'Jeannette-Secretprenom',
      nir: '2840763116480',
      cookie: 'session=Secretcookie',
      authorization: 'Bearer Secrettoken',
    };
    const admitted = await shell.command(
      '/usagers',
      { nom: secrets.nom, prenom: secrets.prenom, nir: secrets.nir },
      { cookie: secrets.cookie, authorization: secrets.authorization },
    );
    const { serviceUserId } = (await admitted.json()) as { serviceUserId: string };

    // when
    await shell.fetch(`/usagers/${serviceUserId}?nom=${secrets.nom}`, {
      headers: { cookie: secrets.cookie, authorization: secrets.authorization },
    });
    await shell.command(`/usagers/${serviceUserId}/notes`, {
      texte: `Sevrage de ${secrets.nom}`,
      categorie: 'medicale',
    });
    await shell.command('/pannes/inattendue', { nom: secrets.nom });
    await shell.command('/usagers', { nom: secrets.nom, prenom: secrets.prenom, inconnu: secrets.nir });
    await shell.fetch('/usagers', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'idempotency-key': randomUUID() },
      body: `{"nom": "${secrets.nom}", `,
    });
    await shell.fetch(`/inconnue/${secrets.nom}`);

    // then
    const text = shell.logText();
    for (const secret of [...Object.values(secrets), serviceUserId, 'Secret', 'Sevrage']) {
      expect(text).not.to.include(secret);
    }
    expect(shell.logLines.some((line) => line.msg === 'unexpected error')).to.equal(true);
    expect(shell.logLines.filter((line) => line.route === '(unmatched)')).to.have.length.greaterThan(0);
  });

  it('keep an error’s class, code and frames but never its message', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1 }), fc.string(), fc.boolean(), (message, code, framelike) => {
        // given: a message that may hold lines looking like stack frames
        const text = framelike ? `\n    at ${message}` : message;
        const error = Object.assign(new TypeError(`échec pour ${text}`), { code });

        // when
        const logged = safeError(error);

        // then
        expect(logged.type).to.equal('TypeError');
        expect(logged.code).to.equal(code);
        expect(String(logged.stack)).not.to.include('échec pour');
        if (framelike) expect(String(logged.stack).split('\n')).not.to.include(`at ${message}`.trim());
      }),
    );
  });
});
