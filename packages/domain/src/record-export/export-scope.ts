import { z } from 'zod';

/**
 * Who a record export is for (right of access, L.1111-7 CSP and L.311-3 CASF; portability):
 * - the usager: every fact of their record, save the secrets of their portal account;
 * - their personne de confiance, when the designation allows consulting: what the portal shows
 *   them (identity, agenda, personalised project, who read the record, their own designation) and
 *   the documents shared with the usager;
 * - the archivist of an archived record: the whole record, to answer a request for access made
 *   after archiving.
 */
export const exportRequesterSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('serviceUser') }),
  z.object({ kind: z.literal('trustedPerson'), trustedPersonId: z.string().min(1) }),
  z.object({ kind: z.literal('archivist'), professionalId: z.string().min(1) }),
]);
export type ExportRequester = z.infer<typeof exportRequesterSchema>;

/**
 * Facts no export carries: they hold credentials (a password hash, a sealed one-time-code secret,
 * a calendar feed's token), which are the holder's means of proof, not information about them.
 */
export const FACTS_NEVER_EXPORTED: ReadonlySet<string> = new Set([
  'PortalPasswordSet',
  'PortalSecondFactorEnrolled',
  'AgendaFeedIssued',
]);

/**
 * The facts of a designation: a personne de confiance is given those of their own designation
 * only. The others name earlier (or other) trusted persons, their contact details and why the
 * usager revoked them: third parties' data, and the usager's confidences about them.
 */
const DESIGNATION_FACTS: ReadonlySet<string> = new Set([
  'TrustedPersonDesignated',
  'TrustedPersonCosigned',
  'TrustedPersonAttestationSigned',
  'TrustedPersonRecordConsultationAllowed',
  'TrustedPersonRecordConsultationWithdrawn',
  'TrustedPersonRevoked',
]);

/** What the portal opens to a personne de confiance allowed to consult, as facts. */
export const FACTS_OPEN_TO_TRUSTED_PERSON: ReadonlySet<string> = new Set([
  // identity
  'ServiceUserRegistered',
  'AnonymousServiceUserRegistered',
  'IdentityTraitsCorrected',
  'UsedNamesChanged',
  'PostalAddressChanged',
  // agenda
  'AgendaItemAdded',
  'AgendaItemCancelled',
  // personalised project
  'PersonalisedProjectStarted',
  'ProjectVersionOpened',
  'ProjectVersionValidated',
  'ProjectObjectiveAdded',
  'ProjectObjectiveRevised',
  'ProjectObjectiveEvaluated',
  'ProjectObjectiveRemoved',
  'ProjectActionAdded',
  'ProjectActionRevised',
  'ProjectActionCompleted',
  // their own designation, and who read the record
  ...DESIGNATION_FACTS,
  'RecordRead',
]);

/** Whether a fact of the record goes into the export made for this requester. */
export function factIsExported(requester: ExportRequester, fact: { type: string; data: unknown }): boolean {
  if (FACTS_NEVER_EXPORTED.has(fact.type)) return false;
  if (requester.kind !== 'trustedPerson') return true;
  if (!FACTS_OPEN_TO_TRUSTED_PERSON.has(fact.type)) return false;
  return !DESIGNATION_FACTS.has(fact.type) || designationOf(fact.data) === requester.trustedPersonId;
}

function designationOf(data: unknown): unknown {
  return typeof data === 'object' && data !== null
    ? (data as { trustedPersonId?: unknown }).trustedPersonId
    : undefined;
}

/** Whether a stored document goes into the export: all of them but for a personne de confiance. */
export function documentIsExported(requester: ExportRequester, document: { sharedWithServiceUser: boolean }): boolean {
  return requester.kind !== 'trustedPerson' || document.sharedWithServiceUser;
}
