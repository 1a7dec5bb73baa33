import { z } from 'zod';
import type { Decider } from '../decider.js';
import { DomainRuleViolation } from '../errors.js';
import { type Ins, insSchema } from './ins.js';
import { type Sex, type StrictTraits, sameTraits, sexSchema, strictTraitsSchema } from './strict-traits.js';

/**
 * The identity of a usager's record: strict traits and INS status (RNIV), or anonymity
 * (L.3414-1 CSP). One stream per usager, `serviceUserStreamId`.
 *
 * The INS status is not chosen by anyone: it follows from two facts the record holds,
 *
 *   from the INSi (an INS and the traits it returned)   checked on a high-trust identity document
 *   PROV   no                                           no
 *   RECUP  yes                                          no
 *   VALI   no                                           yes
 *   QUAL   yes                                          yes
 *
 * where "checked" means that the current traits are those a consistent check of a high-trust
 * document found. So the four statuses are exclusive by construction, and every transition (a
 * document check, an INSi answer, a correction of the traits) is the recomputation of
 * `identityStatusOf`. Each identity event also carries the status it leads to, so that an auditor
 * reading the log sees each transition without replaying the rule.
 *
 * Decisions taken here:
 * - Traits that came from the INSi are not corrected by hand (RECUP, QUAL): they are the national
 *   reference; the remedy is a new INSi call. Correcting traits checked on a document (VALI) drops
 *   back to PROV, since the check was of other traits.
 * - An INSi answer whose traits differ from those checked on a document (VALI) is refused: the
 *   RNIV asks to investigate such a discrepancy, not to pick one side.
 * - A document check found inconsistent withdraws the validation it may have given (VALI → PROV,
 *   QUAL → RECUP): the identity is in doubt until a new check.
 * - Only the kind of document, its expiry day and the outcome are kept, never its number: the
 *   check is what the RNIV asks to trace (data minimisation).
 * - Anonymity is chosen at registration (the law grants it at admission). An anonymous record has
 *   a pseudonym and no traits, so it can hold no INS; every identity command is refused for it,
 *   which is what keeps INSi calls away from it (the shell asks the decider first). Lifting it
 *   needs a reason and the traits; the pseudonym stays, so that registers and reports already
 *   written under it still point to the same person.
 * - A named certificate of care records its period and purpose, never the name written on it: an
 *   anonymous usager gives it for the certificate only.
 */
const id = z.string().min(1).max(200);
const instant = z.iso.datetime({ offset: true });
const day = z.iso.date();
const MAX_TEXT_LENGTH = 1_000;
const text = z.string().min(1).max(MAX_TEXT_LENGTH);
const usedName = z.string().trim().min(1).max(100);

export const identityStatusSchema = z.enum(['PROV', 'RECUP', 'VALI', 'QUAL']);
export type IdentityStatus = z.infer<typeof identityStatusSchema>;

export const IDENTITY_STATUS_LABELS: Readonly<Record<IdentityStatus, string>> = {
  PROV: 'identité provisoire',
  RECUP: 'identité récupérée',
  VALI: 'identité validée',
  QUAL: 'identité qualifiée',
};

/** A stable pseudonymous number: `ANO-` and 8 to 16 capital letters or digits. */
export const pseudonymSchema = z.string().regex(/^ANO-[0-9A-Z]{8,16}$/, 'pseudonyme ANO-XXXXXXXX');

export const identityDocumentKindSchema = z.enum([
  'national-id-card',
  'passport',
  'residence-permit',
  'family-record-book',
  'birth-certificate',
  'other',
]);
export type IdentityDocumentKind = z.infer<typeof identityDocumentKindSchema>;

export const IDENTITY_DOCUMENT_LABELS: Readonly<Record<IdentityDocumentKind, string>> = {
  'national-id-card': 'carte nationale d’identité',
  passport: 'passeport',
  'residence-permit': 'titre de séjour',
  'family-record-book': 'livret de famille',
  'birth-certificate': 'extrait d’acte de naissance',
  other: 'autre document',
};

export const documentCheckOutcomeSchema = z.enum(['consistent', 'inconsistent']);
export type DocumentCheckOutcome = z.infer<typeof documentCheckOutcomeSchema>;

export const insiOperationSchema = z.enum(['search', 'verification']);

