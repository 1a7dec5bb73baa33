import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider, {
  type Adapter,
  type AdapterPayload,
  type ClientMetadata,
  type InteractionResults,
  type JWK,
  type KoaContextWithOIDC,
} from 'oidc-provider';

/** A fictitious professional as Pro Santé Connect describes them, keyed by their `sub` at the provider. */
export interface ProSanteConnectTestAccount {
  /** The national id: RPPS or ADELI with its one-digit prefix (`8` for RPPS). */
  SubjectNameID: string;
  SubjectRefPro: unknown;
  given_name: string;
  family_name: string;
}

/** What the professional does at the provider's login page, when a test decides it. */
export type StandInLogin = { accountId: string; acr: string } | { error: 'access_denied'; error_description: string };

export interface ProSanteConnectStandIn {
  issuer: URL;
  clientId: string;
  clientSecret: string;
  /**
   * The outcome of the next logins, decided by a test; `undefined` (the default) lets the professional
   * choose one of the fictitious accounts on a French page, at eidas1.
   */
  nextLogin: StandInLogin | undefined;
  /**
   * The `acr` the provider states when it renews tokens; by default the one of the login. Tests lower it
   * to see a renewal refused.
   */
  renewalAcr: string | undefined;
  /**
   * The keys its JWKS endpoint publishes: its own (the default), or, for a test, an unrelated key
   * under the same key id, as an impostor would: what it signs then fails verification.
   */
  publishedKeys: 'own' | 'unrelated';
  stop(): Promise<void>;
}

export interface ProSanteConnectStandInOptions {
  /** This server's callback, registered for the one client. */
  redirectUri: URL;
  /** Where the provider may send the professional after logout; the site root of `redirectUri` by default. */
  postLogoutRedirectUri?: URL;
  accounts: Readonly<Record<string, ProSanteConnectTestAccount>>;
  /** Pro Santé Connect answers userinfo as JSON or as a JWT signed with its keys; JSON by default. */
  userinfo?: 'json' | 'jwt';
}

const INTERACTION_PATH = /^\/interaction\/([\w-]+)$/;
/** oidc-provider's default route for the JWKS. */
const JWKS_PATH = '/jwks';
const FORM_LIMIT_BYTES = 4096;

/**
 * A real OpenID provider (oidc-provider) on 127.0.0.1, shaped like Pro Santé Connect: one confidential
 * client with client_secret_basic, PKCE S256 required, scopes `openid scope_all`, the professional's
 * claims given by userinfo only (JSON or signed JWT), `acr` in the ID token, refresh tokens, and
 * RP-initiated logout. For tests and for the embedded default, which has no network: it vouches for
 * nobody real.
 */
