import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { type Browser, type BrowserContext, chromium, type Locator, type Page } from 'playwright-core';
import type { ServerUnderTest } from '../app/testing/server-under-test.js';
import { TestClock } from '../app/testing/test-clock.js';
import { totpCodeAt } from './portal-credentials.js';
import type { TrustedPersonDesignation, UsagerAgendaEntry } from './portal-sources.js';
import { startPortalServer } from './testing/portal-server.js';

const ORG = 'og-a';
const CSAPA = '750000001';
const PASSWORD = 'cheval agrafe pile correcte';
const SHOTS = '/tmp/dui-portal-screenshots';
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/**
 * The usager portal in a real headless Chromium (Debian's, driven by playwright-core): the whole
 * journey of a usager from the invitation to an access request, and a personne de confiance's.
 * One browser for the file; a context per person. Screenshots of each page go to
 * /tmp/dui-portal-screenshots, to be looked at.
 */
describe('the usager portal in a real browser', function () {
  this.timeout(180_000);
  // the browser drops cookies that expired by its own clock: the server's runs from real time
  const clock = new TestClock(Date.now());
  const designations: TrustedPersonDesignation[] = [
    { trustedPersonId: 'tp-allowed', status: 'designated', mayConsultRecord: true },
    { trustedPersonId: 'tp-not-allowed', status: 'designated', mayConsultRecord: false },
  ];
  const agenda: UsagerAgendaEntry[] = [
    {
      startsAt: new Date(clock.now().getTime() + 3 * 86_400_000).toISOString(),
      title: 'Consultation médicale',
      place: 'CSAPA, 12 rue des Lilas',
    },
    {
      startsAt: new Date(clock.now().getTime() + 10 * 86_400_000).toISOString(),
      title: 'Atelier cuisine (collectif)',
      place: null,
    },
  ];
  let app: ServerUnderTest;
  let browser: Browser;
  let secretary: string;

  const invite = async (login: string, holder = 'service-user', trustedPersonId?: string) => {
    const invited = await app.request('POST', `/organisations/${ORG}/usagers/usager-1/portal-invitations`, {
      as: secretary,
      body: {
        accountId: randomUUID(),
        facilityId: CSAPA,
        login,
        holder,
        ...(trustedPersonId ? { trustedPersonId } : {}),
      },
    });
    expect(invited.status, JSON.stringify(invited.body)).to.equal(201);
    return invited.body.invitationPath as string;
  };
  const textOf = async (locator: Locator) => (await locator.textContent()) ?? '';
  const shoot = (page: Page, name: string) => page.screenshot({ path: `${SHOTS}/${name}.png`, fullPage: true });

  /** Follows the invitation in the browser; answers the TOTP secret read on the page. */
  const activate = async (page: Page, invitationPath: string, shots?: string) => {
    await page.goto(`${app.url}${invitationPath}`);
    if (shots) await shoot(page, `${shots}-1-invitation-mot-de-passe`);
    await page.getByLabel('Mot de passe', { exact: false }).first().fill(PASSWORD);
    await page.getByLabel('Confirmez le mot de passe').fill(PASSWORD);
    await page.getByRole('button', { name: 'Enregistrer le mot de passe' }).click();
    await page.waitForURL(/\/code\?/);
    if (shots) await shoot(page, `${shots}-2-invitation-code`);
    const secret = ((await page.locator('#cle-secrete').textContent()) ?? '').replace(/\s/g, '');
    await page.getByLabel('Code à usage unique').fill(totpCodeAt(secret, clock.now()));
    await page.getByRole('button', { name: 'Activer mon compte' }).click();
    await page.waitForURL(/\/portail\/connexion\?active=1/);
    return secret;
  };
  const login = async (page: Page, userLogin: string, secret: string) => {
    clock.advance(30_000);
    await page.goto(`${app.url}/portail/connexion`);
    await page.getByLabel('Identifiant').fill(userLogin);
    await page.getByLabel('Mot de passe').fill(PASSWORD);
    await page.getByLabel('Code à usage unique').fill(totpCodeAt(secret, clock.now()));
    await page.getByRole('button', { name: 'Se connecter' }).click();
    await page.waitForURL(`${app.url}/portail`);
  };
  const newPage = async (viewport = { width: 1024, height: 800 }): Promise<[BrowserContext, Page]> => {
    const context = await browser.newContext({ viewport, locale: 'fr-FR' });
    return [context, await context.newPage()];
  };

  before(async () => {
    app = await startPortalServer(clock, {
      trustedPersons: async () => designations,
      agenda: async ({ serviceUserId }) => (serviceUserId === 'usager-1' ? agenda : []),
    });
    await app.asSystem(ORG, {
      type: 'GrantRole',
      professionalId: 'pro-secretary',
      facilityId: CSAPA,
      role: 'secretary',
    });
    secretary = await app.loginAs('pro-secretary');
    const registered = await app.request('POST', `/organisations/${ORG}/usagers`, {
      as: secretary,
      body: {
        serviceUserId: 'usager-1',
        facilityId: CSAPA,
        traits: {
          birthName: 'MARTIN',
          birthFirstNames: ['CAMILLE'],
          birthDate: '1985-05-12',
          sex: 'F',
          birthplaceCode: '75056',
        },
        usedName: 'Dupont',
      },
    });
    expect(registered.status, JSON.stringify(registered.body)).to.equal(201);
    browser = await chromium.launch({ executablePath: CHROMIUM });
  });
  after(async () => {
    await browser?.close();
    await app?.close();
  });

  it('takes a usager from the invitation to an access request, each page read being traced', async () => {
    // given an invitation handed over by the secretariat
    const invitationPath = await invite('camille.martin');
    const [context, page] = await newPage();

    // when Camille activates her account, logs in with a one-time code and goes through her record
    const secret = await activate(page, invitationPath, '01');
    await shoot(page, '02-connexion');
    await page.keyboard.press('Tab');
    const firstFocused = await page.locator(':focus').textContent();
    await login(page, 'camille.martin', secret);
    await shoot(page, '03-accueil');
    await page.getByRole('link', { name: 'Mon identité' }).first().click();
    const identity = await textOf(page.locator('main'));
    await shoot(page, '04-identite');
    await page.getByRole('link', { name: 'Mon agenda' }).first().click();
    const agendaText = await textOf(page.locator('main'));
    await shoot(page, '05-agenda');
    await page.getByRole('link', { name: 'Mon projet personnalisé' }).first().click();
    const project = await textOf(page.locator('main'));
    await shoot(page, '06-projet');
    await page.getByRole('link', { name: 'Mes documents' }).first().click();
    const documents = await textOf(page.locator('main'));
    await shoot(page, '07-documents');
    // a professional reads her portal accounts meanwhile: a traced read
    await app.request('GET', `/organisations/${ORG}/facilities/${CSAPA}/usagers/usager-1/portal-accounts`, {
      as: secretary,
    });
    await page.getByRole('link', { name: 'Qui a consulté mon dossier' }).first().click();
    const accessList = await textOf(page.locator('main'));
    await shoot(page, '08-qui-a-consulte');
    await page.getByRole('link', { name: 'Demander l’accès à mon dossier' }).first().click();
    await page.getByLabel('Quelles informations demandez-vous ?').fill('Tout mon dossier médical depuis 2024');
    await page.getByLabel('Oui').check();
    await page.getByRole('button', { name: 'Envoyer ma demande' }).click();
    await page.waitForURL(/envoyee=1/);
    const requests = await textOf(page.locator('main'));
    await shoot(page, '09-demande-envoyee');
    await page.setViewportSize({ width: 375, height: 740 });
    await page.getByRole('link', { name: 'Qui a consulté mon dossier' }).first().click();
    await shoot(page, '10-telephone-qui-a-consulte');
    await page.getByRole('button', { name: 'Se déconnecter' }).click();
    await page.waitForURL(/sortie=1/);
    const loggedOut = await textOf(page.locator('main'));
    await page.goto(`${app.url}/portail/identite`);
    const urlAfterLogout = page.url();
    await context.close();

    // then
    expect(firstFocused).to.equal('Aller au contenu');
    expect(identity).to.contain('MARTIN').and.to.contain('CAMILLE').and.to.contain('Dupont');
    expect(agendaText).to.contain('Consultation médicale').and.to.contain('Atelier cuisine');
    expect(project).to.contain('Aucun projet personnalisé validé pour le moment');
    expect(documents).to.contain('Aucun document partagé pour le moment');
    expect(accessList).to.contain('Professionnel·le pro-secretary').and.to.contain('secrétariat');
    expect(accessList).to.contain('Vous-même (portail)').and.to.contain('identité').and.to.contain('agenda');
    expect(requests).to.contain('Votre demande est enregistrée').and.to.contain('Tout mon dossier médical depuis 2024');
    expect(loggedOut).to.contain('Vous êtes déconnecté·e.');
    expect(urlAfterLogout).to.equal(`${app.url}/portail/connexion`);
    const toHandle = await app.request('GET', `/organisations/${ORG}/facilities/${CSAPA}/access-requests-to-handle`, {
      as: secretary,
    });
    expect(toHandle.body.requests).to.have.length(1);
    expect(toHandle.body.requests[0]).to.include({
      serviceUserId: 'usager-1',
      olderThanFiveYears: true,
      warning: 'none',
    });
  });

  it('shows a personne de confiance only what the designation allows', async () => {
    // given a personne de confiance allowed to consult, and one who is not
    const [allowedContext, allowed] = await newPage({ width: 375, height: 740 });
    const allowedSecret = await activate(allowed, await invite('proche.autorise', 'trusted-person', 'tp-allowed'));
    const [refusedContext, refused] = await newPage();
    const refusedSecret = await activate(
      refused,
      await invite('proche.non.autorise', 'trusted-person', 'tp-not-allowed'),
    );

    // when each logs in
    await login(allowed, 'proche.autorise', allowedSecret);
    const allowedNav = await textOf(allowed.getByRole('navigation', { name: 'Portail' }));
    await shoot(allowed, '11-personne-de-confiance-accueil-telephone');
    await allowed.getByRole('link', { name: 'Identité', exact: true }).first().click();
    const allowedIdentity = await textOf(allowed.locator('main'));
    const requestsPage = await allowed.goto(`${app.url}/portail/demandes`);
    await login(refused, 'proche.non.autorise', refusedSecret);
    const refusedHome = await textOf(refused.locator('main'));
    await shoot(refused, '12-personne-de-confiance-non-autorisee');
    const refusedIdentity = await refused.goto(`${app.url}/portail/identite`);
    const refusedIdentityText = await textOf(refused.locator('main'));
    // and once the allowed one's designation is revoked
    designations[0] = { trustedPersonId: 'tp-allowed', status: 'revoked', mayConsultRecord: true };
    const afterRevocation = await allowed.goto(`${app.url}/portail/identite`);
    await shoot(allowed, '13-personne-de-confiance-revoquee');
    await allowedContext.close();
    await refusedContext.close();

    // then
    expect(allowedNav).to.contain('Identité').and.to.contain('Qui a consulté le dossier');
    expect(allowedNav).not.to.contain('Mon identité');
    expect(allowedNav).not.to.contain('Demander l’accès');
    expect(allowedIdentity).to.contain('MARTIN');
    expect(requestsPage?.status()).to.equal(403);
    expect(refusedHome).to.contain('Votre accès au dossier n’est pas ouvert');
    expect(refusedIdentity?.status()).to.equal(403);
    expect(refusedIdentityText).not.to.contain('MARTIN');
    expect(afterRevocation?.status()).to.equal(403);
  });
});
