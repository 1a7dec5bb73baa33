import { createHash, randomBytes } from 'node:crypto';
import { expect } from 'chai';
import { AuthorizationResponseError } from 'openid-client';
import { authenticate, requireProfessional } from './authenticate.js';
import type { AuthenticationRefused } from './authentication-refused.js';
import { MemorySessionStore } from './memory-session-store.js';
import { oidcRouter, PENDING_LOGIN_COOKIE } from './oidc-router.js';
import { proSanteConnectProfile } from './oidc-settings.js';
import { UNAUTHENTICATED_PROBLEM_TYPE } from './problem.js';
import { SESSION_COOKIE } from './session-transport.js';
import { openSession, sessionIdOf } from './sessions.js';
import { type AppUnderTest, startApp } from './testing/app-under-test.js';
import { TestBrowser } from './testing/browser.js';
import { type PscAccount, type PscLikeProvider, startPscLikeProvider } from './testing/psc-like-provider.js';

const subjectRefPro = {
  codeCivilite: 'MME',
  exercices: [
    {
      codeProfession: '10',
      codeCategorieProfessionnelle: 'C',
      codeSavoirFaire: 'SM54',
      nomDexercice: 'MARTIN',
      prenomDexercice: 'Camille',
      activities: [
        {
          codeModeExercice: 'S',
          codeSecteurDactivite: 'SA33',
          codeRole: '',
          codeGenreActivite: 'GENR01',
          numeroFinessSite: '750000001',
          numeroFinessetablissementJuridique: '750000000',
          raisonSocialeSite: 'CSAPA Paris Est',
          telephone: '',
        },
        { codeModeExercice: 'L', numeroFinessSite: '', raisonSocialeSite: 'Cabinet du Dr Martin' },
      ],
    },
  ],
};

/** What the server keeps of `subjectRefPro`. */
const camillePractices = [
  {
    professionCode: '10',
    categoryCode: 'C',
    savoirFaireCode: 'SM54',
    workSituations: [
      {
        finess: '750000001',
        legalEntityFiness: '750000000',
        siteName: 'CSAPA Paris Est',
        activityKindCode: 'GENR01',
        practiceModeCode: 'S',
      },
      { siteName: 'Cabinet du Dr Martin', practiceModeCode: 'L' },
    ],
  },
];

const camille: PscAccount = {
  SubjectNameID: '810012345678',
  SubjectRefPro: subjectRefPro,
  given_name: 'Camille',
  family_name: 'MARTIN',
};

/** This server and a PSC-like provider answering userinfo as `userinfo` says. */
class LoginScene {
  readonly refusals: AuthenticationRefused[] = [];
  readonly sessionStore = new MemorySessionStore();

  private constructor(
    readonly app: AppUnderTest,
    readonly provider: PscLikeProvider,
  ) {}

