import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { TestBrowser } from '../auth/testing/browser.js';
import { createLogger, loadServerConfig } from '../server/index.js';
import { type DuiServer, startDuiServer } from './compose.js';
import { DEMO_ORGANISATION } from './demo-organisation.js';

describe('the embedded default’s Pro Santé Connect, a local stand-in with fictitious professionals', function () {
  this.timeout(120_000);
  let data: string;
  let server: DuiServer;
  let base: URL;

  before(async () => {
    data = await mkdtemp(join(tmpdir(), 'dui-psc-'));
    // no DATABASE_URL and no PSC_*: PGlite, the demo organisation, the development login and the stand-in
    const config = loadServerConfig({ DUI_DATA_DIR: data, PORT: '0', LOG_LEVEL: 'silent' });
    server = await startDuiServer(config, createLogger({ level: 'silent' }));
    base = new URL(server.url);
  });

  after(async () => {
    await server?.close();
    if (data) await rm(data, { recursive: true, force: true });
  });

  it('logs in the professional chosen on the stand-in’s French page, and suggests habilitations without granting any', async () => {
    // given
    const browser = new TestBrowser();
    const { response: choice, url: page } = await browser.navigate(new URL('/auth/psc/login', base), () => true);
    const html = await choice.text();

    // when the doctor is chosen
    const chosen = await browser.request(page, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ accountId: 'f:doublure:medecin' }).toString(),
    });
    const back = await browser.navigate(
      new URL(chosen.headers.get('location') ?? '', page),
      (next) => next.origin !== base.origin || next.pathname.startsWith('/auth/psc/'),
    );
    const session = await browser.request(new URL('/auth/session', base));
    const me = await browser.request(new URL(`/organisations/${DEMO_ORGANISATION.id}/me`, base));

    // then
    expect(server.proSanteConnectStandIn).to.equal(true);
    expect(choice.status).to.equal(200);
    expect(html).to.include('lang="fr"').and.include('professionnels sont fictifs').and.include('Jeanne DURAND');
    expect(back.url.origin + back.url.pathname).to.equal(new URL('/auth/psc/callback', base).href);
    expect(back.response.headers.get('location')).to.equal('/');
    expect(session.status).to.equal(200);
    expect(await session.json()).to.deep.include({
      professionalId: '899700000104',
      displayName: 'Jeanne DURAND',
      provider: 'psc',
      acr: 'eidas1',
      habilitationSuggestions: [
        { facilityId: '750000001', role: 'doctor', professionCode: '10', siteName: 'CSAPA DEMO (FICTIF)' },
      ],
    });
    // a suggestion grants nothing: the demo organisation does not know her until an administrator grants a role
    expect(me.status).to.equal(403);
  });

  it('refuses the login when the professional cancels on the stand-in’s page', async () => {
    // given
    const browser = new TestBrowser();
    const { url: page } = await browser.navigate(new URL('/auth/psc/login', base), () => true);

    // when
    const cancelled = await browser.request(page, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ cancel: 'oui' }).toString(),
    });
    const { response } = await browser.navigate(new URL(cancelled.headers.get('location') ?? '', page), () => true);

    // then
    expect(response.status).to.equal(401);
    expect(((await response.json()) as { detail: string }).detail).to.equal(
      "La connexion a été refusée par le fournisseur d'identité.",
    );
  });
});
