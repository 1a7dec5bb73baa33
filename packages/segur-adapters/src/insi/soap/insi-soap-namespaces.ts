/**
 * The names of the INSi teleservice (CNAM, SOAP 1.2): namespaces, WS-Addressing actions, and the
 * versions of the two context headers.
 *
 * The search names are those of the CNAM's published WSDL (`DESIR_ICIR`), as public clients of
 * the teleservice send them. The verification operation's names follow the same pattern but
 * could not be checked against the CNAM's WSDL here: they are to be confirmed at the CNDA
 * conformity tests, and live only in this module so that a correction is one line.
 */
export const INSI_NAMESPACES = {
  soap: 'http://www.w3.org/2003/05/soap-envelope',
  addressing: 'http://www.w3.org/2005/08/addressing',
  bamContext: 'urn:siram:bam:ctxbam',
  lpsContext: 'urn:siram:lps:ctxlps',
  service: 'http://www.cnamts.fr/ServiceIdentiteCertifiee/v1',
  searchWithoutVitale: 'http://www.cnamts.fr/INSiRecSans',
  verification: 'http://www.cnamts.fr/INSiVerif',
  result: 'http://www.cnamts.fr/INSiResultat',
} as const;

export const INSI_ACTIONS = {
  search: 'urn:ServiceIdentiteCertifiee:1.0.0:rechercherInsAvecTraitsIdentite',
  verification: 'urn:ServiceIdentiteCertifiee:1.0.0:verifierIdentite',
} as const;

export type InsiOperationName = keyof typeof INSI_ACTIONS;

/** The body element of each operation's request. */
export const INSI_REQUEST_ELEMENTS = {
  search: { namespace: INSI_NAMESPACES.searchWithoutVitale, name: 'RECSANSVITALE' },
  verification: { namespace: INSI_NAMESPACES.verification, name: 'VERIFINS' },
} as const;

export const CONTEXT_VERSIONS = { bam: '01_02', lps: '01_00' } as const;

/** `R="4"`: the IDAM of the LPS context is the software's authorisation number (numéro d'autorisation CNDA). */
export const IDAM_AUTHORISATION_NUMBER = '4';

/** The media type of SOAP 1.2, with the action as its parameter (the HTTP binding's SOAPAction). */
export function soapContentType(action: string): string {
  return `application/soap+xml; charset=utf-8; action="${action}"`;
}