  static async start(userinfo: 'json' | 'jwt'): Promise<LoginScene> {
    const app = await startApp();
    const redirectUri = new URL('/auth/psc/callback', app.url);
    const provider = await startPscLikeProvider({ redirectUri, accounts: { 'f:ans:camille': camille }, userinfo });
    const scene = new LoginScene(app, provider);
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
        sessionStore: scene.sessionStore,
        secureCookies: false,
        onRefusal: (refusal) => scene.refusals.push(refusal),
      }),
    );
    app.app.use(authenticate(scene.sessionStore));
    app.app.get('/moi', requireProfessional, (_req, res) => {
      res.json(res.locals.professional);
    });
    return scene;
  }

  url(path: string): URL {
    return new URL(path, this.app.url);
  }

  /** Follows the whole dance, stopping at the first answer of this server that is not a redirect to the provider. */
  login(browser: TestBrowser, path = '/auth/psc/login?returnTo=/usagers/42') {
    return browser.navigate(
      this.url(path),
      (next) => next.origin !== this.app.url.origin || next.pathname.startsWith('/auth/psc/'),
    );
  }

  /** The session the browser holds, as the store keeps it. */
  async storedSession(browser: TestBrowser) {
    return this.sessionStore.get(sessionIdOf(browser.cookiesFor(this.app.url).get(SESSION_COOKIE) ?? ''));
  }

  /**
   * Whether the provider would log the browser in again without asking anything (`prompt=none`): it
   * answers with a code while its own session lasts, `login_required` once it is over.
   */
  async providerAnswerWithoutPrompt(browser: TestBrowser): Promise<string> {
    const authorization = new URL('/auth', this.provider.issuer);
    authorization.search = new URLSearchParams({
      client_id: this.provider.clientId,
      redirect_uri: this.url('/auth/psc/callback').href,
      response_type: 'code',
      scope: 'openid scope_all',
      prompt: 'none',
      state: 'sonde',
      nonce: 'sonde',
      code_challenge: createHash('sha256').update(randomBytes(32).toString('base64url')).digest('base64url'),
      code_challenge_method: 'S256',
    }).toString();
    const { next } = await browser.navigate(authorization, (url) => url.origin === this.provider.issuer.origin);
    const answer = next?.searchParams;
    return answer?.get('error') ?? (answer?.has('code') ? 'code' : 'nothing');
  }

  async stop(): Promise<void> {
    await this.app.stop();
    await this.provider.stop();
  }
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

