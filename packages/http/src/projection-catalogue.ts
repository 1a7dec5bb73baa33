import {
  accessRequestsProjection,
  accompanimentExitsProjection,
  activityJournal,
  actsProjection,
  agendasProjection,
  attendanceProjection,
  careTeamsProjection,
  clinicalObservationsProjection,
  directoryProjection,
  documentsProjection,
  exchangesProjection,
  freedomOfMovementProjection,
  habilitationsProjection,
  handoversProjection,
  infectiousWasteProjection,
  type Projection,
  personalisedProjectsProjection,
  pharmacyProjection,
  portalAccountsProjection,
  prescriptionsProjection,
  psychologyProjection,
  recordNotesProjection,
  recordRetentionProjection,
  reportingOutboxProjection,
  secureMessagingProjection,
  serviceUsersProjection,
  socialBenefitsProjection,
  stayContractsProjection,
  summarySheetsProjection,
  trustedPersonsProjection,
  usageProfilesProjection,
  visitsProjection,
  waitingListProjection,
} from '@dui-pds/projections';

/** Followed by workers: the server's own, and `dui projections run`. */
export const asyncProjections: readonly Projection[] = [activityJournal];

/**
 * Applied in the transaction of each append the server makes (read-your-writes: habilitations
 * apply from the next request, a written note is listed at once). Never followed by a worker.
 */
export const inlineProjections: readonly Projection[] = [
  accessRequestsProjection,
  accompanimentExitsProjection,
  actsProjection,
  agendasProjection,
  attendanceProjection,
  careTeamsProjection,
  clinicalObservationsProjection,
  directoryProjection,
  documentsProjection,
  exchangesProjection,
  freedomOfMovementProjection,
  habilitationsProjection,
  handoversProjection,
  infectiousWasteProjection,
  personalisedProjectsProjection,
  pharmacyProjection,
  portalAccountsProjection,
  prescriptionsProjection,
  psychologyProjection,
  recordNotesProjection,
  recordRetentionProjection,
  // without its key here: `withPseudonymKey` gives it the key of the deployment
  reportingOutboxProjection(),
  secureMessagingProjection,
  serviceUsersProjection,
  socialBenefitsProjection,
  stayContractsProjection,
  summarySheetsProjection,
  trustedPersonsProjection,
  usageProfilesProjection,
  visitsProjection,
  waitingListProjection,
];

/** The projections this deployment runs: what `dui migrate` creates and `dui projections` knows. */
export const projectionCatalogue: readonly Projection[] = [...asyncProjections, ...inlineProjections];

export function runsInline(projection: Projection): boolean {
  return inlineProjections.some((inline) => inline.name === projection.name);
}

/**
 * The projections as a deployment runs them: the reporting outbox gets the deployment's pseudonym
 * key (without a master key there is none: events are ciphertext and it refuses to map them).
 */
export function withPseudonymKey(projections: readonly Projection[], pseudonymKey: Buffer | undefined): Projection[] {
  if (!pseudonymKey) return [...projections];
  const outbox = reportingOutboxProjection({ pseudonymKey });
  return projections.map((projection) => (projection.name === outbox.name ? outbox : projection));
}
