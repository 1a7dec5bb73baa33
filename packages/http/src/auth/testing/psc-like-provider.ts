import {
  type ProSanteConnectStandIn,
  type ProSanteConnectStandInOptions,
  type ProSanteConnectTestAccount,
  type StandInLogin,
  startProSanteConnectStandIn,
} from '@dui-pds/segur-adapters';

export type PscAccount = ProSanteConnectTestAccount;
export type ProviderLogin = StandInLogin;
export type PscLikeProvider = ProSanteConnectStandIn;

/**
 * The Pro Santé Connect stand-in with its login page replaced by `nextLogin`: by default the first
 * account, at eidas1.
 */
export async function startPscLikeProvider(options: ProSanteConnectStandInOptions): Promise<PscLikeProvider> {
  const provider = await startProSanteConnectStandIn(options);
  provider.nextLogin = { accountId: Object.keys(options.accounts)[0] ?? 'nobody', acr: 'eidas1' };
  return provider;
}
