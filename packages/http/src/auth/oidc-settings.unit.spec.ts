import { expect } from 'chai';
import { genericOidcProfile, PRO_SANTE_CONNECT_CLAIMS, proSanteConnectProfile } from './oidc-settings.js';

describe('OIDC provider settings', () => {
  const registration = {
    issuer: new URL('https://auth.example.test/realms/esante-wallet'),
    clientId: 'dui',
    clientSecret: 'secret',
    redirectUri: new URL('https://dui.example.test/auth/psc/callback'),
  };

  it('gives Pro Santé Connect its scope, acr_values and required acr', () => {
    // when
    const psc = proSanteConnectProfile(registration);

    // then
    expect(psc).to.deep.include({
      id: 'psc',
      scope: 'openid scope_all',
      acrValues: 'eidas1',
      requiredAcr: 'eidas1',
      claimsMapping: PRO_SANTE_CONNECT_CLAIMS,
    });
  });

  it('lets a generic provider override its scope, claims and acr', () => {
    // when
    const organisation = genericOidcProfile({
      ...registration,
      id: 'association-sud',
      scope: 'openid profile email',
      requiredAcr: 'mfa',
      claimsMapping: { professionalId: 'preferred_username' },
    });

    // then
    expect(organisation).to.deep.include({
      id: 'association-sud',
      scope: 'openid profile email',
      requiredAcr: 'mfa',
      claimsMapping: { professionalId: 'preferred_username' },
    });
  });

  it('refuses reserved or malformed ids, a scope without openid, and plain HTTP to a remote issuer', () => {
    // when
    const attempts = [
      () => genericOidcProfile({ ...registration, id: 'dev' }),
      () => genericOidcProfile({ ...registration, id: 'Mon Fournisseur' }),
      () => genericOidcProfile({ ...registration, id: 'org', scope: 'profile' }),
      () => proSanteConnectProfile({ ...registration, issuer: new URL('http://auth.example.test') }),
      () =>
        proSanteConnectProfile({
          ...registration,
          issuer: new URL('http://auth.example.test'),
          allowInsecureRequests: true,
        }),
    ];

    // then
    for (const attempt of attempts) expect(attempt).to.throw(/^fournisseur d'identité « [^»]+ » : /);
  });

  it('allows plain HTTP to a provider on the loopback interface when asked', () => {
    // when
    const local = proSanteConnectProfile({
      ...registration,
      issuer: new URL('http://127.0.0.1:4000'),
      allowInsecureRequests: true,
    });

    // then
    expect(local.allowInsecureRequests).to.equal(true);
  });
});