describe('login of professionals through Pro Santé Connect (e2e, local OpenID provider)', () => {
  let scene: LoginScene;

  before(async () => {
    scene = await LoginScene.start('json');
  });

  after(async () => {
    await scene?.stop();
  });

  beforeEach(() => {
    scene.provider.nextLogin = { accountId: 'f:ans:camille', acr: 'eidas1' };
    scene.provider.renewalAcr = undefined;
    scene.refusals.length = 0;
  });

  it('sends the professional to the provider with PKCE S256, state, nonce, acr_values=eidas1 and scope_all', async () => {
    // given
    const browser = new TestBrowser();

    // when
    const response = await browser.request(scene.url('/auth/psc/login'));

    // then
    expect(response.status).to.equal(302);
    const authorization = new URL(response.headers.get('location') ?? '');
    expect(authorization.origin).to.equal(scene.provider.issuer.origin);
    const parameters = Object.fromEntries(authorization.searchParams);
    expect(parameters).to.include({
      response_type: 'code',
      client_id: scene.provider.clientId,
      redirect_uri: scene.url('/auth/psc/callback').href,
      scope: 'openid scope_all',
      acr_values: 'eidas1',
      code_challenge_method: 'S256',
    });
    expect(parameters.code_challenge).to.match(/^[A-Za-z0-9_-]{43}$/);
    expect(parameters.state).to.have.length.greaterThan(20);
    expect(parameters.nonce).to.have.length.greaterThan(20);
    expect(response.headers.getSetCookie().join()).to.include(`${PENDING_LOGIN_COOKIE}=`).and.include('HttpOnly');
  });

  it('opens a session whose professional id is the SubjectNameID, with the practices of SubjectRefPro, and returns to the page asked for', async () => {
    // given
    const browser = new TestBrowser();

    // when
    const { response, url } = await scene.login(browser);
    const me = await browser.request(scene.url('/moi'));

    // then
    expect(url.pathname).to.equal('/auth/psc/callback');
    expect(response.status).to.equal(302);
    expect(response.headers.get('location')).to.equal('/usagers/42');
    const sessionCookie = response.headers.getSetCookie().find((cookie) => cookie.startsWith(`${SESSION_COOKIE}=`));
    expect(sessionCookie)
      .to.match(/HttpOnly/)
      .and.match(/SameSite=Lax/)
      .and.match(/Path=\//);
    expect(browser.cookiesFor(scene.app.url).has(PENDING_LOGIN_COOKIE)).to.equal(false);
    expect(me.status).to.equal(200);
    expect(await me.json()).to.deep.equal({
      professionalId: '810012345678',
      displayName: 'Camille MARTIN',
      provider: 'psc',
      acr: 'eidas1',
      practices: camillePractices,
    });
  });

  it('describes the session at GET /auth/session, with the habilitations the practices suggest and never a token', async () => {
    // given
    const browser = new TestBrowser();
    await scene.login(browser);
    const stored = await scene.storedSession(browser);

    // when
    const response = await browser.request(scene.url('/auth/session'));

    // then
    expect(response.status).to.equal(200);
    expect(response.headers.get('cache-control')).to.equal('no-store');
    const text = await response.text();
    expect(JSON.parse(text)).to.deep.equal({
      professionalId: '810012345678',
      displayName: 'Camille MARTIN',
      provider: 'psc',
      acr: 'eidas1',
      loggedInAt: stored?.loggedInAt,
      expiresAt: stored?.expiresAt,
      practices: camillePractices,
      habilitationSuggestions: [
        { facilityId: '750000001', role: 'doctor', professionCode: '10', siteName: 'CSAPA Paris Est' },
      ],
    });
    expect(stored?.providerSession?.idToken).to.match(/^eyJ/);
    expect(stored?.providerSession?.refreshToken).to.have.length.greaterThan(20);
    for (const token of [stored?.providerSession?.idToken, stored?.providerSession?.refreshToken]) {
      expect(text).to.not.include(token);
      expect(JSON.stringify(Object.fromEntries(browser.cookiesFor(scene.app.url)))).to.not.include(token);
    }
    expect(JSON.stringify(stored)).to.not.match(/access_token|accessToken/);
  });

  it('answers GET /auth/session without a session with a 401 problem', async () => {
    // when
    const response = await fetch(scene.url('/auth/session'));

    // then
    expect(await expectUnauthenticatedProblem(response)).to.equal('Aucune session ouverte.');
  });

  it('refuses a login at a level other than eidas1 with a 401 problem, and opens no session', async () => {
    // given
    scene.provider.nextLogin = { accountId: 'f:ans:camille', acr: 'password' };
    const browser = new TestBrowser();
    const sessionsBefore = scene.sessionStore.size;

    // when
    const { response } = await scene.login(browser);

    // then
    const detail = await expectUnauthenticatedProblem(response);
    expect(detail).to.equal(
      "Le niveau d'authentification fourni (password) est insuffisant : le niveau eidas1 est exigé.",
    );
    expect(browser.cookiesFor(scene.app.url).has(SESSION_COOKIE)).to.equal(false);
    expect(scene.sessionStore.size).to.equal(sessionsBefore);
  });

  it('refuses a callback whose state is not the one of the login in progress', async () => {
    // given
    const browser = new TestBrowser();
    const { next: callback } = await browser.navigate(
      scene.url('/auth/psc/login'),
      (next) => next.origin !== scene.app.url.origin,
    );
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
    expect(browser.cookiesFor(scene.app.url).has(SESSION_COOKIE)).to.equal(false);
  });

  it('refuses a callback reaching another user agent than the one that started the login', async () => {
    // given
    const victim = new TestBrowser();
    const { next: callback } = await victim.navigate(
      scene.url('/auth/psc/login'),
      (next) => next.origin !== scene.app.url.origin,
    );

    // when
    const response = await new TestBrowser().request(callback ?? '');

    // then
    expect(await expectUnauthenticatedProblem(response)).to.equal(
      "Aucune connexion n'est en cours, ou elle a expiré : veuillez recommencer.",
    );
  });

  it('refuses, in French, a login the provider reports as denied', async () => {
    // given
    scene.provider.nextLogin = { error: 'access_denied', error_description: 'cancelled by the user' };
    const browser = new TestBrowser();

    // when
    const { response } = await scene.login(browser);

    // then
    expect(await expectUnauthenticatedProblem(response)).to.equal(
      "La connexion a été refusée par le fournisseur d'identité.",
    );
    expect(scene.refusals).to.have.length(1);
    expect(scene.refusals[0]?.cause)
      .to.be.instanceOf(AuthorizationResponseError)
      .and.include({ error: 'access_denied' });
  });

  it('authenticates by the session cookie and by the same token as a bearer, and by nothing else', async () => {
    // given
    const browser = new TestBrowser();
    await scene.login(browser);
    const token = browser.cookiesFor(scene.app.url).get(SESSION_COOKIE) ?? '';
    const me = scene.url('/moi');

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

  describe('logout', () => {
    it('ends the session and gives the provider’s logout URL with id_token_hint, post_logout_redirect_uri and state', async () => {
      // given
      const browser = new TestBrowser();
      await scene.login(browser);
      const token = browser.cookiesFor(scene.app.url).get(SESSION_COOKIE) ?? '';
      const idToken = (await scene.storedSession(browser))?.providerSession?.idToken;

      // when
      const logout = await browser.request(scene.url('/auth/logout'), { method: 'POST' });

      // then
      expect(logout.status).to.equal(200);
      expect(logout.headers.get('cache-control')).to.equal('no-store');
      const endSession = new URL(((await logout.json()) as { endSessionUrl: string }).endSessionUrl);
      expect(endSession.origin + endSession.pathname).to.equal(new URL('/session/end', scene.provider.issuer).href);
      expect(Object.fromEntries(endSession.searchParams)).to.include({
        id_token_hint: idToken,
        post_logout_redirect_uri: scene.url('/').href,
        client_id: scene.provider.clientId,
      });
      expect(endSession.searchParams.get('state')).to.have.length.greaterThan(20);
      expect(browser.cookiesFor(scene.app.url).has(SESSION_COOKIE)).to.equal(false);
      const byBearer = await fetch(scene.url('/moi'), { headers: { authorization: `Bearer ${token}` } });
      expect(byBearer.status).to.equal(401);
    });

    it('sends a browser’s logout form on to the provider with a 303', async () => {
      // given
      const browser = new TestBrowser();
      await scene.login(browser);

      // when
      const logout = await browser.request(scene.url('/auth/logout'), {
        method: 'POST',
        headers: { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' },
      });

      // then
      expect(logout.status).to.equal(303);
      const location = new URL(logout.headers.get('location') ?? '');
      expect(location.origin).to.equal(scene.provider.issuer.origin);
      expect(location.searchParams.has('id_token_hint')).to.equal(true);
    });

    it('ends the professional’s session at the provider when they follow the logout URL', async () => {
      // given a professional logged in, whom the provider would log in again without a word
      const browser = new TestBrowser();
      await scene.login(browser);
      const before = await scene.providerAnswerWithoutPrompt(browser);
      const logout = await browser.request(scene.url('/auth/logout'), { method: 'POST' });
      const endSession = new URL(((await logout.json()) as { endSessionUrl: string }).endSessionUrl);

      // when they follow it and confirm on the provider's page
      const confirmation = await browser.request(endSession);
      const page = await confirmation.text();
      const action = /<form[^>]*action="([^"]+)"/.exec(page)?.[1] ?? '';
      const xsrf = /name="xsrf" value="([^"]+)"/.exec(page)?.[1] ?? '';
      const confirmed = await browser.request(new URL(action, endSession), {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ xsrf, logout: 'yes' }).toString(),
      });

      // then the provider accepted the hint and sent them back here, and its own session is over
      expect(confirmation.status).to.equal(200);
      expect(page).to.include('Voulez-vous vous déconnecter ?');
      expect(confirmed.status).to.be.within(302, 303);
      const back = new URL(confirmed.headers.get('location') ?? '');
      expect(back.origin + back.pathname).to.equal(scene.url('/').href);
      expect(back.searchParams.get('state')).to.equal(endSession.searchParams.get('state'));
      expect(before).to.equal('code');
      expect(await scene.providerAnswerWithoutPrompt(browser)).to.equal('login_required');
    });

    it('answers 204 for a session that holds nothing to end at a provider, and for no session at all', async () => {
      // given
      const { token } = await openSession(scene.sessionStore, {
        professionalId: 'demo-medecin',
        displayName: 'Dr Démo',
        provider: 'dev',
      });

      // when
      const withSession = await fetch(scene.url('/auth/logout'), {
        method: 'POST',
        headers: { authorization: `Bearer ${token}` },
      });
      const withoutSession = await fetch(scene.url('/auth/logout'), { method: 'POST' });

      // then
      expect(withSession.status).to.equal(204);
      expect(withoutSession.status).to.equal(204);
      expect(await scene.sessionStore.get(sessionIdOf(token))).to.equal(undefined);
    });
  });

  describe('renewal', () => {
    it('renews the provider session by its refresh token, and keeps the session and its expiry', async () => {
      // given
      const browser = new TestBrowser();
      await scene.login(browser);
      const before = await scene.storedSession(browser);

      // when
      const refresh = await browser.request(scene.url('/auth/refresh'), { method: 'POST' });

      // then
      expect(refresh.status).to.equal(204);
      const after = await scene.storedSession(browser);
      expect(after?.providerSession?.idToken).to.match(/^eyJ/).and.not.equal(before?.providerSession?.idToken);
      expect(after?.providerSession?.subject).to.equal(before?.providerSession?.subject);
      expect(after?.expiresAt).to.equal(before?.expiresAt);
      expect((await browser.request(scene.url('/moi'))).status).to.equal(200);
    });

    it('refuses a renewal the provider vouches for below eidas1, and ends the session', async () => {
      // given
      const browser = new TestBrowser();
      await scene.login(browser);
      const token = browser.cookiesFor(scene.app.url).get(SESSION_COOKIE) ?? '';
      scene.provider.renewalAcr = 'password';

      // when
      const refresh = await browser.request(scene.url('/auth/refresh'), { method: 'POST' });

      // then
      expect(await expectUnauthenticatedProblem(refresh)).to.equal(
        "Le niveau d'authentification fourni (password) est insuffisant : le niveau eidas1 est exigé.",
      );
      expect(await scene.sessionStore.get(sessionIdOf(token))).to.equal(undefined);
      expect(browser.cookiesFor(scene.app.url).has(SESSION_COOKIE)).to.equal(false);
    });

    it('refuses to renew a session whose login gave no refresh token (409), and one that is not open (401)', async () => {
      // given
      const { token } = await openSession(scene.sessionStore, {
        professionalId: 'demo-medecin',
        displayName: 'Dr Démo',
        provider: 'dev',
      });

      // when
      const without = await fetch(scene.url('/auth/refresh'), {
        method: 'POST',
        headers: { authorization: `Bearer ${token}` },
      });
      const anonymous = await fetch(scene.url('/auth/refresh'), { method: 'POST' });

      // then
      expect(without.status).to.equal(409);
      expect(await without.json()).to.include({
        type: 'https://dui-pds.org/problems/conflict',
        detail: 'Cette session ne se renouvelle pas auprès de son fournisseur.',
      });
      expect(await expectUnauthenticatedProblem(anonymous)).to.equal('Aucune session ouverte.');
    });
  });

  it('replaces a session the user agent already held instead of keeping it', async () => {
    // given
    const browser = new TestBrowser();
    await scene.login(browser);
    const first = browser.cookiesFor(scene.app.url).get(SESSION_COOKIE) ?? '';

    // when
    await scene.login(browser);

    // then
    const second = browser.cookiesFor(scene.app.url).get(SESSION_COOKIE);
    expect(second).to.not.equal(first);
    const byFirst = await fetch(scene.url('/moi'), { headers: { authorization: `Bearer ${first}` } });
    expect(byFirst.status).to.equal(401);
  });

  it('returns to / when returnTo is not a local path', async () => {
    // given
    const attempts = ['https://evil.example/', '//evil.example/x', '/\\evil.example'];

    // when
    const locations = [];
    for (const returnTo of attempts) {
      const { response } = await scene.login(
        new TestBrowser(),
        `/auth/psc/login?returnTo=${encodeURIComponent(returnTo)}`,
      );
      locations.push(response.headers.get('location'));
    }

    // then
    expect(locations).to.deep.equal(['/', '/', '/']);
  });

  it('leaves an unknown provider to the next handler', async () => {
    // when
    const response = await fetch(scene.url('/auth/inconnu/login'), { redirect: 'manual' });

    // then
    expect(response.status).to.equal(404);
  });
});

