import { expect } from 'chai';
import { AuthenticationRefused } from './authentication-refused.js';
import { checkAcr, professionalFromClaims } from './identity-claims.js';
import { genericOidcProfile, proSanteConnectProfile } from './oidc-settings.js';

describe('identity claims', () => {
  const registration = {
    issuer: new URL('https://auth.example.test/realms/esante-wallet'),
    clientId: 'dui',
    clientSecret: 'secret',
    redirectUri: new URL('https://dui.example.test/auth/psc/callback'),
  };
  const psc = proSanteConnectProfile(registration);
  const organisation = genericOidcProfile({ ...registration, id: 'association' });
  const subjectRefPro = {
    codeCivilite: 'M',
    exercices: [
      { codeProfession: '10', activities: [{ numeroFinessSite: '750000001', codeSecteurDActivite: 'SA05' }] },
    ],
  };

  function refusalOf(action: () => unknown): string {
    try {
      action();
    } catch (error) {
      expect(error).to.be.instanceOf(AuthenticationRefused);
      return (error as AuthenticationRefused).detail;
    }
    throw new Error('nothing was refused');
  }

  describe('for Pro Santé Connect', () => {
    it('takes SubjectNameID as the professional id and reads SubjectRefPro into practices', () => {
      // given
      const claims = {
        sub: 'f:550dc1c8-d97b-4b1e-ac8c-8eb4471cf9dd:ANS',
        SubjectNameID: '810012345678',
        SubjectRefPro: subjectRefPro,
        given_name: 'Camille',
        family_name: 'MARTIN',
      };

      // when
      const professional = professionalFromClaims(psc, claims, 'eidas1');

      // then
      expect(professional).to.deep.equal({
        professionalId: '810012345678',
        displayName: 'Camille MARTIN',
        provider: 'psc',
        acr: 'eidas1',
        practices: [{ professionCode: '10', workSituations: [{ finess: '750000001' }] }],
      });
    });

    it('gives a professional whose SubjectRefPro is missing or unreadable no practices, and still logs them in', () => {
      // when
      const without = professionalFromClaims(psc, { SubjectNameID: '810012345678' }, 'eidas1');
      const unreadable = professionalFromClaims(psc, { SubjectNameID: '810012345678', SubjectRefPro: 'x' }, 'eidas1');

      // then
      expect(without.practices).to.deep.equal([]);
      expect(unreadable.practices).to.deep.equal([]);
    });

    it('refuses an identity without SubjectNameID, even with a sub', () => {
      // when
      const detail = refusalOf(() => professionalFromClaims(psc, { sub: 'someone', given_name: 'Camille' }, 'eidas1'));

      // then
      expect(detail).to.equal(
        "Le fournisseur d'identité n'a pas transmis l'identifiant du professionnel (SubjectNameID).",
      );
    });

    it('accepts only eidas1, in the ID token and in userinfo when it states one', () => {
      // when
      const accepted = checkAcr(psc, { acr: 'eidas1' }, { SubjectNameID: '810012345678' });
      const lowIdToken = refusalOf(() => checkAcr(psc, { acr: 'password' }));
      const absent = refusalOf(() => checkAcr(psc, {}));
      const lowUserinfo = refusalOf(() => checkAcr(psc, { acr: 'eidas1' }, { acr: 'password' }));

      // then
      expect(accepted).to.equal('eidas1');
      expect(lowIdToken).to.equal(
        "Le niveau d'authentification fourni (password) est insuffisant : le niveau eidas1 est exigé.",
      );
      expect(absent).to.include('(non précisé)');
      expect(lowUserinfo).to.include('(password)');
    });

    it('does not echo a strange acr back to the professional', () => {
      // when
      const detail = refusalOf(() => checkAcr(psc, { acr: '<script>alert(1)</script>' }));

      // then
      expect(detail).to.include('(non précisé)').and.not.include('<script>');
    });
  });

  describe("for an organisation's own provider", () => {
    it('takes sub as the professional id and name, or given and family names, as the display name', () => {
      // when
      const named = professionalFromClaims(organisation, { sub: 'u-42', name: 'Dr Alix Bernard' }, undefined);
      const unnamed = professionalFromClaims(
        organisation,
        { sub: 'u-43', given_name: 'Noa', family_name: 'Petit' },
        'mfa',
      );
      const anonymous = professionalFromClaims(organisation, { sub: 'u-44' }, undefined);

      // then
      expect(named).to.deep.equal({ professionalId: 'u-42', displayName: 'Dr Alix Bernard', provider: 'association' });
      expect(unnamed).to.deep.equal({
        professionalId: 'u-43',
        displayName: 'Noa Petit',
        provider: 'association',
        acr: 'mfa',
      });
      expect(anonymous.displayName).to.equal('u-44');
    });

    it('keeps a practices claim raw, having no reading of its own for it', () => {
      // given
      const withPractices = genericOidcProfile({
        ...registration,
        id: 'association',
        claimsMapping: { professionalId: 'sub', practices: 'roles' },
      });

      // when
      const professional = professionalFromClaims(withPractices, { sub: 'u-42', roles: ['soignant'] }, undefined);

      // then
      expect(professional)
        .to.deep.include({ rawPractices: ['soignant'] })
        .and.not.have.property('practices');
    });

    it('accepts any acr unless one is required', () => {
      // given
      const strict = genericOidcProfile({ ...registration, id: 'association', requiredAcr: 'mfa' });

      // when
      const anyAcr = checkAcr(organisation, { acr: 'pwd' });
      const refused = refusalOf(() => checkAcr(strict, { acr: 'pwd' }));

      // then
      expect(anyAcr).to.equal('pwd');
      expect(refused).to.include('le niveau mfa est exigé');
    });
  });
});