export const serviceUserRegisteredSchema = z.object({
  serviceUserId: id,
  facilityId: id,
  traits: strictTraitsSchema,
  usedName: usedName.optional(),
  usedFirstName: usedName.optional(),
  registeredAt: instant,
  status: identityStatusSchema,
});
export const anonymousServiceUserRegisteredSchema = z.object({
  serviceUserId: id,
  facilityId: id,
  pseudonym: pseudonymSchema,
  /** What the person chose to say, for the reports' age bands and sex ratios; both optional. */
  sex: sexSchema.optional(),
  birthYear: z.int().min(1900).max(2100).optional(),
  registeredAt: instant,
});
export const identityTraitsCorrectedSchema = z.object({
  traits: strictTraitsSchema,
  reason: text,
  at: instant,
  status: identityStatusSchema,
});
/**
 * Where the usager can be written to: a home, or the address of their domiciliation (CCAS or
 * approved body) for a person without one. The ordonnancier prints it (R.5132-10 CSP).
 */
export const postalAddressSchema = z.string().trim().min(1).max(300);
export const postalAddressChangedSchema = z.object({ postalAddress: postalAddressSchema, at: instant });
export const usedNamesChangedSchema = z.object({
  usedName: usedName.optional(),
  usedFirstName: usedName.optional(),
  at: instant,
});
export const insRetrievedSchema = z.object({
  ins: insSchema,
  /** The traits as the INSi returned them: they become the record's traits. */
  traits: strictTraitsSchema,
  operation: insiOperationSchema,
  at: instant,
  status: identityStatusSchema,
});
export const identityDocumentCheckedSchema = z.object({
  checkId: z.uuid(),
  kind: identityDocumentKindSchema,
  expiresOn: day.optional(),
  checkedOn: day,
  checkedBy: id,
  outcome: documentCheckOutcomeSchema,
  /** Whether this check validates the traits (a high-trust document, valid that day, consistent). */
  validates: z.boolean(),
  comment: text.optional(),
  status: identityStatusSchema,
});
export const anonymityLiftedSchema = z.object({
  reason: text,
  traits: strictTraitsSchema,
  usedName: usedName.optional(),
  usedFirstName: usedName.optional(),
  liftedBy: id,
  at: instant,
  status: identityStatusSchema,
});
export const careCertificateIssuedSchema = z.object({
  certificateId: z.uuid(),
  issuedOn: day,
  periodFrom: day,
  periodTo: day,
  purpose: text,
  issuedBy: id,
});

export type ServiceUserRegistered = z.infer<typeof serviceUserRegisteredSchema>;
export type AnonymousServiceUserRegistered = z.infer<typeof anonymousServiceUserRegisteredSchema>;
export type IdentityTraitsCorrected = z.infer<typeof identityTraitsCorrectedSchema>;
export type UsedNamesChanged = z.infer<typeof usedNamesChangedSchema>;
export type PostalAddressChanged = z.infer<typeof postalAddressChangedSchema>;
export type InsRetrieved = z.infer<typeof insRetrievedSchema>;
export type IdentityDocumentChecked = z.infer<typeof identityDocumentCheckedSchema>;
export type AnonymityLifted = z.infer<typeof anonymityLiftedSchema>;
export type CareCertificateIssued = z.infer<typeof careCertificateIssuedSchema>;

/** The data of a forgotten usager's events, as the store hands them back. */
export interface ErasedIdentityData {
  $erased: true;
}

export type ServiceUserIdentityEvent =
  | { type: 'ServiceUserRegistered'; data: ServiceUserRegistered | ErasedIdentityData }
  | { type: 'AnonymousServiceUserRegistered'; data: AnonymousServiceUserRegistered | ErasedIdentityData }
  | { type: 'IdentityTraitsCorrected'; data: IdentityTraitsCorrected | ErasedIdentityData }
  | { type: 'UsedNamesChanged'; data: UsedNamesChanged | ErasedIdentityData }
  | { type: 'PostalAddressChanged'; data: PostalAddressChanged | ErasedIdentityData }
  | { type: 'InsRetrieved'; data: InsRetrieved | ErasedIdentityData }
  | { type: 'IdentityDocumentChecked'; data: IdentityDocumentChecked | ErasedIdentityData }
  | { type: 'AnonymityLifted'; data: AnonymityLifted | ErasedIdentityData }
  | { type: 'CareCertificateIssued'; data: CareCertificateIssued | ErasedIdentityData };