describe('login through Pro Santé Connect answering userinfo as a signed JWT (e2e)', () => {
  let scene: LoginScene;
  const userinfoContentTypes: string[] = [];
  const realFetch = globalThis.fetch;

  before(async () => {
    scene = await LoginScene.start('jwt');
    // openid-client fetches through the global fetch: watching it shows what userinfo answered
    globalThis.fetch = async (input, init) => {
      const response = await realFetch(input, init);
      if (String(input instanceof Request ? input.url : input).endsWith('/me')) {
        userinfoContentTypes.push(response.headers.get('content-type') ?? '');
      }
      return response;
    };
  });

  after(async () => {
    globalThis.fetch = realFetch;
    await scene?.stop();
  });

  it('checks the JWT and maps its claims as it would JSON ones', async () => {
    // given
    const browser = new TestBrowser();

    // when
    const { response } = await scene.login(browser);
    const session = await browser.request(scene.url('/auth/session'));

    // then
    expect(response.headers.get('location')).to.equal('/usagers/42');
    expect(userinfoContentTypes).to.deep.equal(['application/jwt; charset=utf-8']);
    expect(await session.json()).to.deep.include({
      professionalId: '810012345678',
      displayName: 'Camille MARTIN',
      practices: camillePractices,
      habilitationSuggestions: [
        { facilityId: '750000001', role: 'doctor', professionCode: '10', siteName: 'CSAPA Paris Est' },
      ],
    });
  });
});

