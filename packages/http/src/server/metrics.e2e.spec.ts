import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { sampleOf } from './testing/prometheus-text.js';
import { type ShellUnderTest, startShell } from './testing/shell-under-test.js';

const TOKEN = 'jeton-de-supervision-0123456789-abcdefghij';

describe('GET /metrics (e2e)', () => {
  describe('in development without a token', () => {
    let shell: ShellUnderTest;

    before(async () => {
      shell = await startShell();
    });

    after(async () => {
      await shell.close();
    });

    async function scrape(): Promise<string> {
      const response = await shell.fetch('/metrics');
      expect(response.status).to.equal(200);
      expect(response.headers.get('content-type')).to.match(/^text\/plain; version=0\.0\.4/);
      return response.text();
    }

    it('count requests under their route pattern and status class', async () => {
      // given
      const before = await scrape();
      const read = { method: 'GET', route: '/usagers/:serviceUserId', status_class: '2xx' };
      const unmatched = { method: 'GET', route: '(unmatched)', status_class: '4xx' };
      const admitted = await shell.command('/usagers', { nom: 'Martin', prenom: 'Léa' });
      const { serviceUserId } = (await admitted.json()) as { serviceUserId: string };

      // when
      await shell.fetch(`/usagers/${serviceUserId}?depuis=0`);
      await shell.fetch(`/usagers/${serviceUserId}`);
      await shell.fetch(`/nulle-part/${serviceUserId}`);

      // then
      const after = await scrape();
      const grew = (name: string, labels: Record<string, string>) =>
        (sampleOf(after, name, labels) ?? 0) - (sampleOf(before, name, labels) ?? 0);
      expect(grew('dui_http_requests_total', read)).to.equal(2);
      expect(grew('dui_http_request_duration_seconds_count', read)).to.equal(2);
      expect(grew('dui_http_requests_total', unmatched)).to.equal(1);
      expect(grew('dui_http_requests_total', { method: 'POST', route: '/usagers', status_class: '2xx' })).to.equal(1);
    });

    it('name no usager id, query or unknown path anywhere', async () => {
      // given
      const admitted = await shell.command('/usagers', { nom: 'Durand', prenom: 'Paul' });
      const { serviceUserId } = (await admitted.json()) as { serviceUserId: string };
      const stranger = randomUUID();

      // when
      await shell.fetch(`/usagers/${serviceUserId}?depuis=1`);
      await shell.command(`/usagers/${serviceUserId}/notes`, { texte: 'Entretien', categorie: 'sociale' });
      await shell.fetch(`/usagers/${stranger}`);
      await shell.fetch(`/dossiers/${stranger}/secret?nom=Durand`);

      // then
      const text = await scrape();
      expect(text).not.to.include(serviceUserId);
      expect(text).not.to.include(stranger);
      expect(text).not.to.include('depuis');
      expect(text).not.to.include('Durand');
      expect(text).not.to.include('/dossiers');
      expect(sampleOf(text, 'dui_http_requests_total', { route: '/usagers/:serviceUserId/notes' })).to.equal(1);
    });

    it('count a command answered again from its Idempotency-Key', async () => {
      // given
      const before = sampleOf(await scrape(), 'dui_idempotent_replays_total', { route: '/usagers' }) ?? 0;
      const key = randomUUID();
      await shell.command('/usagers', { nom: 'Petit', prenom: 'Jean' }, { 'idempotency-key': key });

      // when
      const again = await shell.command('/usagers', { nom: 'Petit', prenom: 'Jean' }, { 'idempotency-key': key });

      // then
      expect(again.headers.get('idempotency-replayed')).to.equal('true');
      expect(sampleOf(await scrape(), 'dui_idempotent_replays_total', { route: '/usagers' })).to.equal(before + 1);
    });

    it('give the process’s memory and event loop lag', async () => {
      const text = await scrape();
      expect(sampleOf(text, 'process_resident_memory_bytes')).to.be.greaterThan(0);
      expect(sampleOf(text, 'nodejs_eventloop_lag_seconds')).to.be.a('number');
    });

    it('are not written to the request log, like the probes', async () => {
      // when
      await scrape();

      // then
      expect(shell.logLines.filter((line) => line.route === '/metrics')).to.deep.equal([]);
    });
  });

  describe('in production', () => {
    let withoutToken: ShellUnderTest;
    let withToken: ShellUnderTest;

    before(async () => {
      withoutToken = await startShell({ config: { mode: 'production' } });
      withToken = await startShell({ config: { mode: 'production', metricsToken: TOKEN } });
    });

    after(async () => {
      await withoutToken.close();
      await withToken.close();
    });

    it('do not exist without a configured token (404, as any unknown path)', async () => {
      // when
      const anonymous = await withoutToken.fetch('/metrics');
      const guessing = await withoutToken.fetch('/metrics', { headers: { authorization: 'Bearer anything' } });

      // then
      expect(anonymous.status).to.equal(404);
      expect(guessing.status).to.equal(404);
      expect(await anonymous.text()).not.to.include('dui_http_requests_total');
    });

    it('ask for the bearer token when it is configured, and refuse another one', async () => {
      // when
      const anonymous = await withToken.fetch('/metrics');
      const wrong = await withToken.fetch('/metrics', { headers: { authorization: `Bearer ${TOKEN}x` } });
      const session = await withToken.fetch('/metrics', { headers: { cookie: `session=${TOKEN}` } });

      // then
      for (const refused of [anonymous, wrong, session]) {
        expect(refused.status).to.equal(401);
        expect(refused.headers.get('www-authenticate')).to.equal('Bearer realm="metrics"');
        expect(await refused.text()).not.to.include('dui_http_requests_total');
      }
    });

    it('answer the scrape that sends the token', async () => {
      // when
      const response = await withToken.fetch('/metrics', { headers: { authorization: `Bearer ${TOKEN}` } });

      // then
      expect(response.status).to.equal(200);
      expect(await response.text()).to.include('dui_http_requests_total');
    });
  });

  describe('in development with a token', () => {
    it('ask for the token too: setting it closes the endpoint in every mode', async () => {
      // given
      const shell = await startShell({ config: { mode: 'development', metricsToken: TOKEN } });
      try {
        // when
        const anonymous = await shell.fetch('/metrics');
        const scrape = await shell.fetch('/metrics', { headers: { authorization: `Bearer ${TOKEN}` } });

        // then
        expect(anonymous.status).to.equal(401);
        expect(scrape.status).to.equal(200);
      } finally {
        await shell.close();
      }
    });
  });
});