export type ServiceUserIdentityEventType = ServiceUserIdentityEvent['type'];

export const serviceUserIdentityEventSchemas = {
  ServiceUserRegistered: serviceUserRegisteredSchema,
  AnonymousServiceUserRegistered: anonymousServiceUserRegisteredSchema,
  IdentityTraitsCorrected: identityTraitsCorrectedSchema,
  UsedNamesChanged: usedNamesChangedSchema,
  PostalAddressChanged: postalAddressChangedSchema,
  InsRetrieved: insRetrievedSchema,
  IdentityDocumentChecked: identityDocumentCheckedSchema,
  AnonymityLifted: anonymityLiftedSchema,
  CareCertificateIssued: careCertificateIssuedSchema,
} as const;

export type ServiceUserIdentityCommand =
  | {
      type: 'RegisterServiceUser';
      serviceUserId: string;
      facilityId: string;
      traits: StrictTraits;
      usedName?: string;
      usedFirstName?: string;
      registeredAt: string;
    }
  | {
      type: 'RegisterAnonymousServiceUser';
      serviceUserId: string;
      facilityId: string;
      pseudonym: string;
      sex?: Sex;
      birthYear?: number;
      registeredAt: string;
    }
  | { type: 'CorrectIdentityTraits'; traits: StrictTraits; reason: string; at: string }
  | { type: 'ChangeUsedNames'; usedName?: string; usedFirstName?: string; at: string }
  | { type: 'ChangePostalAddress'; postalAddress: string; at: string }
  | { type: 'RecordInsRetrieved'; ins: Ins; traits: StrictTraits; operation: 'search' | 'verification'; at: string }
  | {
      type: 'RecordIdentityDocumentCheck';
      checkId: string;
      kind: IdentityDocumentKind;
      expiresOn?: string;
      checkedOn: string;
      checkedBy: string;
      outcome: DocumentCheckOutcome;
      comment?: string;
    }
  | {
      type: 'LiftAnonymity';
      reason: string;
      traits: StrictTraits;
      usedName?: string;
      usedFirstName?: string;
      liftedBy: string;
      at: string;
    }
  | {
      type: 'IssueCareCertificate';
      certificateId: string;
      issuedOn: string;
      periodFrom: string;
      periodTo: string;
      purpose: string;
      issuedBy: string;
    };

export interface IdentifiedRecord {
  kind: 'identified';
  serviceUserId: string;
  facilityId: string;
  /** Undefined once the usager was forgotten (crypto-shredding). */
  traits: StrictTraits | undefined;
  usedName: string | undefined;
  usedFirstName: string | undefined;
  /** The INS from the INSi, with the traits it came with. */
  ins: Ins | undefined;
  /** The traits a consistent check of a high-trust document found. */
  checkedTraits: StrictTraits | undefined;
  status: IdentityStatus;
  /** Kept after anonymity was lifted: what registers wrote before. */
  pseudonym: string | undefined;
}

export interface AnonymousRecord {
  kind: 'anonymous';
  serviceUserId: string;
  facilityId: string;
  pseudonym: string;
}

export type ServiceUserIdentity = { kind: 'none' } | IdentifiedRecord | AnonymousRecord;

/** One stream per usager; the organisation escaped, so that no two tenants share one. */
export function serviceUserStreamId(organisationId: string, serviceUserId: string): string {
  return `service-user/${encodeURIComponent(organisationId)}/${encodeURIComponent(serviceUserId)}`;
}

/** The RNIV status that two facts make: an INS from the INSi, and the traits checked on a document. */
export function identityStatusOf(record: Pick<IdentifiedRecord, 'traits' | 'ins' | 'checkedTraits'>): IdentityStatus {
  const checked =
    record.traits !== undefined &&
    record.checkedTraits !== undefined &&
    sameTraits(record.traits, record.checkedTraits);
  if (record.ins !== undefined) return checked ? 'QUAL' : 'RECUP';
  return checked ? 'VALI' : 'PROV';
}

