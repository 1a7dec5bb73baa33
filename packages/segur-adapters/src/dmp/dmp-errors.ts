/**
 * The DMP could not be reached or did not answer as the protocol says: not configured, no
 * connection, a refused certificate, a SOAP fault, an HTTP error, an unreadable answer, a timeout.
 * The message, in English for the logs, never quotes the patient, the document or what came back.
 */
export class DmpUnavailable extends Error {
  override readonly name = 'DmpUnavailable';
  constructor(reason: string, options?: { cause?: unknown }) {
    super(`DMP unavailable: ${reason}`, options);
  }
}

/**
 * The DMP answered and refused: a submission it did not register (XDS `Failure`), a search or a
 * retrieval it would not serve. `code` is the DMP's own (`XDSUnknownPatientId`…), kept as it came;
 * `label` says it in French, for staff.
 */
export class DmpRefused extends Error {
  override readonly name = 'DmpRefused';
  constructor(
    readonly code: string,
    readonly label: string,
  ) {
    super(`DMP refused: ${code}`);
  }
}

/** What staff read of the XDS error codes (ITI TF-3 4.2.4) the DMP answers with. */
const XDS_ERROR_LABELS: Readonly<Record<string, string>> = {
  XDSUnknownPatientId: 'Le DMP ne connaît pas ce patient : son INS est inconnu ou il n’a pas de DMP.',
  XDSPatientIdDoesNotMatch: 'L’identifiant du patient diffère entre le lot de soumission et ses documents.',
  XDSDuplicateUniqueIdInRegistry: 'Ce document est déjà enregistré dans le DMP.',
  XDSRegistryMetadataError: 'Le DMP a refusé les métadonnées du document.',
  XDSRepositoryMetadataError: 'Le DMP a refusé les métadonnées du document.',
  XDSRegistryError: 'Le registre du DMP a rencontré une erreur.',
  XDSRepositoryError: 'L’entrepôt du DMP a rencontré une erreur.',
  XDSMissingDocument: 'Le contenu d’un document annoncé dans l’envoi manque.',
  XDSMissingDocumentMetadata: 'Un document de l’envoi n’a pas de métadonnées.',
  XDSNonIdenticalHash: 'L’empreinte annoncée ne correspond pas au contenu du document.',
  XDSNonIdenticalSize: 'La taille annoncée ne correspond pas au contenu du document.',
  XDSDocumentUniqueIdError: 'Ce document est inconnu du DMP.',
  XDSUnknownRepositoryId: 'Cet entrepôt de documents est inconnu du DMP.',
  XDSUnknownStoredQuery: 'Le DMP ne connaît pas cette recherche.',
  XDSStoredQueryParamNumber: 'La recherche n’a pas les paramètres attendus par le DMP.',
  XDSRegistryDeprecatedDocumentError: 'Le document à remplacer n’est plus en vigueur dans le DMP.',
};

/** The French label of a DMP error code, or a general one naming the code. */
export function dmpErrorLabel(code: string): string {
  return XDS_ERROR_LABELS[code] ?? `Le DMP a refusé la demande (code ${code}).`;
}
