import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider, { type InteractionResults, type JWK } from 'oidc-provider';

/** What the simulated professional does at the provider's login page. */
export type ProviderLogin =
  | { accountId: string; acr: string }
  | { error: 'access_denied'; error_description: string };

export interface PscAccount {
  SubjectNameID: string;
  SubjectRefPro: unknown;
  given_name: string;
  family_name: string;
}

export interface PscLikeProvider {
  issuer: URL;
  clientId: string;
  clientSecret: string;
  /** Decides the outcome of the next interactions; by default the first account, at eidas1. */
  nextLogin: ProviderLogin;
  stop(): Promise<void>;
}

/**
 * A real OpenID provider (oidc-provider) on 127.0.0.1, shaped like Pro Santé Connect: confidential client
 * with client_secret_basic, PKCE S256 required, scopes `openid scope_all`, the professional's claims given
 * by userinfo only, `acr` in the ID token. The login and consent pages are replaced by `nextLogin`.
 */
export async function startPscLikeProvider(options: {
  redirectUri: URL;
  accounts: Readonly<Record<string, PscAccount>>;
}): Promise<PscLikeProvider> {
  const clientId = 'dui-pds-test';
  const clientSecret = randomUUID();
  let provider: Provider | undefined;
  const server = createServer((req, res) => {
    if (provider === undefined) {
      res.statusCode = 503;
      res.end();
    } else if (req.url?.startsWith('/interaction/')) {
      void interact(provider, handle, req, res);
    } else {
      provider.callback()(req, res);
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  const firstAccount = Object.keys(options.accounts)[0] ?? 'nobody';
  const handle: PscLikeProvider = {
    issuer,
    clientId,
    clientSecret,
    nextLogin: { accountId: firstAccount, acr: 'eidas1' },
    stop: () => stopServer(server),
  };

  provider = new Provider(issuer.href.replace(/\/$/, ''), {
    clients: [
      {
        client_id: clientId,
        client_secret: clientSecret,
        redirect_uris: [options.redirectUri.href],
        grant_types: ['authorization_code'],
        response_types: ['code'],
        token_endpoint_auth_method: 'client_secret_basic',
      },
    ],
    scopes: ['openid', 'scope_all'],
    claims: {
      acr: null,
      auth_time: null,
      sid: null,
      openid: ['sub'],
      scope_all: ['SubjectNameID', 'SubjectRefPro', 'given_name', 'family_name'],
    },
    acrValues: ['eidas1', 'password'],
    pkce: { methods: ['S256'], required: () => true },
    responseTypes: ['code'],
    features: { devInteractions: { enabled: false } },
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    findAccount: (_ctx, sub) => {
      const account = options.accounts[sub];
      return account === undefined ? undefined : { accountId: sub, claims: () => ({ sub, ...account }) };
    },
    cookies: { keys: [randomUUID()] },
    jwks: { keys: [signingKey()] },
  });
  return handle;
}

async function interact(
  provider: Provider,
  handle: PscLikeProvider,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  try {
    const details = await provider.interactionDetails(req, res);
    const login = handle.nextLogin;
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
    res.statusCode = 500;
    res.end(String(error));
  }
}

function signingKey(): JWK {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { ...privateKey.export({ format: 'jwk' }), kid: randomUUID(), alg: 'RS256', use: 'sig' } as JWK;
}

function stopServer(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
}
