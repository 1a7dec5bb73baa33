import { HttpProblem } from '../server/index.js';

/**
 * Closed records (docs/retention.md): an archived record is read-only and open only to the
 * archivist, through the archive's own routes; a destroyed one has nothing left to read. The
 * refusals are the same wherever a request meets one, whether it names the usager
 * (`ProfessionalAccess.principal`) or reaches the record through another id (`AccessLog.recordRead`).
 */

/** Which of these usagers' records are archived or destroyed; records still open are absent. */
export type ClosedRecordsLookup = (
  organisationId: string,
  serviceUserIds: readonly string[],
) => Promise<ReadonlyMap<string, 'archived' | 'destroyed'>>;

/** For a deployment that does not archive: every record is open. */
export const noClosedRecords: ClosedRecordsLookup = async () => new Map();

export const DESTROYED_RECORD_REFUSAL =
  'Le dossier de cet usager a été détruit au terme de sa durée de conservation : il n’en reste que des statistiques anonymes.';
export const ARCHIVED_RECORD_READ_REFUSAL =
  'Ce dossier est archivé : seul l’archiviste de l’établissement peut le consulter, depuis les archives.';
export const ARCHIVED_RECORD_WRITE_REFUSAL =
  'Ce dossier est archivé : il est en lecture seule. La direction peut le rouvrir si l’usager revient.';

/** 410: the record was destroyed at the end of its retention. */
export function destroyedRecordProblem(): HttpProblem {
  return new HttpProblem('record-destroyed', DESTROYED_RECORD_REFUSAL);
}

/** 403: a read of an archived record outside the archive's routes. */
export function archivedRecordReadProblem(): HttpProblem {
  return new HttpProblem('forbidden', ARCHIVED_RECORD_READ_REFUSAL, { extensions: { reason: 'recordArchived' } });
}

/** 409: a command on an archived record. */
export function archivedRecordWriteProblem(): HttpProblem {
  return new HttpProblem('record-archived', ARCHIVED_RECORD_WRITE_REFUSAL, {
    extensions: { code: 'RECORD_ARCHIVED' },
  });
}
