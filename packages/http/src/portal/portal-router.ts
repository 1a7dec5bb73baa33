import { randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import type { Decider } from '@dui-pds/domain';
import {
  type AccessRequestCommand,
  accessRequestDeadlines,
  accessRequestDecider,
  accessRequestStreamId,
  DomainRuleViolation,
  IDENTITY_STATUS_LABELS,
  type PortalAccountCommand,
  portalAccountDecider,
  portalAccountStreamId,
  portalLoginLocked,
  RECORD_ARCHIVED,
  type RecordRead,
  ROLE_LABELS,
  type Role,
  SEX_LABELS,
  type SensitivityClass,
} from '@dui-pds/domain';
import { type DomainEvent, type EventMetadata, type EventStore, foldStream, handleCommand } from '@dui-pds/eventstore';
import {
  accessRequestsOf,
  type PortalAccountView,
  personalisedProject,
  personalisedProjectsOf,
  personalisedProjectVersion,
  portalAccountById,
  portalAccountByLogin,
  serviceUserIdentity,
} from '@dui-pds/projections';
import { type Request, type Response, Router, urlencoded } from 'express';
import { rateLimit } from 'express-rate-limit';
import type { Knex } from 'knex';
import type { AccessLog } from '../app/access-log.js';
import { closeSession, openSession, resolveSession, type SessionStore } from '../auth/index.js';
import { cookieOf } from '../auth/session-transport.js';
import {
  hashPassword,
  invitationDigestOf,
  newTotpSecret,
  passwordProblems,
  type TotpSecretSeal,
  totpStepOf,
  totpUri,
  verifyPassword,
} from './portal-credentials.js';
import {
  alert,
  date,
  dateTime,
  type Html,
  html,
  type NavItem,
  notice,
  PORTAL_STYLESHEET,
  page,
} from './portal-html.js';
import { type PortalRequester, type PortalSources, trustedPersonMayConsult } from './portal-sources.js';

export const PORTAL_SESSION_COOKIE = 'dui_portal';
export const PORTAL_CSRF_COOKIE = 'dui_portal_csrf';
/** One hour, absolute: a shared phone or a library computer forgets the session soon. */
export const PORTAL_SESSION_LIFETIME_MS = 60 * 60 * 1000;
const PORTAL_PROVIDER = 'portal';
const GENERIC_LOGIN_ERROR = 'Identifiant, mot de passe ou code à usage unique incorrect.';
/** A uuid as PostgreSQL reads it: anything else in a path is no row, never a query error. */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface PortalRouterOptions {
  store: EventStore<Knex.Transaction>;
  knex: Knex;
  schemas: { portalAccounts: string; serviceUsers: string; personalisedProjects: string; accessRequests: string };
  accessLog: AccessLog;
  /** The portal's own sessions: never the professionals' store, so that no token serves both. */
  sessionStore: SessionStore;
  seal: TotpSecretSeal;
  sources: PortalSources;
  clock: () => Date;
  secureCookies: boolean;
  /** Login attempts per minute and address, before the per-account lockout. */
  loginAttemptsPerMinute?: number;
}

/** Who is logged in to the portal, resolved again at every request (a revocation applies at once). */
interface Viewer {
  account: PortalAccountView;
  csrf: string;
  /**
   * False for a personne de confiance whose designation is revoked or does not allow consulting,
   * and for every account once the usager's death is recorded.
   */
  mayConsult: boolean;
  /** The usager's death is recorded: the portal no longer opens the record, to any account. */
  deceased: boolean;
}

/**
 * The usager portal (`/portail/…`): server-rendered French pages for the usager and, where
 * designated and allowed, their personne de confiance. Its own login (password + one-time code)
 * and its own session cookie, `SameSite=Strict`, scoped to `/portail`. Every query is keyed by the
 * session's account — its organisation and its usager — never by a parameter of the request, so
 * that a forged identifier in a URL or a form changes nothing. Every page that shows the record is
 * traced in the usager's access log, with the account as actor (`serviceUser`).
 *
 * A personne de confiance whose designation allows consulting sees the identity, the agenda, the
 * personalised project, the documents shared and the access list; never the access-request pages
 * (the right of L.1111-7 is the usager's own) and nothing once the designation is revoked or does
 * not allow it. No page of the portal shows notes of any kind, psychological ones included.
 *
 * Once the usager's death is recorded (an exit for death, as last corrected, in any ESSMS of the
 * organisation), no account opens the record any more: the personne de confiance's mission ends
 * with the death (L.1111-6 CSP), and the usager's own account could only be used by someone else;
 * access to a deceased person's record goes through a written request to the establishment
 * (L.1110-4 CSP). Every page goes through `viewerOf`, which says so.
 */
export function portalRouter(options: PortalRouterOptions): Router {
  const { store, knex, schemas, accessLog, sessionStore, seal, sources, clock } = options;
  const router = Router();
  const form = urlencoded({ extended: false, limit: '8kb', parameterLimit: 20 });
  const cookieAttributes = {
    httpOnly: true,
    secure: options.secureCookies,
    sameSite: 'strict' as const,
    path: '/portail',
  };

  router.get('/portail/portail.css', (_req, res) => {
    res.set('Cache-Control', 'public, max-age=3600').type('text/css').send(PORTAL_STYLESHEET);
  });

  /** The form token: a random cookie the page repeats in a hidden field (double submit). */
  const csrfOf = (req: Request, res: Response): string => {
    const existing = cookieOf(req, PORTAL_CSRF_COOKIE);
    if (existing !== undefined && /^[A-Za-z0-9_-]{43}$/.test(existing)) return existing;
    const token = randomBytes(32).toString('base64url');
    res.cookie(PORTAL_CSRF_COOKIE, token, cookieAttributes);
    return token;
  };
  const csrfValid = (req: Request): boolean => {
    const cookie = cookieOf(req, PORTAL_CSRF_COOKIE);
    const field = (req.body as Record<string, unknown> | undefined)?.csrf;
    if (cookie === undefined || typeof field !== 'string' || cookie.length !== field.length) return false;
    return timingSafeEqual(Buffer.from(cookie), Buffer.from(field));
  };
  const send = (res: Response, status: number, body: string) => {
    res.status(status).set('Cache-Control', 'no-store').type('html').send(body);
  };
  const refuseForm = (res: Response) =>
    send(
      res,
      403,
      page({
        title: 'Formulaire expiré',
        body: html`<p>Ce formulaire a expiré ou ne vient pas du portail. Revenez à la page précédente, rechargez-la, puis recommencez.</p>
  <p><a href="/portail">Retour au portail</a></p>`,
      }),
    );
  // a browser never sends U+0000, and PostgreSQL cannot store it: a forged form loses it
  const field = (req: Request, name: string): string => {
    const value = (req.body as Record<string, unknown> | undefined)?.[name];
    return typeof value === 'string' ? value.replaceAll('\u0000', '') : '';
  };

  const appendAs = async <C, E extends DomainEvent, S>(
    decider: Decider<C, E, S>,
    streamId: string,
    command: C,
    account: Pick<PortalAccountView, 'organisationId' | 'accountId' | 'serviceUserId' | 'facilityId'>,
  ) => {
    const metadata: EventMetadata = {
      organisationId: account.organisationId,
      facilityId: account.facilityId,
      actor: { kind: 'serviceUser', id: account.accountId },
      occurredAt: clock().toISOString(),
      serviceUserId: account.serviceUserId,
    };
    return handleCommand(store, decider, { streamId, commandId: randomUUID(), command, metadata });
  };
  const accountCommand = (account: PortalAccountView, command: PortalAccountCommand) =>
    appendAs(portalAccountDecider, portalAccountStreamId(account.organisationId, account.accountId), command, account);
  const accountState = async (account: PortalAccountView) => {
    return foldStream(store, portalAccountDecider, portalAccountStreamId(account.organisationId, account.accountId));
  };

  // ---- invitation: choose a password, then enrol the one-time code -------------------------------

  /** The invited account an invitation link names, if its token is the right one and still usable. */
  const invitationOf = async (accountId: string, token: string) => {
    if (!UUID.test(accountId) || !/^[A-Za-z0-9_-]{43}$/.test(token)) return undefined;
    const account = await portalAccountById(knex, schemas.portalAccounts, accountId);
    if (account === undefined || account.status !== 'invited') return undefined;
    const state = await accountState(account);
    if (state.status !== 'invited' || state.invitationDigest !== invitationDigestOf(token)) return undefined;
    if (!(clock().getTime() < Date.parse(state.invitationExpiresAt ?? ''))) return undefined;
    return { account, state };
  };
  const invalidInvitation = (res: Response) =>
    send(
      res,
      404,
      page({
        title: 'Invitation non valable',
        body: html`<p>Ce lien d’invitation n’est pas valable : il a peut-être expiré ou déjà servi.</p>
  <p>Demandez une nouvelle invitation à l’équipe qui vous accompagne.</p>`,
      }),
    );

  const passwordPage = (req: Request, res: Response, account: PortalAccountView, token: string, errors: string[]) =>
    send(
      res,
      errors.length === 0 ? 200 : 422,
      page({
        title: 'Activer mon compte',
        body: html`<p>Étape 1 sur 2 : choisissez votre mot de passe. Votre identifiant est <strong>${account.login}</strong>.</p>
  ${alert(errors)}
  <form method="post" action="/portail/invitation/${account.accountId}"${errors.length ? html` aria-describedby="erreurs"` : ''}>
    <input type="hidden" name="csrf" value="${csrfOf(req, res)}">
    <input type="hidden" name="jeton" value="${token}">
    <label for="motDePasse">Mot de passe <span class="hint" id="aide-mot-de-passe">Au moins 12 caractères. Une phrase de plusieurs mots est facile à retenir.</span></label>
    <input type="password" id="motDePasse" name="motDePasse" autocomplete="new-password" required minlength="12" maxlength="200" aria-describedby="aide-mot-de-passe">
    <label for="confirmation">Confirmez le mot de passe</label>
    <input type="password" id="confirmation" name="confirmation" autocomplete="new-password" required maxlength="200">
    <button type="submit">Enregistrer le mot de passe</button>
  </form>`,
      }),
    );

  router.get('/portail/invitation/:accountId', async (req, res) => {
    const token = typeof req.query.jeton === 'string' ? req.query.jeton : '';
    const invitation = await invitationOf(req.params.accountId, token);
    if (invitation === undefined) return invalidInvitation(res);
    passwordPage(req, res, invitation.account, token, []);
  });

  router.post('/portail/invitation/:accountId', form, async (req, res) => {
    if (!csrfValid(req)) return refuseForm(res);
    const token = field(req, 'jeton');
    const invitation = await invitationOf(req.params.accountId, token);
    if (invitation === undefined) return invalidInvitation(res);
    const password = field(req, 'motDePasse');
    const errors = passwordProblems(password, invitation.account.login);
    if (password !== field(req, 'confirmation')) errors.push('Les deux mots de passe ne sont pas identiques.');
    if (errors.length > 0) return passwordPage(req, res, invitation.account, token, errors);
    await accountCommand(invitation.account, {
      type: 'SetPortalPassword',
      accountId: invitation.account.accountId,
      invitationDigest: invitationDigestOf(token),
      passwordHash: await hashPassword(password),
      at: clock().toISOString(),
    });
    res.redirect(303, `/portail/invitation/${invitation.account.accountId}/code?jeton=${encodeURIComponent(token)}`);
  });

  const codePage = (
    req: Request,
    res: Response,
    account: PortalAccountView,
    token: string,
    secret: string,
    errors: string[],
  ) =>
    send(
      res,
      errors.length === 0 ? 200 : 422,
      page({
        title: 'Activer mon compte',
        body: html`<p>Étape 2 sur 2 : le code à usage unique. À chaque connexion, en plus du mot de passe, vous donnerez un code de 6 chiffres affiché par une application d’authentification (par exemple FreeOTP, Aegis, Google Authenticator ou Microsoft Authenticator), qui change toutes les 30 secondes.</p>
  <ol>
    <li>Dans l’application, choisissez « Ajouter un compte », puis « Saisir une clé ».</li>
    <li>Recopiez cette clé secrète (les espaces ne comptent pas) :
      <p class="secret" id="cle-secrete">${secret.replace(/(.{4})/g, '$1 ').trim()}</p>
      <p class="hint">Ou, si l’application l’accepte, ce lien : <a href="${totpUri(secret, account.login)}">ajouter à mon application</a>.</p>
    </li>
    <li>Saisissez ci-dessous le code que l’application affiche.</li>
  </ol>
  ${alert(errors)}
  <form method="post" action="/portail/invitation/${account.accountId}/code">
    <input type="hidden" name="csrf" value="${csrfOf(req, res)}">
    <input type="hidden" name="jeton" value="${token}">
    <input type="hidden" name="cle" value="${secret}">
    <label for="code">Code à usage unique <span class="hint" id="aide-code">6 chiffres</span></label>
    <input type="text" id="code" name="code" inputmode="numeric" autocomplete="one-time-code" pattern="[0-9]{6}" maxlength="6" required aria-describedby="aide-code">
    <button type="submit">Activer mon compte</button>
  </form>`,
      }),
    );

  router.get('/portail/invitation/:accountId/code', async (req, res) => {
    const token = typeof req.query.jeton === 'string' ? req.query.jeton : '';
    const invitation = await invitationOf(req.params.accountId, token);
    if (invitation === undefined) return invalidInvitation(res);
    if (invitation.state.status !== 'invited' || invitation.state.passwordHash === undefined) {
      return res.redirect(
        303,
        `/portail/invitation/${invitation.account.accountId}?jeton=${encodeURIComponent(token)}`,
      );
    }
    codePage(req, res, invitation.account, token, newTotpSecret(), []);
  });

  router.post('/portail/invitation/:accountId/code', form, async (req, res) => {
    if (!csrfValid(req)) return refuseForm(res);
    const token = field(req, 'jeton');
    const invitation = await invitationOf(req.params.accountId, token);
    if (invitation === undefined) return invalidInvitation(res);
    // the secret comes back from the page that showed it: it is the invitee's own, and proven by the code
    const secret = field(req, 'cle');
    if (!/^[A-Z2-7]{32}$/.test(secret)) return codePage(req, res, invitation.account, token, newTotpSecret(), []);
    const totpStep = totpStepOf(secret, field(req, 'code').trim(), clock());
    if (totpStep === undefined) {
      return codePage(req, res, invitation.account, token, secret, [
        'Ce code ne correspond pas à la clé : vérifiez la saisie de la clé et l’heure du téléphone, puis saisissez le code affiché.',
      ]);
    }
    try {
      await accountCommand(invitation.account, {
        type: 'EnrolPortalSecondFactor',
        accountId: invitation.account.accountId,
        invitationDigest: invitationDigestOf(token),
        sealedTotpSecret: seal.seal(secret),
        totpStep,
        at: clock().toISOString(),
      });
    } catch (error) {
      if (!(error instanceof DomainRuleViolation)) throw error;
      return codePage(req, res, invitation.account, token, secret, [error.message]);
    }
    res.redirect(303, '/portail/connexion?active=1');
  });

  // ---- login and logout ------------------------------------------------------------------------------

  const loginPage = (req: Request, res: Response, status: number, errors: string[], login = '') =>
    send(
      res,
      status,
      page({
        title: 'Connexion',
        body: html`${req.query.active === '1' ? notice('Votre compte est activé : vous pouvez vous connecter.') : ''}
  ${req.query.sortie === '1' ? notice('Vous êtes déconnecté·e.') : ''}
  ${alert(errors)}
  <form method="post" action="/portail/connexion">
    <input type="hidden" name="csrf" value="${csrfOf(req, res)}">
    <label for="identifiant">Identifiant</label>
    <input type="text" id="identifiant" name="identifiant" autocomplete="username" autocapitalize="none" spellcheck="false" required maxlength="100" value="${login}">
    <label for="motDePasse">Mot de passe</label>
    <input type="password" id="motDePasse" name="motDePasse" autocomplete="current-password" required maxlength="200">
    <label for="code">Code à usage unique <span class="hint" id="aide-code">Les 6 chiffres affichés par votre application d’authentification</span></label>
    <input type="text" id="code" name="code" inputmode="numeric" autocomplete="one-time-code" pattern="[0-9]{6}" maxlength="6" required aria-describedby="aide-code">
    <button type="submit">Se connecter</button>
  </form>
  <p>Pas encore de compte ? L’équipe qui vous accompagne peut vous inviter.</p>`,
      }),
    );

  router.get('/portail/connexion', (req, res) => loginPage(req, res, 200, []));

  const attempts = rateLimit({
    windowMs: 60_000,
    limit: options.loginAttemptsPerMinute ?? 20,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    handler: (req, res) => loginPage(req, res, 429, ['Trop de tentatives de connexion : patientez une minute.']),
  });

  router.post('/portail/connexion', attempts, form, async (req, res) => {
    if (!csrfValid(req)) return refuseForm(res);
    const login = field(req, 'identifiant').trim().toLowerCase();
    const password = field(req, 'motDePasse');
    const code = field(req, 'code').trim();
    const account = /^[a-z0-9._@+-]{3,100}$/.test(login)
      ? await portalAccountByLogin(knex, schemas.portalAccounts, login)
      : undefined;
    if (account === undefined || account.status !== 'active') {
      await verifyPassword(password, undefined);
      return loginPage(req, res, 401, [GENERIC_LOGIN_ERROR], login);
    }
    const now = clock();
    const state = await accountState(account);
    if (portalLoginLocked(state, now.toISOString())) {
      return loginPage(
        req,
        res,
        423,
        ['Trop de tentatives de connexion : votre compte est bloqué quelques minutes. Réessayez plus tard.'],
        login,
      );
    }
    const passwordRight = await verifyPassword(password, state.status === 'none' ? undefined : state.passwordHash);
    const secret = state.status === 'none' || !state.sealedTotpSecret ? undefined : seal.open(state.sealedTotpSecret);
    const step = secret === undefined ? undefined : totpStepOf(secret, code, now);
    if (!passwordRight || step === undefined) {
      await accountCommand(account, {
        type: 'RecordPortalLoginFailure',
        accountId: account.accountId,
        at: now.toISOString(),
      });
      return loginPage(req, res, 401, [GENERIC_LOGIN_ERROR], login);
    }
    try {
      await accountCommand(account, {
        type: 'RecordPortalLoginSuccess',
        accountId: account.accountId,
        totpStep: step,
        at: now.toISOString(),
      });
    } catch (error) {
      if (!(error instanceof DomainRuleViolation)) throw error;
      return loginPage(req, res, 401, [error.message], login);
    }
    const session = await openSession(
      sessionStore,
      { professionalId: account.accountId, displayName: account.login, provider: PORTAL_PROVIDER },
      { now: clock, lifetimeMs: PORTAL_SESSION_LIFETIME_MS },
    );
    res.cookie(PORTAL_SESSION_COOKIE, session.token, { ...cookieAttributes, expires: session.expiresAt });
    res.redirect(303, '/portail');
  });

  router.post('/portail/deconnexion', form, async (req, res) => {
    if (!csrfValid(req)) return refuseForm(res);
    const token = cookieOf(req, PORTAL_SESSION_COOKIE);
    if (token !== undefined) await closeSession(sessionStore, token);
    res.clearCookie(PORTAL_SESSION_COOKIE, cookieAttributes);
    res.redirect(303, '/portail/connexion?sortie=1');
  });

  // ---- the pages of the record -----------------------------------------------------------------------

  const viewerOf = async (req: Request, res: Response): Promise<Viewer | undefined> => {
    const token = cookieOf(req, PORTAL_SESSION_COOKIE);
    if (token === undefined) return undefined;
    const session = await resolveSession(sessionStore, token, { now: clock });
    if (session === undefined || session.provider !== PORTAL_PROVIDER) return undefined;
    const account = await portalAccountByLogin(knex, schemas.portalAccounts, session.displayName);
    if (account === undefined || account.accountId !== session.professionalId || account.status !== 'active') {
      return undefined;
    }
    const record = { organisationId: account.organisationId, serviceUserId: account.serviceUserId };
    // after a death, the record is no longer the portal's to show: to the usager's account or anyone's
    const deceased = await sources.deathRecorded(record);
    const mayConsult =
      !deceased &&
      (account.holder === 'service-user' ||
        trustedPersonMayConsult(await sources.trustedPersons(record), account.trustedPersonId));
    return { account, csrf: csrfOf(req, res), mayConsult, deceased };
  };

  const navOf = (viewer: Viewer): NavItem[] => {
    if (!viewer.mayConsult) return [{ href: '/portail', label: 'Accueil' }];
    const items: NavItem[] = [
      { href: '/portail', label: 'Accueil' },
      { href: '/portail/identite', label: 'Mon identité' },
      { href: '/portail/agenda', label: 'Mon agenda' },
      { href: '/portail/projet', label: 'Mon projet personnalisé' },
      { href: '/portail/documents', label: 'Mes documents' },
      { href: '/portail/acces', label: 'Qui a consulté mon dossier' },
      ...(viewer.account.holder === 'service-user'
        ? [{ href: '/portail/demandes', label: 'Demander l’accès à mon dossier' }]
        : []),
    ];
    return items.map((item) => ({ ...item, label: forHolder(viewer, item.label) }));
  };

  const show = (res: Response, viewer: Viewer, current: string, title: string, body: Html, status = 200) =>
    send(
      res,
      status,
      page({
        title: forHolder(viewer, title),
        body,
        nav: navOf(viewer),
        current,
        csrf: viewer.csrf,
        signedInAs: viewer.account.login,
      }),
    );

  /** Traced before the answer leaves, as professionals' reads are. */
  const traceRead = (_req: Request, viewer: Viewer, resource: string, sensitivities: SensitivityClass[]) => {
    const read: RecordRead = {
      serviceUserId: viewer.account.serviceUserId,
      facilityId: viewer.account.facilityId,
      roles: [viewer.account.holder === 'service-user' ? 'usager' : 'personne-de-confiance'],
      resource: `portal:${resource}`,
      sensitivities,
      purpose: 'portal',
    };
    return accessLog.recordPortalRead({
      organisationId: viewer.account.organisationId,
      accountId: viewer.account.accountId,
      read,
    });
  };

  type PageHandler = (req: Request, res: Response, viewer: Viewer) => Promise<void>;
  /** A page of the record: logged in, and allowed to consult (else a page that says why). */
  const recordPage = (path: string, title: string, handler: PageHandler, usagerOnly = false) => {
    router.get(path, async (req, res) => {
      const viewer = await viewerOf(req, res);
      if (viewer === undefined) return res.redirect(303, '/portail/connexion');
      if (!viewer.mayConsult || (usagerOnly && viewer.account.holder !== 'service-user')) {
        return show(res, viewer, path, title, html`<p>${notAllowed(viewer)}</p>`, 403);
      }
      await handler(req, res, viewer);
    });
  };

  router.get('/portail', async (req, res) => {
    const viewer = await viewerOf(req, res);
    if (viewer === undefined) return res.redirect(303, '/portail/connexion');
    if (!viewer.mayConsult) {
      return show(res, viewer, '/portail', 'Accueil', html`<p>${notAllowed(viewer)}</p>`, 403);
    }
    const cards = navOf(viewer)
      .slice(1)
      .map(
        (item) =>
          html`<li><a href="${item.href}">${item.label}<span>${(viewer.account.holder === 'service-user' ? CARD_HINTS : TRUSTED_PERSON_CARD_HINTS)[item.href] ?? ''}</span></a></li>`,
      );
    show(
      res,
      viewer,
      '/portail',
      'Accueil',
      html`<p>${
        viewer.account.holder === 'service-user'
          ? 'Bienvenue sur votre espace. Vous y consultez votre dossier d’accompagnement.'
          : 'Bienvenue. En tant que personne de confiance, vous consultez le dossier de la personne qui vous a désignée, dans la limite de ce qu’elle a autorisé.'
      }</p>
  <ul class="cards">${cards}</ul>`,
    );
  });

  recordPage('/portail/identite', 'Mon identité', async (req, res, viewer) => {
    const { organisationId, serviceUserId } = viewer.account;
    const identity = await serviceUserIdentity(knex, schemas.serviceUsers, { organisationId, serviceUserId });
    await traceRead(req, viewer, 'identity', ['administrative']);
    const body =
      identity === undefined
        ? html`<p>Votre identité n’est pas encore enregistrée dans le dossier.</p>`
        : html`<dl>
    ${identity.anonymous ? html`<dt>Pseudonyme</dt><dd>${identity.pseudonym}</dd>` : ''}
    ${identity.birthName ? html`<dt>Nom de naissance</dt><dd>${identity.birthName}</dd>` : ''}
    ${identity.birthFirstNames.length ? html`<dt>Prénoms de naissance</dt><dd>${identity.birthFirstNames.join(' ')}</dd>` : ''}
    ${identity.usedName ? html`<dt>Nom utilisé</dt><dd>${identity.usedName}</dd>` : ''}
    ${identity.usedFirstName ? html`<dt>Prénom utilisé</dt><dd>${identity.usedFirstName}</dd>` : ''}
    ${identity.birthDate ? html`<dt>Date de naissance</dt><dd>${date(identity.birthDate)}</dd>` : ''}
    ${!identity.birthDate && identity.birthYear ? html`<dt>Année de naissance</dt><dd>${identity.birthYear}</dd>` : ''}
    ${identity.sex ? html`<dt>Sexe</dt><dd>${SEX_LABELS[identity.sex]}</dd>` : ''}
    ${identity.postalAddress ? html`<dt>Adresse</dt><dd>${identity.postalAddress}</dd>` : ''}
    <dt>Statut de l’identité</dt><dd>${identity.identityStatus ? IDENTITY_STATUS_LABELS[identity.identityStatus] : 'non renseigné'}</dd>
    <dt>Dans le dossier depuis le</dt><dd>${date(identity.registeredAt)}</dd>
  </dl>
  <p>Une erreur ? Signalez-la à l’équipe : vous avez le droit de faire rectifier vos données.</p>`;
    show(res, viewer, '/portail/identite', 'Mon identité', body);
  });

  recordPage('/portail/agenda', 'Mon agenda', async (req, res, viewer) => {
    const now = clock();
    const from = new Date(now.getTime() - 7 * 86_400_000).toISOString();
    const to = new Date(now.getTime() + 90 * 86_400_000).toISOString();
    const entries = await sources.agenda({
      organisationId: viewer.account.organisationId,
      serviceUserId: viewer.account.serviceUserId,
      from,
      to,
    });
    await traceRead(req, viewer, 'agenda', ['administrative']);
    const body =
      entries.length === 0
        ? html`<p>Aucun rendez-vous du ${date(from)} au ${date(to)}.</p>`
        : html`<table>
    <caption>Rendez-vous du ${date(from)} au ${date(to)}</caption>
    <thead><tr><th scope="col">Quand</th><th scope="col">Quoi</th><th scope="col">Où</th></tr></thead>
    <tbody>${entries.map(
      (entry) =>
        html`<tr><td data-label="Quand">${dateTime(entry.startsAt)}</td><td data-label="Quoi">${entry.title}${entry.status === 'cancelled' ? ' (annulé)' : ''}</td><td data-label="Où">${entry.place ?? '—'}</td></tr>`,
    )}</tbody>
  </table>`;
    show(res, viewer, '/portail/agenda', 'Mon agenda', body);
  });

  recordPage('/portail/projet', 'Mon projet personnalisé', async (req, res, viewer) => {
    const { organisationId, serviceUserId, facilityId } = viewer.account;
    const projects = await personalisedProjectsOf(knex, schemas.personalisedProjects, {
      organisationId,
      serviceUserId,
      facilityId,
    });
    await traceRead(req, viewer, 'personalised-project', ['social']);
    const latest = projects.find((project) => project.lastValidatedOn !== null);
    if (latest === undefined) {
      return show(
        res,
        viewer,
        '/portail/projet',
        'Mon projet personnalisé',
        html`<p>Aucun projet personnalisé validé pour le moment. Il s’élabore avec vous : parlez-en à votre référent·e.</p>`,
      );
    }
    // the usager sees what was validated with them, not a draft the team is still writing
    const project = await personalisedProject(knex, schemas.personalisedProjects, {
      organisationId,
      projectId: latest.projectId,
    });
    const validated = project?.versions.filter((version) => version.status === 'validated').at(-1);
    const version =
      validated &&
      (await personalisedProjectVersion(knex, schemas.personalisedProjects, {
        organisationId,
        projectId: latest.projectId,
        version: validated.version,
      }));
    const objectives = version?.objectives ?? [];
    show(
      res,
      viewer,
      '/portail/projet',
      'Mon projet personnalisé',
      html`<p>Version validée le ${date(latest.lastValidatedOn ?? '')}.</p>
  ${
    objectives.length === 0
      ? html`<p>Ce projet ne compte pas encore d’objectif.</p>`
      : objectives.map(
          (objective) => html`<section>
    <h2>${objective.title}</h2>
    ${objective.description ? html`<p>${objective.description}</p>` : ''}
    ${
      objective.actions.length === 0
        ? ''
        : html`<ul>${objective.actions.map(
            (action) =>
              html`<li>${action.what} — échéance : ${date(action.deadline)}${action.completedOn ? html` (fait le ${date(action.completedOn)})` : ''}</li>`,
          )}</ul>`
    }
  </section>`,
        )
  }`,
    );
  });

  recordPage('/portail/documents', 'Mes documents', async (req, res, viewer) => {
    await traceRead(req, viewer, 'documents', ['administrative']);
    const documents = await sources.sharedDocuments(recordOf(viewer));
    show(
      res,
      viewer,
      '/portail/documents',
      'Mes documents',
      html`${
        documents.length === 0
          ? html`<p>Aucun document partagé pour le moment.</p>
  <p class="hint">Les documents que l’équipe partagera avec vous (contrat de séjour, projet signé, comptes rendus…) apparaîtront ici.</p>`
          : html`<table>
    <caption>Documents partagés par l’équipe</caption>
    <thead><tr><th scope="col">Document</th><th scope="col">Nature</th><th scope="col">Version</th><th scope="col">Date</th><th scope="col">Signé</th></tr></thead>
    <tbody>${documents.map(
      (document) =>
        html`<tr><td><a href="/portail/documents/${document.documentId}">${document.title}</a></td><td>${document.kindLabel}</td><td>${String(document.version)}</td><td>${date(document.storedAt)}</td><td>${document.signed ? 'oui' : 'non'}</td></tr>`,
    )}</tbody>
  </table>`
      }
  <h2>Télécharger le dossier</h2>
  <p>Vous pouvez télécharger ${viewer.account.holder === 'service-user' ? 'votre dossier' : 'ce que vous pouvez consulter du dossier'} en une archive ZIP : les documents et un fichier lisible par un programme (portabilité).</p>
  <p><a href="/portail/export" download>Télécharger (ZIP)</a></p>`,
    );
  });

  recordPage('/portail/documents/:documentId', 'Document', async (req, res, viewer) => {
    const documentId = String(req.params.documentId);
    // a malformed identifier names no document: the same answer as one not shared
    const shared = UUID.test(documentId)
      ? await sources.sharedDocumentContent({ ...recordOf(viewer), documentId })
      : undefined;
    if (shared === undefined) {
      return show(
        res,
        viewer,
        '/portail/documents',
        'Document',
        html`<p>Ce document n’est pas partagé avec vous.</p>`,
        404,
      );
    }
    await traceRead(req, viewer, `document:${documentId}`, ['administrative']);
    res
      .status(200)
      .type(shared.mediaType)
      .set('Content-Disposition', `attachment; filename="${asciiFileName(shared.fileName)}"`)
      .set('Cache-Control', 'no-store')
      .send(Buffer.from(shared.content));
  });

  recordPage('/portail/export', 'Télécharger le dossier', async (req, res, viewer) => {
    const requester: PortalRequester =
      viewer.account.holder === 'service-user'
        ? { kind: 'serviceUser' }
        : { kind: 'trustedPerson', trustedPersonId: viewer.account.trustedPersonId ?? '' };
    const exported = await sources.recordExport({ ...recordOf(viewer), requester });
    if (exported === undefined) {
      return show(
        res,
        viewer,
        '/portail/documents',
        'Télécharger le dossier',
        html`<p>L’export du dossier n’est pas disponible pour le moment.</p>`,
        503,
      );
    }
    await traceRead(
      req,
      viewer,
      'export',
      requester.kind === 'serviceUser'
        ? ['administrative', 'social', 'medical', 'psychological']
        : ['administrative', 'social'],
    );
    res
      .status(200)
      .type('application/zip')
      .set('Content-Disposition', `attachment; filename="${asciiFileName(exported.fileName)}"`)
      .set('Cache-Control', 'no-store')
      .send(Buffer.from(exported.zip));
  });

  recordPage('/portail/acces', 'Qui a consulté mon dossier', async (req, res, viewer) => {
    // traced first, so that this very reading is on the list
    await traceRead(req, viewer, 'access-log', ['administrative']);
    const entries = (await accessLog.entries(viewer.account.organisationId, viewer.account.serviceUserId))
      .filter((entry) => entry.type === 'RecordRead')
      .reverse();
    const rows = entries.map((entry) => {
      const read = entry.data as Partial<RecordRead>;
      const actor = entry.metadata.actor;
      const who =
        actor.kind === 'professional'
          ? `Professionnel·le ${actor.id}`
          : actor.kind === 'serviceUser'
            ? read.roles?.includes('personne-de-confiance')
              ? 'Votre personne de confiance (portail)'
              : actor.id.startsWith('agenda-feed:')
                ? // whoever holds the link: the usager's calendar application, or someone they gave it to
                  'Le lien d’abonnement à votre agenda'
                : 'Vous-même (portail)'
            : 'Traitement automatique';
      const role =
        actor.kind === 'professional'
          ? actor.role
              .split(',')
              .map((role) => (role in ROLE_LABELS ? ROLE_LABELS[role as Role] : '—'))
              .join(', ')
          : '—';
      return html`<tr><td data-label="Quand">${dateTime(entry.metadata.occurredAt)}</td><td data-label="Qui">${who}</td><td data-label="Fonction">${role}</td><td data-label="Quoi">${resourceLabel(read.resource ?? '')}</td></tr>`;
    });
    show(
      res,
      viewer,
      '/portail/acces',
      'Qui a consulté mon dossier',
      html`<p>Chaque consultation de votre dossier est enregistrée : par qui, quand, et quelle partie. La plus récente d’abord.</p>
  <table>
    <caption>${entries.length} consultation${entries.length > 1 ? 's' : ''}</caption>
    <thead><tr><th scope="col">Quand</th><th scope="col">Qui</th><th scope="col">Fonction</th><th scope="col">Quoi</th></tr></thead>
    <tbody>${rows}</tbody>
  </table>`,
    );
  });

  const requestsPage = async (req: Request, res: Response, viewer: Viewer, errors: string[], filed = false) => {
    const requests = await accessRequestsOf(knex, schemas.accessRequests, {
      organisationId: viewer.account.organisationId,
      serviceUserId: viewer.account.serviceUserId,
      now: clock(),
    });
    await traceRead(req, viewer, 'access-requests', ['administrative']);
    show(
      res,
      viewer,
      '/portail/demandes',
      'Demander l’accès à mon dossier',
      html`<p>Vous pouvez demander la communication des informations de santé qui vous concernent (article L.1111-7 du code de la santé publique). L’équipe vérifie votre identité ; les informations vous sont communiquées au plus tôt 48 heures après votre demande, au plus tard 8 jours après, ou 2 mois si elles datent de plus de 5 ans.</p>
  ${filed ? notice('Votre demande est enregistrée. L’équipe vous contactera pour vérifier votre identité.') : ''}
  ${alert(errors)}
  <form method="post" action="/portail/demandes">
    <input type="hidden" name="csrf" value="${viewer.csrf}">
    <label for="informations">Quelles informations demandez-vous ? <span class="hint" id="aide-informations">Par exemple : tout mon dossier, les comptes rendus de 2024…</span></label>
    <textarea id="informations" name="informations" required maxlength="2000" aria-describedby="aide-informations"></textarea>
    <fieldset>
      <legend>Ces informations ont-elles plus de cinq ans ?</legend>
      <input type="radio" id="ancien-non" name="ancien" value="non" checked><label for="ancien-non">Non, ou je ne sais pas</label>
      <input type="radio" id="ancien-oui" name="ancien" value="oui"><label for="ancien-oui">Oui</label>
    </fieldset>
    <button type="submit">Envoyer ma demande</button>
  </form>
  <h2>Mes demandes</h2>
  ${
    requests.length === 0
      ? html`<p>Aucune demande pour le moment.</p>`
      : html`<table>
    <thead><tr><th scope="col">Déposée le</th><th scope="col">Informations</th><th scope="col">Où en est-elle</th></tr></thead>
    <tbody>${requests.map(
      (request) =>
        html`<tr><td data-label="Déposée le">${dateTime(request.filedAt)}</td><td data-label="Informations">${request.scope}</td><td data-label="Où en est-elle">${requestStatus(request)}</td></tr>`,
    )}</tbody>
  </table>`
  }`,
      errors.length > 0 ? 422 : 200,
    );
  };

  recordPage(
    '/portail/demandes',
    'Demander l’accès à mon dossier',
    (req, res, viewer) => requestsPage(req, res, viewer, [], req.query.envoyee === '1'),
    true,
  );

  router.post('/portail/demandes', form, async (req, res) => {
    const viewer = await viewerOf(req, res);
    if (viewer === undefined) return res.redirect(303, '/portail/connexion');
    if (!csrfValid(req)) return refuseForm(res);
    if (!viewer.mayConsult || viewer.account.holder !== 'service-user') {
      return show(
        res,
        viewer,
        '/portail/demandes',
        'Demander l’accès à mon dossier',
        html`<p>${notAllowed(viewer)}</p>`,
        403,
      );
    }
    const scope = field(req, 'informations').trim();
    if (scope.length === 0 || scope.length > 2_000) {
      return requestsPage(req, res, viewer, ['Précisez les informations demandées (2 000 caractères au plus).']);
    }
    const requestId = randomUUID();
    // whatever identifier the form carries, the request is the session's usager's
    const command: AccessRequestCommand = {
      type: 'FileAccessRequest',
      requestId,
      serviceUserId: viewer.account.serviceUserId,
      facilityId: viewer.account.facilityId,
      filedBy: 'service-user',
      filerId: viewer.account.accountId,
      scope,
      olderThanFiveYears: field(req, 'ancien') === 'oui',
      filedAt: clock().toISOString(),
    };
    try {
      await appendAs(
        accessRequestDecider,
        accessRequestStreamId(viewer.account.organisationId, requestId),
        command,
        viewer.account,
      );
    } catch (error) {
      if (!(error instanceof DomainRuleViolation && error.code === RECORD_ARCHIVED)) throw error;
      return requestsPage(req, res, viewer, [
        'Votre dossier est archivé : adressez votre demande par écrit à l’établissement, son archiviste y répondra.',
      ]);
    }
    res.redirect(303, '/portail/demandes?envoyee=1');
  });

  return router;
}

/** A personne de confiance reads someone else's record: « Identité », not « Mon identité ». */
function forHolder(viewer: Viewer, label: string): string {
  if (viewer.account.holder === 'service-user') return label;
  const unpossessed = label.replace(/^(Mon|Mes) (.)/, (_, __, first: string) => first.toUpperCase());
  return unpossessed.replace('mon dossier', 'le dossier');
}

function notAllowed(viewer: Viewer): string {
  if (viewer.deceased) {
    return viewer.account.holder === 'trusted-person'
      ? 'Votre accès au dossier est fermé : le décès de la personne qui vous avait désignée comme personne de confiance a été enregistré, et la mission de la personne de confiance prend fin avec le décès (article L.1111-6 du code de la santé publique). L’accès au dossier d’une personne décédée se demande par écrit à l’établissement (article L.1110-4 du code de la santé publique). Rapprochez-vous de l’équipe si vous pensez qu’il s’agit d’une erreur.'
      : 'Ce compte ne donne plus accès au dossier : un décès y a été enregistré. L’accès au dossier d’une personne décédée se demande par écrit à l’établissement (article L.1110-4 du code de la santé publique). Rapprochez-vous de l’équipe si vous pensez qu’il s’agit d’une erreur.';
  }
  return viewer.account.holder === 'trusted-person' && !viewer.mayConsult
    ? 'Votre accès au dossier n’est pas ouvert : la désignation comme personne de confiance a été révoquée, ou ne permet pas de consulter le dossier. Rapprochez-vous de l’équipe si vous pensez qu’il s’agit d’une erreur.'
    : 'Cette page est réservée à la personne accompagnée.';
}

function requestStatus(request: Awaited<ReturnType<typeof accessRequestsOf>>[number]): string {
  if (request.status === 'released') {
    return `Communiquée le ${date(request.releasedOn ?? '')} (${RELEASE_LABELS[request.releaseMethod ?? ''] ?? request.releaseMethod}).`;
  }
  if (request.status === 'refused') return `Refusée : ${request.refusalReason ?? ''}`;
  const { earliestRelease, latestRelease } = accessRequestDeadlines(request);
  return `En cours${request.identityCheckedAt ? ', identité vérifiée' : ', identité à vérifier'} : communication entre le ${dateTime(earliestRelease)} et le ${dateTime(latestRelease)}.`;
}

const CARD_HINTS: Record<string, string> = {
  '/portail/identite': 'Vos nom, prénoms, date de naissance',
  '/portail/agenda': 'Vos prochains rendez-vous',
  '/portail/projet': 'Les objectifs construits avec vous',
  '/portail/documents': 'Les documents partagés avec vous',
  '/portail/acces': 'La liste des consultations de votre dossier',
  '/portail/demandes': 'Obtenir la communication de vos informations de santé',
};
const TRUSTED_PERSON_CARD_HINTS: Record<string, string> = {
  '/portail/identite': 'Nom, prénoms, date de naissance',
  '/portail/agenda': 'Les prochains rendez-vous',
  '/portail/projet': 'Les objectifs du projet personnalisé',
  '/portail/documents': 'Les documents partagés',
  '/portail/acces': 'La liste des consultations du dossier',
};
const RELEASE_LABELS: Record<string, string> = {
  'on-site-consultation': 'consultation sur place',
  'handed-over': 'remise en main propre',
  'postal-mail': 'envoi postal',
  'secure-messaging': 'messagerie sécurisée',
  portal: 'portail',
};
const RESOURCE_LABELS: Record<string, string> = {
  'portal:identity': 'identité',
  'portal:agenda': 'agenda',
  'portal:personalised-project': 'projet personnalisé',
  'portal:access-log': 'liste des consultations',
  'portal:access-requests': 'demandes d’accès',
  'portal:documents': 'documents partagés',
  'portal:document': 'un document partagé',
  'portal:export': 'téléchargement du dossier',
  documents: 'documents du dossier',
  document: 'un document du dossier',
  'document-content': 'un document du dossier',
  'document-signature-verification': 'vérification d’une signature',
  'generated-document': 'un document édité depuis le dossier',
  'archive-export': 'dossier archivé (archives)',
  'portal-accounts': 'comptes du portail',
  notes: 'notes du dossier',
  note: 'une note du dossier',
  identity: 'identité',
  'service-user': 'identité',
  'social-benefits': 'droits sociaux',
  'summary-sheet': 'fiche de synthèse',
  'personalised-project': 'projet personnalisé',
  'access-log': 'liste des consultations',
  'access-requests': 'demandes d’accès',
  'usager-agenda-ics': 'agenda (abonnement ICS)',
};
/** `portal:document:<id>` reads as `portal:document`: the list says what was read, not its id. */
function resourceLabel(resource: string): string {
  const portal = resource.startsWith('portal:') ? 'portal:' : '';
  const kind = portal + (resource.slice(portal.length).split(':')[0] ?? '');
  return RESOURCE_LABELS[kind] ?? kind.replace(/^portal:/, '').replaceAll('-', ' ');
}

/** The record a portal session reads: always its own account's, never one named by the request. */
function recordOf(viewer: Viewer): { organisationId: string; serviceUserId: string } {
  return { organisationId: viewer.account.organisationId, serviceUserId: viewer.account.serviceUserId };
}

/** A `Content-Disposition` file name without quotes or non-ASCII characters. */
function asciiFileName(name: string): string {
  return (
    name
      .normalize('NFD')
      .replace(/[\u0300-\u036f]/g, '')
      .replace(/[^A-Za-z0-9._-]+/g, '-') || 'document'
  );
}