describe('login through a provider whose tokens do not verify against its published keys (e2e)', () => {
  let scene: LoginScene;

  before(async () => {
    scene = await LoginScene.start('jwt');
    // from the start, so that no genuine key is ever cached by the relying party
    scene.provider.publishedKeys = 'unrelated';
  });

  after(async () => {
    await scene?.stop();
  });

  it('refuses the login with a 401 problem and opens no session, however valid the token looks otherwise', async () => {
    // given an ID token right in every claim (issuer, audience, nonce, acr eidas1), signed by a key
    // other than the one the provider publishes under its key id
    scene.provider.nextLogin = { accountId: 'f:ans:camille', acr: 'eidas1' };
    const browser = new TestBrowser();

    // when
    const { response } = await scene.login(browser);

    // then
    expect(await expectUnauthenticatedProblem(response)).to.equal(
      "La connexion auprès du fournisseur d'identité a échoué : veuillez recommencer.",
    );
    expect(browser.cookiesFor(scene.app.url).has(SESSION_COOKIE)).to.equal(false);
    expect(scene.sessionStore.size).to.equal(0);
    expect(scene.refusals).to.have.length(1);
    expect(causesOf(scene.refusals[0])).to.include('JWT signature verification failed');
  });
});

/** The messages of an error and of its causes, outermost first. */
function causesOf(error: unknown): string[] {
  const messages: string[] = [];
  for (let current = error; current instanceof Error; current = current.cause) messages.push(current.message);
  return messages;
}
