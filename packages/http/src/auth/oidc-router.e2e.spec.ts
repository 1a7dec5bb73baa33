import { expect } from 'chai';
import { AuthorizationResponseError } from 'openid-client';
import { authenticate, requireProfessional } from './authenticate.js';
import type { AuthenticationRefused } from './authentication-refused.js';
import { MemorySessionStore } from './memory-session-store.js';
import { oidcRouter, PENDING_LOGIN_COOKIE } from './oidc-router.js';
import { proSanteConnectProfile } from './oidc-settings.js';
import { UNAUTHENTICATED_PROBLEM_TYPE } from './problem.js';
import { SESSION_COOKIE } from './session-transport.js';
import { type AppUnderTest, startApp } from './testing/app-under-test.js';
import { TestBrowser } from './testing/browser.js';
import { type PscLikeProvider, startPscLikeProvider } from './testing/psc-like-provider.js';

describe('login of professionals through Pro Santé Connect (e2e, local OpenID provider)', () => {
  const subjectRefPro = {
    codeCivilite: 'MME',
    exercices: [
      {
        codeProfession: '10',
        codeCategorieProfessionnelle: 'C',
        nomDExercice: 'MARTIN',
        prenomDExercice: 'Camille',
        activities: [{ codeModeExercice: 'S', numeroFinessSite: '750000001', raisonSocialeSite: 'CSAPA Paris Est' }],
      },
    ],
  };
  let app: AppUnderTest;
  let provider: PscLikeProvider;
  let sessionStore: MemorySessionStore;
  const refusals: AuthenticationRefused[] = [];

  before(async () => {
    app = await startApp();
    const redirectUri = new URL('/auth/psc/callback', app.url);
    provider = await startPscLikeProvider({
      redirectUri,
      accounts: {
        'f:ans:camille': {
          SubjectNameID: '810012345678',
          SubjectRefPro: subjectRefPro,
          given_name: 'Camille',
          family_name: 'MARTIN',
        },
      },
    });
    sessionStore = new MemorySessionStore();
    const psc = proSanteConnectProfile({
      issuer: provider.issuer,
      clientId: provider.clientId,
      clientSecret: provider.clientSecret,
      redirectUri,
      allowInsecureRequests: true,
    });
    app.app.use(
      oidcRouter({
        providers: [psc],
        sessionStore,
        secureCookies: false,
        onRefusal: (refusal) => refusals.push(refusal),
      }),
    );
    app.app.use(authenticate(sessionStore));
    app.app.get('/moi', requireProfessional, (_req, res) => {
      res.json(res.locals.professional);
    });
  });

  after(async () => {
    await app?.stop();
    await provider?.stop();
  });

  beforeEach(() => {
    provider.nextLogin = { accountId: 'f:ans:camille', acr: 'eidas1' };
    refusals.length = 0;
  });

  const onApp = (url: URL) => url.origin === app.url.origin;
  /** Follows the whole dance, stopping at the first answer of this server that is not a redirect to the provider. */
  const untilBackOnApp = (next: URL) => !onApp(next) || next.pathname.startsWith('/auth/psc/');

  async function login(browser: TestBrowser, path = '/auth/psc/login?returnTo=/usagers/42') {
    return browser.navigate(new URL(path, app.url), untilBackOnApp);
  }

  async function expectUnauthenticatedProblem(response: Response): Promise<string> {
    expect(response.status).to.equal(401);
    expect(response.headers.get('content-type')).to.match(/^application\/problem\+json/);
    const text = await response.text();
    expect(text).to.not.match(/\bat .*\.(ts|js):\d+/);
    const problem = JSON.parse(text);
    expect(problem).to.include({ type: UNAUTHENTICATED_PROBLEM_TYPE, title: 'Authentification requise', status: 401 });
    return problem.detail;
  }

  it('sends the professional to the provider with PKCE S256, state, nonce, acr_values=eidas1 and scope_all', async () => {
    // given
    const browser = new TestBrowser();

    // when
    const response = await browser.request(new URL('/auth/psc/login', app.url));

    // then
    expect(response.status).to.equal(302);
    const authorization = new URL(response.headers.get('location') ?? '');
    expect(authorization.origin).to.equal(provider.issuer.origin);
    const parameters = Object.fromEntries(authorization.searchParams);
    expect(parameters).to.include({
      response_type: 'code',
      client_id: provider.clientId,
      redirect_uri: new URL('/auth/psc/callback', app.url).href,
      scope: 'openid scope_all',
      acr_values: 'eidas1',
      code_challenge_method: 'S256',
    });
    expect(parameters.code_challenge).to.match(/^[A-Za-z0-9_-]{43}$/);
    expect(parameters.state).to.have.length.greaterThan(20);
    expect(parameters.nonce).to.have.length.greaterThan(20);
    expect(response.headers.getSetCookie().join()).to.include(`${PENDING_LOGIN_COOKIE}=`).and.include('HttpOnly');
  });

  it('opens a session whose professional id is the SubjectNameID, and returns to the page asked for', async () => {
    // given
    const browser = new TestBrowser();

    // when
    const { response, url } = await login(browser);
    const me = await browser.request(new URL('/moi', app.url));

    // then
    expect(url.pathname).to.equal('/auth/psc/callback');
    expect(response.status).to.equal(302);
    expect(response.headers.get('location')).to.equal('/usagers/42');
    const sessionCookie = response.headers.getSetCookie().find((cookie) => cookie.startsWith(`${SESSION_COOKIE}=`));
    expect(sessionCookie)
      .to.match(/HttpOnly/)
      .and.match(/SameSite=Lax/)
      .and.match(/Path=\//);
    expect(browser.cookiesFor(app.url).has(PENDING_LOGIN_COOKIE)).to.equal(false);
    expect(me.status).to.equal(200);
    expect(await me.json()).to.deep.equal({
      professionalId: '810012345678',
      displayName: 'Camille MARTIN',
      provider: 'psc',
      acr: 'eidas1',
      rawPractices: subjectRefPro,
    });
  });

  it('refuses a login at a level other than eidas1 with a 401 problem, and opens no session', async () => {
    // given
    provider.nextLogin = { accountId: 'f:ans:camille', acr: 'password' };
    const browser = new TestBrowser();
    const sessionsBefore = sessionStore.size;

    // when
    const { response } = await login(browser);

    // then
    const detail = await expectUnauthenticatedProblem(response);
    expect(detail).to.equal(
      "Le niveau d'authentification fourni (password) est insuffisant : le niveau eidas1 est exigé.",
    );
    expect(browser.cookiesFor(app.url).has(SESSION_COOKIE)).to.equal(false);
    expect(sessionStore.size).to.equal(sessionsBefore);
  });

  it('refuses a callback whose state is not the one of the login in progress', async () => {
    // given
    const browser = new TestBrowser();
    const { next: callback } = await browser.navigate(new URL('/auth/psc/login', app.url), (next) => !onApp(next));
    const forged = new URL(callback ?? '');
    expect(forged.pathname).to.equal('/auth/psc/callback');
    forged.searchParams.set('state', 'forged-state');

    // when
    const response = await browser.request(forged);

    // then
    const detail = await expectUnauthenticatedProblem(response);
    expect(detail).to.equal(
      "La réponse du fournisseur d'identité ne correspond pas à la connexion en cours : veuillez recommencer.",
    );
    expect(browser.cookiesFor(app.url).has(SESSION_COOKIE)).to.equal(false);
  });

  it('refuses a callback reaching another user agent than the one that started the login', async () => {
    // given
    const victim = new TestBrowser();
    const { next: callback } = await victim.navigate(new URL('/auth/psc/login', app.url), (next) => !onApp(next));

    // when
    const response = await new TestBrowser().request(callback ?? '');

    // then
    expect(await expectUnauthenticatedProblem(response)).to.equal(
      "Aucune connexion n'est en cours, ou elle a expiré : veuillez recommencer.",
    );
  });

  it('refuses, in French, a login the provider reports as denied', async () => {
    // given
    provider.nextLogin = { error: 'access_denied', error_description: 'cancelled by the user' };
    const browser = new TestBrowser();

    // when
    const { response } = await login(browser);

    // then
    expect(await expectUnauthenticatedProblem(response)).to.equal(
      "La connexion a été refusée par le fournisseur d'identité.",
    );
    expect(refusals).to.have.length(1);
    expect(refusals[0]?.cause).to.be.instanceOf(AuthorizationResponseError).and.include({ error: 'access_denied' });
  });

  it('authenticates by the session cookie and by the same token as a bearer, and by nothing else', async () => {
    // given
    const browser = new TestBrowser();
    await login(browser);
    const token = browser.cookiesFor(app.url).get(SESSION_COOKIE) ?? '';
    const me = new URL('/moi', app.url);

    // when
    const byCookie = await browser.request(me);
    const byBearer = await fetch(me, { headers: { authorization: `Bearer ${token}` } });
    const byWrongBearer = await fetch(me, { headers: { authorization: `Bearer ${'x'.repeat(43)}` } });
    const anonymous = await fetch(me);

    // then
    expect(byCookie.status).to.equal(200);
    expect(byBearer.status).to.equal(200);
    expect(((await byBearer.json()) as { professionalId: string }).professionalId).to.equal('810012345678');
    expect(await expectUnauthenticatedProblem(byWrongBearer)).to.equal(
      'Veuillez vous connecter pour accéder à cette ressource.',
    );
    expect(anonymous.headers.get('www-authenticate')).to.equal('Bearer realm="dui-pds"');
    await expectUnauthenticatedProblem(anonymous);
  });

  it('ends the session at logout, for the cookie and for the bearer token alike', async () => {
    // given
    const browser = new TestBrowser();
    await login(browser);
    const token = browser.cookiesFor(app.url).get(SESSION_COOKIE) ?? '';

    // when
    const logout = await browser.request(new URL('/auth/logout', app.url), { method: 'POST' });

    // then
    expect(logout.status).to.equal(204);
    expect(browser.cookiesFor(app.url).has(SESSION_COOKIE)).to.equal(false);
    const byBearer = await fetch(new URL('/moi', app.url), { headers: { authorization: `Bearer ${token}` } });
    expect(byBearer.status).to.equal(401);
  });

  it('replaces a session the user agent already held instead of keeping it', async () => {
    // given
    const browser = new TestBrowser();
    await login(browser);
    const first = browser.cookiesFor(app.url).get(SESSION_COOKIE) ?? '';

    // when
    await login(browser);

    // then
    const second = browser.cookiesFor(app.url).get(SESSION_COOKIE);
    expect(second).to.not.equal(first);
    const byFirst = await fetch(new URL('/moi', app.url), { headers: { authorization: `Bearer ${first}` } });
    expect(byFirst.status).to.equal(401);
  });

  it('returns to / when returnTo is not a local path', async () => {
    // given
    const attempts = ['https://evil.example/', '//evil.example/x', '/\\evil.example'];

    // when
    const locations = [];
    for (const returnTo of attempts) {
      const { response } = await login(new TestBrowser(), `/auth/psc/login?returnTo=${encodeURIComponent(returnTo)}`);
      locations.push(response.headers.get('location'));
    }

    // then
    expect(locations).to.deep.equal(['/', '/', '/']);
  });

  it('leaves an unknown provider to the next handler', async () => {
    // when
    const response = await fetch(new URL('/auth/inconnu/login', app.url), { redirect: 'manual' });

    // then
    expect(response.status).to.equal(404);
  });
});