/** Documents of high trust for the RNIV; the family record book and birth certificate only for a minor. */
export function documentValidatesIdentity(
  document: { kind: IdentityDocumentKind; expiresOn?: string; checkedOn: string; outcome: DocumentCheckOutcome },
  birthDate: string,
): boolean {
  if (document.outcome !== 'consistent') return false;
  if (document.expiresOn !== undefined && document.expiresOn < document.checkedOn) return false;
  switch (document.kind) {
    case 'national-id-card':
    case 'passport':
    case 'residence-permit':
      return true;
    case 'family-record-book':
    case 'birth-certificate':
      return ageOn(birthDate, document.checkedOn) < 18;
    case 'other':
      return false;
  }
}

export const serviceUserIdentityDecider: Decider<
  ServiceUserIdentityCommand,
  ServiceUserIdentityEvent,
  ServiceUserIdentity
> = {
  initialState: () => ({ kind: 'none' }),

  decide(command, record) {
    switch (command.type) {
      case 'RegisterServiceUser': {
        requireNew(record);
        return {
          type: 'ServiceUserRegistered',
          data: {
            serviceUserId: command.serviceUserId,
            facilityId: command.facilityId,
            traits: command.traits,
            ...usedNames(command),
            registeredAt: command.registeredAt,
            status: 'PROV',
          },
        };
      }
      case 'RegisterAnonymousServiceUser': {
        requireNew(record);
        if (!pseudonymSchema.safeParse(command.pseudonym).success) {
          throw new DomainRuleViolation('INVALID_PSEUDONYM', 'Le numéro pseudonyme doit avoir la forme ANO-XXXXXXXX.');
        }
        return {
          type: 'AnonymousServiceUserRegistered',
          data: {
            serviceUserId: command.serviceUserId,
            facilityId: command.facilityId,
            pseudonym: command.pseudonym,
            ...(command.sex === undefined ? {} : { sex: command.sex }),
            ...(command.birthYear === undefined ? {} : { birthYear: command.birthYear }),
            registeredAt: command.registeredAt,
          },
        };
      }
      case 'CorrectIdentityTraits': {
        const current = identified(record, 'corriger les traits d’identité');
        if (current.ins !== undefined) {
          throw new DomainRuleViolation(
            'INSI_TRAITS_NOT_EDITABLE',
            'Les traits d’une identité récupérée de l’INSi ne se corrigent pas à la main : relancez l’appel à l’INSi.',
          );
        }
        const reason = requireText(command.reason, 'CORRECTION_REASON_REQUIRED', 'Indiquez le motif de la correction.');
        const status = identityStatusOf({ ...current, traits: command.traits });
        return { type: 'IdentityTraitsCorrected', data: { traits: command.traits, reason, at: command.at, status } };
      }
      case 'ChangeUsedNames': {
        identified(record, 'changer le nom ou le prénom utilisé');
        return { type: 'UsedNamesChanged', data: { ...usedNames(command), at: command.at } };
      }
      case 'ChangePostalAddress': {
        // an anonymous usager gives no address: it would identify them
        identified(record, 'enregistrer une adresse');
        const postalAddress = requireText(command.postalAddress, 'POSTAL_ADDRESS_REQUIRED', 'Indiquez l’adresse.');
        return { type: 'PostalAddressChanged', data: { postalAddress, at: command.at } };
      }
      case 'RecordInsRetrieved': {
        const current = identified(record, 'enregistrer un INS');
        if (
          current.ins === undefined &&
          current.status === 'VALI' &&
          current.traits !== undefined &&
          !sameTraits(current.traits, command.traits)
        ) {
          throw new DomainRuleViolation(
            'INSI_TRAITS_DIFFER_FROM_DOCUMENT',
            'Les traits renvoyés par l’INSi diffèrent de ceux vérifiés sur la pièce d’identité : l’identité est à vérifier avant d’enregistrer l’INS.',
          );
        }
        const status = identityStatusOf({ ...current, traits: command.traits, ins: command.ins });
        return {
          type: 'InsRetrieved',
          data: { ins: command.ins, traits: command.traits, operation: command.operation, at: command.at, status },
        };
      }
      case 'RecordIdentityDocumentCheck': {
        const current = identified(record, 'vérifier une pièce d’identité');
        const traits = traitsOf(current);
        if (command.expiresOn !== undefined) requireDay(command.expiresOn, 'expiresOn');
        requireDay(command.checkedOn, 'checkedOn');
        const validates = documentValidatesIdentity(command, traits.birthDate);
        const checkedTraits =
          command.outcome === 'inconsistent' ? undefined : validates ? traits : current.checkedTraits;
        const status = identityStatusOf({ ...current, checkedTraits });
        return {
          type: 'IdentityDocumentChecked',
          data: {
            checkId: command.checkId,
            kind: command.kind,
            ...(command.expiresOn === undefined ? {} : { expiresOn: command.expiresOn }),
            checkedOn: command.checkedOn,
            checkedBy: command.checkedBy,
            outcome: command.outcome,
            validates,
            ...optionalText(command.comment, 'comment'),
            status,
          },
        };
      }
      case 'LiftAnonymity': {
        if (record.kind !== 'anonymous') {
          throw new DomainRuleViolation(
            record.kind === 'none' ? 'SERVICE_USER_NOT_REGISTERED' : 'NOT_ANONYMOUS',
            record.kind === 'none' ? 'Cet usager n’est pas enregistré.' : 'Ce dossier n’est pas anonyme.',
          );
        }
        const reason = requireText(
          command.reason,
          'ANONYMITY_LIFT_REASON_REQUIRED',
          'La levée de l’anonymat doit être motivée.',
        );
        return {
          type: 'AnonymityLifted',
          data: {
            reason,
            traits: command.traits,
            ...usedNames(command),
            liftedBy: command.liftedBy,
            at: command.at,
            status: 'PROV',
          },
        };
      }
      case 'IssueCareCertificate': {
        if (record.kind === 'none') {
          throw new DomainRuleViolation('SERVICE_USER_NOT_REGISTERED', 'Cet usager n’est pas enregistré.');
        }
        requireDay(command.issuedOn, 'issuedOn');
        requireDay(command.periodFrom, 'periodFrom');
        requireDay(command.periodTo, 'periodTo');
        if (command.periodTo < command.periodFrom || command.issuedOn < command.periodFrom) {
          throw new DomainRuleViolation(
            'CERTIFICATE_PERIOD_INVALID',
            'La période de prise en charge doit commencer avant sa fin et avant la date du certificat.',
            { periodFrom: command.periodFrom, periodTo: command.periodTo, issuedOn: command.issuedOn },
          );
        }
        const purpose = requireText(command.purpose, 'CERTIFICATE_PURPOSE_REQUIRED', 'Indiquez l’objet du certificat.');
        return {
          type: 'CareCertificateIssued',
          data: {
            certificateId: command.certificateId,
            issuedOn: command.issuedOn,
            periodFrom: command.periodFrom,
            periodTo: command.periodTo,
            purpose,
            issuedBy: command.issuedBy,
          },
        };
      }
    }
  },

  evolve(record, event) {
    const data = event.data;
    switch (event.type) {
      case 'ServiceUserRegistered': {
        if ('$erased' in data) return erasedIdentified(record);
        const registered = data as ServiceUserRegistered;
        return {
          kind: 'identified',
          serviceUserId: registered.serviceUserId,
          facilityId: registered.facilityId,
          traits: registered.traits,
          usedName: registered.usedName,
          usedFirstName: registered.usedFirstName,
          ins: undefined,
          checkedTraits: undefined,
          status: 'PROV',
          pseudonym: undefined,
        };
      }
      case 'AnonymousServiceUserRegistered': {
        // a pseudonym is no personal data the shredding removes: keep the record anonymous
        if ('$erased' in data) return { kind: 'anonymous', serviceUserId: '', facilityId: '', pseudonym: '' };
        const registered = data as AnonymousServiceUserRegistered;
        return {
          kind: 'anonymous',
          serviceUserId: registered.serviceUserId,
          facilityId: registered.facilityId,
          pseudonym: registered.pseudonym,
        };
      }
      case 'AnonymityLifted': {
        if (record.kind !== 'anonymous') return record;
        const lifted = '$erased' in data ? undefined : (data as AnonymityLifted);
        return {
          kind: 'identified',
          serviceUserId: record.serviceUserId,
          facilityId: record.facilityId,
          traits: lifted?.traits,
          usedName: lifted?.usedName,
          usedFirstName: lifted?.usedFirstName,
          ins: undefined,
          checkedTraits: undefined,
          status: 'PROV',
          pseudonym: record.pseudonym,
        };
      }
      case 'CareCertificateIssued':
        return record;
    }
    if (record.kind !== 'identified') return record;
    if ('$erased' in data) return { ...record, traits: undefined, checkedTraits: undefined, ins: undefined };
    switch (event.type) {
      case 'IdentityTraitsCorrected': {
        const corrected = data as IdentityTraitsCorrected;
        return { ...record, traits: corrected.traits, status: corrected.status };
      }
      case 'UsedNamesChanged': {
        const changed = data as UsedNamesChanged;
        return { ...record, usedName: changed.usedName, usedFirstName: changed.usedFirstName };
      }
      case 'PostalAddressChanged':
        return record;
      case 'InsRetrieved': {
        const retrieved = data as InsRetrieved;
        return { ...record, ins: retrieved.ins, traits: retrieved.traits, status: retrieved.status };
      }
      case 'IdentityDocumentChecked': {
        const checked = data as IdentityDocumentChecked;
        const checkedTraits =
          checked.outcome === 'inconsistent' ? undefined : checked.validates ? record.traits : record.checkedTraits;
        return { ...record, checkedTraits, status: checked.status };
      }
    }
    return record;
  },
};

