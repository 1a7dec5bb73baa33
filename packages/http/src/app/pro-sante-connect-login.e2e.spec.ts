import { createServer } from 'node:net';
import { expect } from 'chai';
import { TestBrowser } from '../auth/testing/browser.js';
import { type PscLikeProvider, startPscLikeProvider } from '../auth/testing/psc-like-provider.js';
import { ServerUnderTest } from './testing/server-under-test.js';

/** A port free right now: the provider must know the server's callback before the server starts. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('the server’s Pro Santé Connect login, against a local PSC-like provider', function () {
  this.timeout(60_000);
  let provider: PscLikeProvider;
  let app: ServerUnderTest;
  let base: URL;

  before(async () => {
    const port = await freePort();
    base = new URL(`http://127.0.0.1:${port}`);
    provider = await startPscLikeProvider({
      redirectUri: new URL('/auth/psc/callback', base),
      accounts: {
        'f:ans:camille': {
          SubjectNameID: '810012345678',
          SubjectRefPro: { exercices: [] },
          given_name: 'Camille',
          family_name: 'MARTIN',
        },
      },
    });
    app = await ServerUnderTest.start({
      PORT: String(port),
      PSC_ISSUER: provider.issuer.href,
      PSC_CLIENT_ID: provider.clientId,
      PSC_CLIENT_SECRET: provider.clientSecret,
      PSC_REDIRECT_URI: new URL('/auth/psc/callback', base).href,
    });
    await app.asSystem('og-a', {
      type: 'GrantRole',
      professionalId: '810012345678',
      facilityId: '750000001',
      role: 'doctor',
    });
  });
  after(async () => {
    await app?.close();
    await provider?.stop();
  });

  const backOnServer = (next: URL) => next.origin !== base.origin || next.pathname.startsWith('/auth/psc/');

  it('logs a professional in at eidas1 and serves them as the SubjectNameID', async () => {
    // given
    provider.nextLogin = { accountId: 'f:ans:camille', acr: 'eidas1' };
    const browser = new TestBrowser();

    // when
    await browser.navigate(new URL('/auth/psc/login', base), backOnServer);
    const me = await browser.request(new URL('/organisations/og-a/me', base));

    // then
    expect(me.status).to.equal(200);
    expect(await me.json()).to.deep.include({
      professionalId: '810012345678',
      roles: [{ facilityId: '750000001', role: 'doctor' }],
    });
  });

  it('refuses a login at a lower level than eidas1', async () => {
    // given
    provider.nextLogin = { accountId: 'f:ans:camille', acr: 'eidas-substantial' };
    const browser = new TestBrowser();

    // when
    const { response } = await browser.navigate(new URL('/auth/psc/login', base), backOnServer);
    const me = await browser.request(new URL('/organisations/og-a/me', base));

    // then
    expect(response.status).to.equal(401);
    expect(me.status).to.equal(401);
  });
});