export async function startProSanteConnectStandIn(
  options: ProSanteConnectStandInOptions,
): Promise<ProSanteConnectStandIn> {
  const clientId = 'dui-pds-stand-in';
  const clientSecret = randomUUID();
  const key = signingKey();
  const unrelatedKey = { ...publicPartOf(signingKey()), kid: key.kid, alg: key.alg, use: key.use };
  let provider: Provider | undefined;
  const server = createServer((req, res) => {
    const { pathname } = new URL(req.url ?? '/', 'http://stand-in');
    const interaction = INTERACTION_PATH.exec(pathname);
    if (provider === undefined) {
      res.statusCode = 503;
      res.end();
    } else if (pathname === JWKS_PATH && handle.publishedKeys === 'unrelated') {
      res.setHeader('Content-Type', 'application/jwk-set+json');
      res.end(JSON.stringify({ keys: [unrelatedKey] }));
    } else if (interaction !== null) {
      void interact(provider, handle, options.accounts, req, res);
    } else {
      provider.callback()(req, res);
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  const handle: ProSanteConnectStandIn = {
    issuer,
    clientId,
    clientSecret,
    nextLogin: undefined,
    renewalAcr: undefined,
    publishedKeys: 'own',
    stop: () => stopServer(server),
  };
  const client: ClientMetadata = {
    client_id: clientId,
    client_secret: clientSecret,
    redirect_uris: [options.redirectUri.href],
    post_logout_redirect_uris: [(options.postLogoutRedirectUri ?? new URL('/', options.redirectUri)).href],
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_basic',
    ...(options.userinfo === 'jwt' ? { userinfo_signed_response_alg: 'RS256' } : {}),
  };
  provider = new Provider(issuer.href.replace(/\/$/, ''), {
    clients: [client],
    scopes: ['openid', 'scope_all'],
    claims: {
      acr: null,
      auth_time: null,
      sid: null,
      openid: ['sub'],
      scope_all: ['SubjectNameID', 'SubjectRefPro', 'given_name', 'family_name'],
    },
    acrValues: ['eidas1'],
    pkce: { methods: ['S256'], required: () => true },
    responseTypes: ['code'],
    features: {
      devInteractions: { enabled: false },
      jwtUserinfo: { enabled: true },
      rpInitiatedLogout: { enabled: true, logoutSource, postLogoutSuccessSource },
    },
    // as Pro Santé Connect: a refresh token with every login, bound to the session at the provider
    issueRefreshToken: (_ctx, client) => client.grantTypeAllowed('refresh_token'),
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    findAccount: (_ctx, sub) => {
      const account = Object.hasOwn(options.accounts, sub) ? options.accounts[sub] : undefined;
      return account === undefined ? undefined : { accountId: sub, claims: () => ({ sub, ...account }) };
    },
    cookies: { keys: [randomUUID()] },
    jwks: { keys: [key] },
    adapter: memoryAdapter(handle),
    ttl: {
      AuthorizationCode: 60,
      AccessToken: 600,
      IdToken: 600,
      RefreshToken: 3600,
      Grant: 3600,
      Interaction: 600,
      Session: 3600,
    },
    renderError: (ctx, out) => {
      ctx.type = 'json';
      ctx.body = out;
    },
  });
  return handle;
}

/**
 * `GET` shows the choice of a fictitious professional, or completes at once with the test's
 * `nextLogin`; `POST` completes with the professional chosen.
 */
async function interact(
  provider: Provider,
  handle: ProSanteConnectStandIn,
  accounts: Readonly<Record<string, ProSanteConnectTestAccount>>,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  try {
    const details = await provider.interactionDetails(req, res);
    let login: StandInLogin | undefined = handle.nextLogin;
    if (req.method === 'POST') {
      const form = await formOf(req);
      const accountId = form.get('accountId') ?? '';
      login =
        form.has('cancel') || !Object.hasOwn(accounts, accountId)
          ? { error: 'access_denied', error_description: 'connexion annulée' }
          : { accountId, acr: 'eidas1' };
    }
    if (login === undefined) {
      res.setHeader('Content-Type', 'text/html; charset=utf-8');
      res.setHeader('Cache-Control', 'no-store');
      res.end(choicePage(details.uid, accounts));
      return;
    }
    let result: InteractionResults;
    if ('error' in login) {
      result = login;
    } else {
      const grant = new provider.Grant({ accountId: login.accountId, clientId: String(details.params.client_id) });
      grant.addOIDCScope(String(details.params.scope));
      result = { login: { accountId: login.accountId, acr: login.acr }, consent: { grantId: await grant.save() } };
    }
    await provider.interactionFinished(req, res, result, { mergeWithLastSubmission: false });
  } catch (error) {
    res.statusCode = 400;
    res.setHeader('Content-Type', 'text/plain; charset=utf-8');
    res.end(`Connexion impossible : ${error instanceof Error ? error.name : 'erreur'}`);
  }
}

async function formOf(req: IncomingMessage): Promise<URLSearchParams> {
  let body = '';
  for await (const chunk of req) {
    body += String(chunk);
    if (body.length > FORM_LIMIT_BYTES) throw new RangeError('form too large');
  }
  return new URLSearchParams(body);
}

function choicePage(uid: string, accounts: Readonly<Record<string, ProSanteConnectTestAccount>>): string {
  const choices = Object.entries(accounts)
    .map(([accountId, account], index) => {
      const id = `professionnel-${index}`;
      return `      <li><input type="radio" name="accountId" id="${id}" value="${escapeHtml(accountId)}" required${index === 0 ? ' checked' : ''}>
        <label for="${id}">${escapeHtml(`${account.given_name} ${account.family_name}`)} (${escapeHtml(account.SubjectNameID)})</label></li>`;
    })
    .join('\n');
  return page(
    'Pro Santé Connect (doublure locale)',
    `  <p><strong>Doublure locale :</strong> ces professionnels sont fictifs et aucune carte CPS ni e-CPS n'est vérifiée. Elle n'existe pas en production.</p>
  <form method="post" action="/interaction/${escapeHtml(uid)}">
    <fieldset>
      <legend>Se connecter en tant que</legend>
      <ul>
${choices}
      </ul>
    </fieldset>
    <button type="submit">Se connecter (niveau eidas1)</button>
    <button type="submit" name="cancel" value="oui" formnovalidate>Annuler</button>
  </form>`,
  );
}

async function logoutSource(ctx: KoaContextWithOIDC, form: string): Promise<void> {
  ctx.type = 'html';
  ctx.body = page(
    'Déconnexion de Pro Santé Connect (doublure locale)',
    `  ${form}
  <p>Voulez-vous vous déconnecter ?</p>
  <button type="submit" form="op.logoutForm" name="logout" value="yes" autofocus>Se déconnecter</button>
  <button type="submit" form="op.logoutForm">Rester connecté</button>`,
  );
}

async function postLogoutSuccessSource(ctx: KoaContextWithOIDC): Promise<void> {
  ctx.type = 'html';
  ctx.body = page('Déconnecté', '  <p>Vous êtes déconnecté de Pro Santé Connect (doublure locale).</p>');
}

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="fr">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>${escapeHtml(title)}</title>
</head>
<body>
<main>
  <h1>${escapeHtml(title)}</h1>
${body}
</main>
</body>
</html>
`;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (character) => `&#${character.charCodeAt(0)};`);
}

/**
 * The provider's own in-memory storage, minus its warning; expiry is left to the provider's checks.
 * Refresh tokens are read with `renewalAcr` when a test sets it: the provider then vouches for another
 * level when it renews.
 */
function memoryAdapter(handle: ProSanteConnectStandIn): (name: string) => Adapter {
  const payloads = new Map<string, AdapterPayload>();
  const uids = new Map<string, string>();
  return (name) => {
    const key = (id: string) => `${name}:${id}`;
    return {
      async upsert(id, payload) {
        payloads.set(key(id), payload);
        if (payload.uid !== undefined) uids.set(payload.uid, id);
      },
      async find(id) {
        const payload = payloads.get(key(id));
        if (payload === undefined || name !== 'RefreshToken' || handle.renewalAcr === undefined) return payload;
        return { ...payload, acr: handle.renewalAcr };
      },
      async findByUid(uid) {
        const id = uids.get(uid);
        return id === undefined ? undefined : payloads.get(key(id));
      },
      async findByUserCode() {
        return undefined;
      },
      async consume(id) {
        const payload = payloads.get(key(id));
        if (payload !== undefined) payload.consumed = Math.floor(Date.now() / 1000);
      },
      async destroy(id) {
        payloads.delete(key(id));
      },
      async revokeByGrantId(grantId) {
        for (const [stored, payload] of payloads) if (payload.grantId === grantId) payloads.delete(stored);
      },
    };
  };
}

function signingKey(): JWK {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { ...privateKey.export({ format: 'jwk' }), kid: randomUUID(), alg: 'RS256', use: 'sig' } as JWK;
}

function publicPartOf(privateJwk: JWK): JWK {
  const { kty, n, e } = privateJwk as JWK & { n: string; e: string };
  return { kty, n, e } as JWK;
}

function stopServer(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
}