function requireNew(record: ServiceUserIdentity): void {
  if (record.kind !== 'none') {
    throw new DomainRuleViolation('SERVICE_USER_ALREADY_REGISTERED', 'Cet usager est déjà enregistré.');
  }
}

function identified(record: ServiceUserIdentity, what: string): IdentifiedRecord {
  if (record.kind === 'none') {
    throw new DomainRuleViolation('SERVICE_USER_NOT_REGISTERED', 'Cet usager n’est pas enregistré.');
  }
  if (record.kind === 'anonymous') {
    throw new DomainRuleViolation(
      'ANONYMOUS_RECORD',
      `Le dossier est anonyme : impossible de ${what}. Levez d’abord l’anonymat, à la demande de la personne.`,
    );
  }
  return record;
}

function traitsOf(record: IdentifiedRecord): StrictTraits {
  if (record.traits === undefined) {
    throw new DomainRuleViolation('SERVICE_USER_ERASED', 'Ce dossier concerne une personne oubliée.');
  }
  return record.traits;
}

function erasedIdentified(record: ServiceUserIdentity): ServiceUserIdentity {
  return {
    kind: 'identified',
    serviceUserId: record.kind === 'none' ? '' : record.serviceUserId,
    facilityId: record.kind === 'none' ? '' : record.facilityId,
    traits: undefined,
    usedName: undefined,
    usedFirstName: undefined,
    ins: undefined,
    checkedTraits: undefined,
    status: 'PROV',
    pseudonym: undefined,
  };
}

