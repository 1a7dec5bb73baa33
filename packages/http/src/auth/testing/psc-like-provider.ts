import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider, { type Adapter, type AdapterPayload, type InteractionResults, type JWK } from 'oidc-provider';

/** What the simulated professional does at the provider's login page. */
export type ProviderLogin = { accountId: string; acr: string } | { error: 'access_denied'; error_description: string };

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
    adapter: memoryAdapter(),
    ttl: { AuthorizationCode: 60, AccessToken: 600, IdToken: 600, Grant: 600, Interaction: 600, Session: 600 },
    renderError: (ctx, out) => {
      ctx.type = 'json';
      ctx.body = out;
    },
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

/** The provider's own in-memory adapter, minus its warning; expiry is not needed by tests this short. */
function memoryAdapter(): (name: string) => Adapter {
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
        return payloads.get(key(id));
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

function stopServer(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
}
