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

/** The facts that carry an observation's content: withheld once it is withdrawn as the wrong record's. */
const OBSERVATION_CONTENT_FACTS: ReadonlySet<string> = new Set([
  'ClinicalObservationRecorded',
  'ExternalObservationReceived',
  'ClinicalObservationAmended',
]);

/**
 * The facts of the record without another person's: an observation filed in this record by
 * mistake and withdrawn as such (`wrong-record`, or a withdrawal older than kinds, which may be
 * one) leaves only its withdrawal, reduced to the observation's id and kind, as the read models
 * show it (ADR 0009's addendum). The log keeps the rest; the export does not hand it to this usager.
 */
export function withoutMisfiledObservations<Fact extends { type: string; data: unknown }>(
  facts: readonly Fact[],
): Fact[] {
  const misfiled = new Set<unknown>();
  for (const fact of facts) {
    if (fact.type !== 'ClinicalObservationWithdrawn') continue;
    const { observationId, kind } = fact.data as { observationId?: unknown; kind?: unknown };
    const mayBeMisfiled = kind === undefined || kind === 'wrong-record';
    if (typeof observationId === 'string' && mayBeMisfiled) misfiled.add(observationId);
  }
  if (misfiled.size === 0) return [...facts];
  return facts.flatMap((fact): Fact[] => {
    const { observationId, kind } = (fact.data ?? {}) as { observationId?: unknown; kind?: unknown };
    if (!misfiled.has(observationId)) return [fact];
    if (OBSERVATION_CONTENT_FACTS.has(fact.type)) return [];
    if (fact.type !== 'ClinicalObservationWithdrawn') return [fact];
    return [{ ...fact, data: { observationId, kind: kind ?? null, contentWithheld: true } }];
  });
}