function usedNames(command: { usedName?: string; usedFirstName?: string }) {
  return {
    ...(command.usedName?.trim() ? { usedName: command.usedName.trim() } : {}),
    ...(command.usedFirstName?.trim() ? { usedFirstName: command.usedFirstName.trim() } : {}),
  };
}

/** Whole years from `birthDate` to `on` (both `YYYY-MM-DD`). */
function ageOn(birthDate: string, on: string): number {
  const years = Number(on.slice(0, 4)) - Number(birthDate.slice(0, 4));
  return on.slice(5) < birthDate.slice(5) ? years - 1 : years;
}

function requireDay(value: string, field: string): void {
  if (!day.safeParse(value).success) {
    throw new DomainRuleViolation('INVALID_DATE', `Date invalide (AAAA-MM-JJ) : ${field}.`, { field, value });
  }
}

function requireText(value: string, code: string, message: string): string {
  const trimmed = value.trim();
  if (trimmed.length === 0) throw new DomainRuleViolation(code, message);
  if (trimmed.length > MAX_TEXT_LENGTH) {
    throw new DomainRuleViolation('TEXT_TOO_LONG', `Le texte dépasse ${MAX_TEXT_LENGTH} caractères.`, {
      maxLength: MAX_TEXT_LENGTH,
    });
  }
  return trimmed;
}

function optionalText(value: string | undefined, field: string): Record<string, string> {
  const trimmed = value?.trim();
  if (!trimmed) return {};
  if (trimmed.length > MAX_TEXT_LENGTH) {
    throw new DomainRuleViolation('TEXT_TOO_LONG', `Le texte dépasse ${MAX_TEXT_LENGTH} caractères.`, {
      maxLength: MAX_TEXT_LENGTH,
    });
  }
  return { [field]: trimmed };
}
