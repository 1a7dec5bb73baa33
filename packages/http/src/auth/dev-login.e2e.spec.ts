import { expect } from 'chai';
import { authenticate, requireProfessional } from './authenticate.js';
import { type DemoProfessional, devLoginAllowed, devLoginRouter } from './dev-login.js';
import { MemorySessionStore } from './memory-session-store.js';
import { UNAUTHENTICATED_PROBLEM_TYPE } from './problem.js';
import { SESSION_COOKIE } from './session-transport.js';
import { type AppUnderTest, startApp } from './testing/app-under-test.js';
import { TestBrowser } from './testing/browser.js';

describe('development login (e2e)', () => {
  const professionals: DemoProfessional[] = [
    {
      professionalId: '810000000001',
      displayName: 'Dr Alix Bernard',
      rawPractices: { exercices: [{ codeProfession: '10' }] },
    },
    { professionalId: '810000000002', displayName: 'Noa <Petit> & fils' },
  ];
  const apps: AppUnderTest[] = [];

  after(async () => {
    await Promise.all(apps.map((app) => app.stop()));
  });

  async function appWith(config: { production: boolean; embedded: boolean; devLogin: boolean }, secureCookies = false) {
    const app = await startApp();
    apps.push(app);
    const sessionStore = new MemorySessionStore();
    if (devLoginAllowed(config)) app.app.use(devLoginRouter({ professionals, sessionStore, secureCookies }));
    app.app.use(authenticate(sessionStore));
    app.app.get('/moi', requireProfessional, (_req, res) => {
      res.json(res.locals.professional);
    });
    return app;
  }

  const embeddedDevelopment = { production: false, embedded: true, devLogin: true };

  it('shows a French form listing the demo professionals, the one asked for chosen, names escaped', async () => {
    // given
    const app = await appWith(embeddedDevelopment);

    // when
    const response = await fetch(new URL('/auth/dev/login?professionalId=810000000002&returnTo=/usagers', app.url));

    // then
    expect(response.status).to.equal(200);
    expect(response.headers.get('content-type')).to.match(/^text\/html/);
    const page = await response.text();
    expect(page).to.include('<html lang="fr">').and.include('Connexion de développement');
    expect(page).to.include('Dr Alix Bernard (810000000001)');
    expect(page).to.include('Noa &#60;Petit&#62; &#38; fils').and.not.include('<Petit>');
    expect(page).to.match(/value="810000000002" required checked>/);
    expect(page).to.include('name="returnTo" value="/usagers"');
  });

  it('opens a session for the professional chosen and returns to the page asked for', async () => {
    // given
    const app = await appWith(embeddedDevelopment);
    const browser = new TestBrowser();

    // when
    const response = await browser.request(new URL('/auth/dev/login', app.url), {
      method: 'POST',
      body: new URLSearchParams({ professionalId: '810000000001', returnTo: '/usagers/7' }),
    });
    const me = await browser.request(new URL('/moi', app.url));

    // then
    expect(response.status).to.equal(303);
    expect(response.headers.get('location')).to.equal('/usagers/7');
    expect(me.status).to.equal(200);
    expect(await me.json()).to.deep.equal({
      professionalId: '810000000001',
      displayName: 'Dr Alix Bernard',
      provider: 'dev',
      rawPractices: { exercices: [{ codeProfession: '10' }] },
    });
  });

  it('marks the session cookie Secure unless told the server runs over plain HTTP', async () => {
    // given
    const app = await appWith(embeddedDevelopment, true);

    // when
    const response = await fetch(new URL('/auth/dev/login', app.url), {
      method: 'POST',
      body: new URLSearchParams({ professionalId: '810000000001' }),
      redirect: 'manual',
    });

    // then
    const cookie = response.headers.getSetCookie().find((header) => header.startsWith(`${SESSION_COOKIE}=`));
    expect(cookie)
      .to.match(/; Secure/)
      .and.match(/; HttpOnly/)
      .and.match(/; SameSite=Lax/);
    expect(response.headers.get('location')).to.equal('/');
  });

  it('refuses an unknown professional with a 401 problem', async () => {
    // given
    const app = await appWith(embeddedDevelopment);

    // when
    const response = await fetch(new URL('/auth/dev/login', app.url), {
      method: 'POST',
      body: new URLSearchParams({ professionalId: '899999999999' }),
      redirect: 'manual',
    });

    // then
    expect(response.status).to.equal(401);
    expect(response.headers.get('content-type')).to.match(/^application\/problem\+json/);
    expect(await response.json()).to.deep.equal({
      type: UNAUTHENTICATED_PROBLEM_TYPE,
      title: 'Authentification requise',
      status: 401,
      detail: "Ce professionnel de démonstration n'existe pas.",
    });
    expect(response.headers.getSetCookie()).to.deep.equal([]);
  });

  for (const config of [
    { production: true, embedded: true, devLogin: true },
    { production: false, embedded: false, devLogin: true },
    { production: false, embedded: true, devLogin: false },
  ]) {
    it(`is not there at all when ${JSON.stringify(config)}`, async () => {
      // given
      const app = await appWith(config);

      // when
      const form = await fetch(new URL('/auth/dev/login', app.url));
      const login = await fetch(new URL('/auth/dev/login', app.url), {
        method: 'POST',
        body: new URLSearchParams({ professionalId: '810000000001' }),
        redirect: 'manual',
      });

      // then
      expect([form.status, login.status]).to.deep.equal([404, 404]);
      expect(login.headers.getSetCookie()).to.deep.equal([]);
    });
  }
});
