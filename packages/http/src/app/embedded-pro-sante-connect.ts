import {
  freeLoopbackPort,
  PRO_SANTE_CONNECT_TEST_ACCOUNTS,
  startProSanteConnectStandIn,
} from '@dui-pds/segur-adapters';
import type { OidcConfig } from '../server/index.js';

export interface EmbeddedProSanteConnect {
  /** The port the server must listen on: the stand-in knows its callback by it. */
  port: number;
  /** What `PSC_*` would have configured. */
  oidc: OidcConfig;
  stop(): Promise<void>;
}

/**
 * Pro Santé Connect for the embedded default, which has no network and no PSC registration: the local
 * stand-in, on the loopback interface, with its fictitious professionals, answering userinfo as a
 * signed JWT as PSC may. It vouches for nobody real, so it only ever runs where the development login does.
 */
export async function startEmbeddedProSanteConnect(port: number): Promise<EmbeddedProSanteConnect> {
  // the callback must be known before the server listens: a port free now stands for "any port"
  const listenOn = port === 0 ? await freeLoopbackPort() : port;
  // the host the server prints and browsers use, so that the login's cookie comes back with the callback
  const redirectUri = new URL(`http://localhost:${listenOn}/auth/psc/callback`);
  const standIn = await startProSanteConnectStandIn({
    redirectUri,
    accounts: PRO_SANTE_CONNECT_TEST_ACCOUNTS,
    userinfo: 'jwt',
  });
  return {
    port: listenOn,
    oidc: {
      issuer: standIn.issuer.href,
      clientId: standIn.clientId,
      clientSecret: standIn.clientSecret,
      redirectUri: redirectUri.href,
    },
    stop: () => standIn.stop(),
  };
}
