import { freeLoopbackPort } from '@dui-pds/segur-adapters';
import { expect } from 'chai';
import { TestBrowser } from '../auth/testing/browser.js';
import { type PscLikeProvider, startPscLikeProvider } from '../auth/testing/psc-like-provider.js';
import { ServerUnderTest } from './testing/server-under-test.js';

describe('the server’s Pro Santé Connect login, against a local PSC-like provider', function () {
  this.timeout(60_000);
  let provider: PscLikeProvider;
  let app: ServerUnderTest;
  let base: URL;

  before(async () => {
    const port = await freeLoopbackPort();
    base = new URL(`http://127.0.0.1:${port}`);
    provider = await startPscLikeProvider({
      redirectUri: new URL('/auth/psc/callback', base),
      accounts: {
        'f:ans:camille': {
          SubjectNameID: '810012345678',
          SubjectRefPro: { exercices: [{ codeProfession: '60', activities: [{ numeroFinessSite: '750000002' }] }] },
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

  it('describes the session with the habilitations SubjectRefPro suggests, and logs out at the provider too', async () => {
    // given
    provider.nextLogin = { accountId: 'f:ans:camille', acr: 'eidas1' };
    const browser = new TestBrowser();
    await browser.navigate(new URL('/auth/psc/login', base), backOnServer);

    // when
    const session = await browser.request(new URL('/auth/session', base));
    const logout = await browser.request(new URL('/auth/logout', base), { method: 'POST' });
    const after = await browser.request(new URL('/auth/session', base));

    // then
    expect(await session.json()).to.deep.include({
      professionalId: '810012345678',
      habilitationSuggestions: [{ facilityId: '750000002', role: 'nurse', professionCode: '60' }],
    });
    const endSession = new URL(((await logout.json()) as { endSessionUrl: string }).endSessionUrl);
    expect(endSession.origin).to.equal(provider.issuer.origin);
    expect(endSession.searchParams.get('post_logout_redirect_uri')).to.equal(new URL('/', base).href);
    expect(after.status).to.equal(401);
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

describe('the server’s login through the organisation’s own OpenID provider, configured by OIDC_*', function () {
  this.timeout(60_000);

  it('logs a professional in by the provider’s subject, at /auth/<OIDC_PROVIDER_ID>/login', async () => {
    // given a provider of the organisation, and a server configured for it alone
    const port = await freeLoopbackPort();
    const base = new URL(`http://127.0.0.1:${port}`);
    const callback = new URL('/auth/maison/callback', base);
    const provider = await startPscLikeProvider({
      redirectUri: callback,
      accounts: {
        'agent-42': { SubjectNameID: 'ignored', SubjectRefPro: {}, given_name: 'Dominique', family_name: 'AGENT' },
      },
    });
    const app = await ServerUnderTest.start({
      PORT: String(port),
      OIDC_PROVIDER_ID: 'maison',
      OIDC_ISSUER: provider.issuer.href,
      OIDC_CLIENT_ID: provider.clientId,
      OIDC_CLIENT_SECRET: provider.clientSecret,
      OIDC_REDIRECT_URI: callback.href,
    });
    try {
      await app.asSystem('og-a', {
        type: 'GrantRole',
        professionalId: 'agent-42',
        facilityId: '750000001',
        role: 'secretary',
      });
      provider.nextLogin = { accountId: 'agent-42', acr: 'loa-2' };
      const browser = new TestBrowser();

      // when
      await browser.navigate(
        new URL('/auth/maison/login', base),
        (next) => next.origin !== base.origin || next.pathname.startsWith('/auth/maison/'),
      );
      const me = await browser.request(new URL('/organisations/og-a/me', base));

      // then
      expect(me.status).to.equal(200);
      expect(await me.json()).to.deep.include({ professionalId: 'agent-42' });
    } finally {
      await app.close();
      await provider.stop();
    }
  });
});
