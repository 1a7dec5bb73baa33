import type { IdentityStatus } from '../service-users/service-user-identity.js';
import type { Sex } from '../service-users/strict-traits.js';
import { INTEGRATION_ERROR_LABELS, type IntegrationErrorCode } from './integration-errors.js';

/** The patient as a received document names them (the CDA header): the INS when there is one, and the traits. */
export interface ReceivedIdentity {
  ins?: { value: string; oid: string };
  birthName?: string;
  birthFirstNames: readonly string[];
  birthDate?: string;
  sex?: Sex;
  birthplaceCode?: string;
}

/** A record of the organisation, as the service users' read model holds it. */
export interface MatchCandidate {
  serviceUserId: string;
  facilityId: string;
  anonymous: boolean;
  identityStatus: IdentityStatus | null;
  /** The INS the record holds, whatever its status; null when it holds none. */
  ins: { value: string; oid: string } | null;
  /** Null for an anonymous or forgotten usager. */
  traits: {
    birthName: string;
    birthFirstNames: readonly string[];
    birthDate: string;
    sex: Sex;
    birthplaceCode: string;
  } | null;
}

export type PatientMatch =
  | { outcome: 'matched'; serviceUserId: string; facilityId: string; by: 'ins' | 'traits' }
  | { outcome: 'rejected'; code: IntegrationErrorCode; reason: string };

/**
 * Which record a received document belongs to, or why it cannot be filed without a person
 * looking at it (the codes of the CI-SIS volet, sent back in the error MDN):
 * - no INS in the document: 903, automatic filing needs it;
 * - an INS without the traits it rests on (birth name, first name, birth date, sex): 905;
 * - the INS first: the one record holding it is the usager's when the document's traits are
 *   theirs, and a mismatch otherwise (904);
 * - then the strict traits, for a usager whose record holds no INS yet: a record with the same
 *   traits but another INS is a mismatch (904), none is an unknown patient (902);
 * - two records that fit (a duplicate the identity-vigilance unit must merge) are refused (906),
 *   as an anonymous record never is a candidate.
 * Traits compare without case, accents or extra spaces; a document's birthplace and further first
 * names compare when it gives them.
 */
export function matchReceivedPatient(received: ReceivedIdentity, candidates: readonly MatchCandidate[]): PatientMatch {
  if (received.ins === undefined) return rejected('903');
  if (
    received.birthName === undefined ||
    received.birthFirstNames.length === 0 ||
    received.birthDate === undefined ||
    received.sex === undefined
  ) {
    return rejected('905');
  }
  const ins = received.ins;
  const identified = candidates.filter(
    (candidate): candidate is MatchCandidate & { traits: NonNullable<MatchCandidate['traits']> } =>
      !candidate.anonymous && candidate.traits !== null,
  );
  const holdingIns = identified.filter((candidate) => candidate.ins !== null && sameIns(candidate.ins, ins));
  if (holdingIns.length > 1) return rejected('906', 'Plusieurs dossiers portent cet INS : un doublon est à fusionner.');
  const [holder] = holdingIns;
  if (holder !== undefined) {
    return traitsAgree(received, holder.traits) ? matched(holder, 'ins') : rejected('904');
  }
  const sameTraits = identified.filter((candidate) => traitsAgree(received, candidate.traits));
  if (sameTraits.length === 0) return rejected('902');
  if (sameTraits.some((candidate) => candidate.ins !== null)) return rejected('904');
  if (sameTraits.length > 1) {
    return rejected('906', 'Plusieurs dossiers portent ces traits d’identité : un doublon est à fusionner.');
  }
  return matched(sameTraits[0] as MatchCandidate, 'traits');
}

function matched(candidate: MatchCandidate, by: 'ins' | 'traits'): PatientMatch {
  return { outcome: 'matched', serviceUserId: candidate.serviceUserId, facilityId: candidate.facilityId, by };
}

function rejected(code: IntegrationErrorCode, reason: string = INTEGRATION_ERROR_LABELS[code]): PatientMatch {
  return { outcome: 'rejected', code, reason };
}

function sameIns(one: { value: string; oid: string }, other: { value: string; oid: string }): boolean {
  return one.value.toUpperCase() === other.value.toUpperCase() && one.oid === other.oid;
}

/** The document's traits are the record's: every one it gives, the birthplace and first names included. */
export function traitsAgree(received: ReceivedIdentity, traits: NonNullable<MatchCandidate['traits']>): boolean {
  const same = (one: string | undefined, other: string) => one !== undefined && comparable(one) === comparable(other);
  if (!same(received.birthName, traits.birthName)) return false;
  if (!same(received.birthDate, traits.birthDate) || received.sex !== traits.sex) return false;
  if (received.birthplaceCode !== undefined && !same(received.birthplaceCode, traits.birthplaceCode)) return false;
  const given = received.birthFirstNames.map(comparable);
  const recorded = traits.birthFirstNames.map(comparable);
  if (given[0] !== recorded[0]) return false;
  return given.length === 1 || given.join(' ') === recorded.join(' ');
}

function comparable(text: string): string {
  return text.normalize('NFD').replace(/\p{M}/gu, '').toLocaleUpperCase('fr-FR').replace(/\s+/g, ' ').trim();
}
