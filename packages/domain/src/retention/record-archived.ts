/**
 * What staff are told when they would change, or read, an archived record. Kept apart, without
 * imports, so that the access policy and the archive guard say the same words.
 */
export const RECORD_ARCHIVED = 'RECORD_ARCHIVED';

export const RECORD_ARCHIVED_MESSAGE =
  'Le dossier de cet usager est archivé : il est en lecture seule. Seul l’archiviste peut le consulter ; la direction peut le rouvrir si l’usager revient.';
