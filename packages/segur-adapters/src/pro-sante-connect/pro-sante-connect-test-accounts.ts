import type { ProSanteConnectTestAccount } from './pro-sante-connect-stand-in.js';

/** The ESSMS of the embedded default's demo organisation, where the fictitious professionals practise. */
const CSAPA = { numeroFinessSite: '750000001', raisonSocialeSite: 'CSAPA DEMO (FICTIF)' };
const CAARUD = { numeroFinessSite: '750000002', raisonSocialeSite: 'CAARUD DEMO (FICTIF)' };

function account(
  rpps: string,
  givenName: string,
  familyName: string,
  codeProfession: string,
  sites: readonly object[],
): ProSanteConnectTestAccount {
  return {
    SubjectNameID: `8${rpps}`,
    given_name: givenName,
    family_name: familyName,
    SubjectRefPro: {
      codeCivilite: '',
      exercices: [
        {
          codeProfession,
          codeCategorieProfessionnelle: 'C',
          nomDexercice: familyName,
          prenomDexercice: givenName,
          activities: sites.map((site) => ({ codeModeExercice: 'S', ...site })),
        },
      ],
    },
  };
}

/**
 * Fictitious professionals for the Pro Santé Connect stand-in, keyed by their `sub`: RPPS in the 997…
 * range of the ANS test identities, which no real professional holds; names invented. The
 * masseur-kinésithérapeute's profession suggests no role here.
 */
export const PRO_SANTE_CONNECT_TEST_ACCOUNTS: Readonly<Record<string, ProSanteConnectTestAccount>> = {
  'f:doublure:medecin': account('99700000104', 'Jeanne', 'DURAND', '10', [CSAPA]),
  'f:doublure:infirmier': account('99700000112', 'Paul', 'BERNARD', '60', [CSAPA, CAARUD]),
  'f:doublure:psychologue': account('99700000120', 'Inès', 'PETIT', '93', [CSAPA]),
  'f:doublure:pharmacien': account('99700000138', 'Karim', 'ROUX', '21', [CSAPA]),
  'f:doublure:assistante-sociale': account('99700000146', 'Léa', 'FONTAINE', '41', [CAARUD]),
  'f:doublure:kinesitherapeute': account('99700000153', 'Marc', 'GIRARD', '70', [CSAPA]),
};
