import { z } from 'zod';
import type { Decider } from '../decider.js';
import {
  type ContactDetails,
  contactDetailsSchema,
  hasContactDetails,
  normaliseContactDetails,
} from '../directory/contact.js';
import { MAX_DIRECTORY_NAME_LENGTH } from '../directory/directory-entry.js';
import { DomainRuleViolation } from '../errors.js';

/**
 * The personne de confiance (L.311-5-1 CASF, L.1111-6 CSP): at every admission of an adult, the
 * ESSMS offers to designate one; the designation is written and co-signed by the person
 * designated, says whether it also acts under L.1111-6 CSP (health decisions), and is revocable at
 * any time. A dated attestation is signed by the director and the person.
 *
 * Decisions taken here:
 * - One stream per usager in the organisation (`trustedPersonsStreamId`): the personne de
 *   confiance is the person's, not one ESSMS', and at most one designation is active at a time,
 *   a rule across designations. Each designation and offer names the ESSMS where it was made.
 * - A new designation while one is active is refused: the usager revokes the first (day, how),
 *   then designates again, so that the record says when the former one ended and why.
 * - The co-signature, the attestation and the revocation are dated days, never before the
 *   designation nor after today (the shell brings today: the domain has no clock).
 * - Whether the personne de confiance may consult the record through the usager portal is an
 *   explicit allowance of the usager, off unless given, which the usager may withdraw. The
 *   portal opens it only to a designation co-signed and not revoked (`mayConsultRecordNow`).
 * - The designation is offered to adults: the shell says whether the usager is one
 *   (`usagerIsAdult`, unknown for an anonymous usager without birth date, and then not refused).
 */
const MAX_DETAILS_LENGTH = 500;
const MAX_RELATIONSHIP_LENGTH = 200;
const id = z.string().min(1).max(200);
const day = z.iso.date();

/** CASF: L.311-5-1 (accompaniment in the ESSMS); CSP: L.1111-6 (health decisions, hospital stays). */
export const trustedPersonScopes = ['casf', 'csp'] as const;
export const trustedPersonScopeSchema = z.enum(trustedPersonScopes);
export type TrustedPersonScope = z.infer<typeof trustedPersonScopeSchema>;
export const offerAnswerSchema = z.enum(['accepted', 'declined', 'deferred', 'alreadyDesignated']);
export type OfferAnswer = z.infer<typeof offerAnswerSchema>;
export const cosignatureMethodSchema = z.enum(['inPerson', 'byPost', 'electronic']);
export type CosignatureMethod = z.infer<typeof cosignatureMethodSchema>;
export const revocationMethodSchema = z.enum(['inWriting', 'orally']);
export type RevocationMethod = z.infer<typeof revocationMethodSchema>;

export const OFFER_ANSWER_LABELS: Readonly<Record<OfferAnswer, string>> = {
  accepted: 'accepte de désigner une personne de confiance',
  declined: 'ne souhaite pas en désigner',
  deferred: 'souhaite y réfléchir',
  alreadyDesignated: 'en a déjà désigné une',
};

/** Who is designated: a person, possibly an entry of the usager's directory, with how to reach them. */
export const designatedPersonSchema = z.object({
  entryId: z.uuid().optional(),
  name: z.string().min(1).max(MAX_DIRECTORY_NAME_LENGTH),
  relationship: z.string().min(1).max(MAX_RELATIONSHIP_LENGTH).optional(),
  contact: contactDetailsSchema,
});
export type DesignatedPerson = z.infer<typeof designatedPersonSchema>;

export const trustedPersonOfferedSchema = z.object({
  offerId: z.uuid(),
  serviceUserId: id,
  facilityId: id,
  offeredOn: day,
  answer: offerAnswerSchema,
});
export const trustedPersonDesignatedSchema = z.object({
  trustedPersonId: z.uuid(),
  serviceUserId: id,
  facilityId: id,
  person: designatedPersonSchema,
  scope: z.array(trustedPersonScopeSchema).min(1).max(2),
  designatedOn: day,
  mayConsultRecord: z.boolean(),
});
export const trustedPersonCosignedSchema = z.object({
  trustedPersonId: z.uuid(),
  cosignedOn: day,
  how: cosignatureMethodSchema,
});
export const trustedPersonAttestationSignedSchema = z.object({
  trustedPersonId: z.uuid(),
  attestedOn: day,
  /** The director who signed it, with the person. */
  directorId: id,
});
export const trustedPersonRecordConsultationSchema = z.object({ trustedPersonId: z.uuid(), on: day });
export const trustedPersonRevokedSchema = z.object({
  trustedPersonId: z.uuid(),
  revokedOn: day,
  how: revocationMethodSchema,
  details: z.string().min(1).max(MAX_DETAILS_LENGTH).optional(),
});

export type TrustedPersonOffered = z.infer<typeof trustedPersonOfferedSchema>;
export type TrustedPersonDesignated = z.infer<typeof trustedPersonDesignatedSchema>;
export type TrustedPersonCosigned = z.infer<typeof trustedPersonCosignedSchema>;
export type TrustedPersonAttestationSigned = z.infer<typeof trustedPersonAttestationSignedSchema>;
export type TrustedPersonRecordConsultation = z.infer<typeof trustedPersonRecordConsultationSchema>;
export type TrustedPersonRevoked = z.infer<typeof trustedPersonRevokedSchema>;

/** The data of a forgotten usager's events, as the store hands them back. */
export interface ErasedTrustedPersonData {
  $erased: true;
}
type OrErased<Data> = Data | ErasedTrustedPersonData;

export type TrustedPersonEvent =
  | { type: 'TrustedPersonOffered'; data: OrErased<TrustedPersonOffered> }
  | { type: 'TrustedPersonDesignated'; data: OrErased<TrustedPersonDesignated> }
  | { type: 'TrustedPersonCosigned'; data: OrErased<TrustedPersonCosigned> }
  | { type: 'TrustedPersonAttestationSigned'; data: OrErased<TrustedPersonAttestationSigned> }
  | { type: 'TrustedPersonRecordConsultationAllowed'; data: OrErased<TrustedPersonRecordConsultation> }
  | { type: 'TrustedPersonRecordConsultationWithdrawn'; data: OrErased<TrustedPersonRecordConsultation> }
  | { type: 'TrustedPersonRevoked'; data: OrErased<TrustedPersonRevoked> };

export type TrustedPersonEventType = TrustedPersonEvent['type'];

export const trustedPersonEventSchemas = {
  TrustedPersonOffered: trustedPersonOfferedSchema,
  TrustedPersonDesignated: trustedPersonDesignatedSchema,
  TrustedPersonCosigned: trustedPersonCosignedSchema,
  TrustedPersonAttestationSigned: trustedPersonAttestationSignedSchema,
  TrustedPersonRecordConsultationAllowed: trustedPersonRecordConsultationSchema,
  TrustedPersonRecordConsultationWithdrawn: trustedPersonRecordConsultationSchema,
  TrustedPersonRevoked: trustedPersonRevokedSchema,
} as const;

/** Every command brings today (`YYYY-MM-DD`, in Europe/Paris): no day of the designation's life is in the future. */
export type TrustedPersonCommand =
  | ({ type: 'RecordTrustedPersonOffer'; today: string; usagerIsAdult?: boolean } & TrustedPersonOffered)
  | ({ type: 'DesignateTrustedPerson'; today: string; usagerIsAdult?: boolean } & Omit<
      TrustedPersonDesignated,
      'person' | 'scope' | 'mayConsultRecord'
    > & {
        person: { entryId?: string; name: string; relationship?: string; contact?: Partial<ContactDetails> };
        scope: readonly TrustedPersonScope[];
        mayConsultRecord?: boolean;
      })
  | ({ type: 'RecordTrustedPersonCosignature'; today: string } & TrustedPersonCosigned)
  | ({ type: 'RecordTrustedPersonAttestation'; today: string } & TrustedPersonAttestationSigned)
  | { type: 'SetTrustedPersonRecordConsultation'; today: string; trustedPersonId: string; mayConsultRecord: boolean }
  | ({ type: 'RevokeTrustedPerson'; today: string } & TrustedPersonRevoked);

export interface Designation {
  trustedPersonId: string;
  facilityId: string;
  designatedOn: string;
  status: 'designated' | 'revoked';
  cosignedOn: string | undefined;
  attestedOn: string | undefined;
  mayConsultRecord: boolean;
}

export interface TrustedPersons {
  /** Once the usager was forgotten: nothing can be decided on what is no longer readable. */
  erased: boolean;
  designations: ReadonlyMap<string, Designation>;
  offers: ReadonlySet<string>;
}

/** One stream per usager of the organisation; both escaped, so that no two pairs share one. */
export function trustedPersonsStreamId(organisationId: string, serviceUserId: string): string {
  return `trusted-persons/${encodeURIComponent(organisationId)}/${encodeURIComponent(serviceUserId)}`;
}

/** The designation in force, if any: at most one. */
export function activeDesignation(state: TrustedPersons): Designation | undefined {
  return [...state.designations.values()].find((designation) => designation.status === 'designated');
}

/**
 * Whether the personne de confiance may consult the record through the portal now: allowed by the
 * usager, on a designation co-signed (without the co-signature there is no valid designation) and
 * not revoked.
 */
export function mayConsultRecordNow(
  designation: Pick<Designation, 'status' | 'cosignedOn' | 'mayConsultRecord'>,
): boolean {
  return designation.status === 'designated' && designation.cosignedOn !== undefined && designation.mayConsultRecord;
}

export const trustedPersonDecider: Decider<TrustedPersonCommand, TrustedPersonEvent, TrustedPersons> = {
  initialState: () => ({ erased: false, designations: new Map(), offers: new Set() }),

  decide(command, state) {
    if (state.erased) {
      throw new DomainRuleViolation('TRUSTED_PERSON_ERASED', 'Ces désignations concernent une personne oubliée.');
    }
    requireDay(command.today, 'today');
    switch (command.type) {
      case 'RecordTrustedPersonOffer': {
        if (state.offers.has(command.offerId)) {
          throw new DomainRuleViolation(
            'TRUSTED_PERSON_OFFER_ALREADY_RECORDED',
            'Cette proposition est déjà enregistrée sous cet identifiant.',
          );
        }
        requireAdult(command.usagerIsAdult);
        requireDayNotAfter(command.offeredOn, command.today, 'offeredOn');
        const { offerId, serviceUserId, facilityId, offeredOn, answer } = command;
        return { type: 'TrustedPersonOffered', data: { offerId, serviceUserId, facilityId, offeredOn, answer } };
      }
      case 'DesignateTrustedPerson': {
        if (state.designations.has(command.trustedPersonId)) {
          throw new DomainRuleViolation(
            'TRUSTED_PERSON_ALREADY_RECORDED',
            'Cette désignation est déjà enregistrée sous cet identifiant.',
          );
        }
        requireAdult(command.usagerIsAdult);
        const active = activeDesignation(state);
        if (active) {
          throw new DomainRuleViolation(
            'TRUSTED_PERSON_ALREADY_DESIGNATED',
            'L’usager a déjà une personne de confiance : enregistrez d’abord la révocation de la désignation en cours.',
            { trustedPersonId: active.trustedPersonId },
          );
        }
        requireDayNotAfter(command.designatedOn, command.today, 'designatedOn');
        const name = command.person.name.trim();
        if (name.length === 0 || name.length > MAX_DIRECTORY_NAME_LENGTH) {
          throw new DomainRuleViolation(
            'TRUSTED_PERSON_NAME_REQUIRED',
            `Le nom de la personne de confiance est obligatoire (${MAX_DIRECTORY_NAME_LENGTH} caractères au plus).`,
          );
        }
        const contact = normaliseContactDetails(command.person.contact);
        if (!hasContactDetails(contact)) {
          throw new DomainRuleViolation(
            'TRUSTED_PERSON_CONTACT_REQUIRED',
            'Indiquez comment joindre la personne de confiance : téléphone, adresse électronique ou adresse postale.',
          );
        }
        const relationship = optionalText(
          command.person.relationship,
          MAX_RELATIONSHIP_LENGTH,
          'Le lien avec l’usager',
        );
        const scope = trustedPersonScopes.filter((scope) => command.scope.includes(scope));
        if (scope.length === 0) {
          throw new DomainRuleViolation(
            'TRUSTED_PERSON_SCOPE_REQUIRED',
            'Indiquez si la personne de confiance est désignée au titre du CASF (L.311-5-1), du CSP (L.1111-6), ou des deux.',
          );
        }
        return {
          type: 'TrustedPersonDesignated',
          data: {
            trustedPersonId: command.trustedPersonId,
            serviceUserId: command.serviceUserId,
            facilityId: command.facilityId,
            person: {
              ...(command.person.entryId === undefined ? {} : { entryId: command.person.entryId }),
              name,
              ...(relationship === undefined ? {} : { relationship }),
              contact,
            },
            scope,
            designatedOn: command.designatedOn,
            mayConsultRecord: command.mayConsultRecord ?? false,
          },
        };
      }
      case 'RecordTrustedPersonCosignature': {
        const designation = requireDesignated(state, command.trustedPersonId, 'cosigner');
        if (designation.cosignedOn !== undefined) {
          throw new DomainRuleViolation(
            'TRUSTED_PERSON_ALREADY_COSIGNED',
            'La cosignature de cette désignation est déjà enregistrée.',
            { cosignedOn: designation.cosignedOn },
          );
        }
        requireDayWithin(designation, command.cosignedOn, command.today, 'cosignedOn', 'La cosignature');
        const { trustedPersonId, cosignedOn, how } = command;
        return { type: 'TrustedPersonCosigned', data: { trustedPersonId, cosignedOn, how } };
      }
      case 'RecordTrustedPersonAttestation': {
        const designation = requireDesignated(state, command.trustedPersonId, 'attester');
        if (designation.attestedOn !== undefined) {
          throw new DomainRuleViolation(
            'TRUSTED_PERSON_ALREADY_ATTESTED',
            'L’attestation de cette désignation est déjà enregistrée.',
            { attestedOn: designation.attestedOn },
          );
        }
        requireDayWithin(designation, command.attestedOn, command.today, 'attestedOn', 'L’attestation');
        const { trustedPersonId, attestedOn, directorId } = command;
        return { type: 'TrustedPersonAttestationSigned', data: { trustedPersonId, attestedOn, directorId } };
      }
      case 'SetTrustedPersonRecordConsultation': {
        const designation = requireDesignated(state, command.trustedPersonId, 'modifier');
        if (designation.mayConsultRecord === command.mayConsultRecord) {
          throw new DomainRuleViolation(
            'TRUSTED_PERSON_CONSULTATION_UNCHANGED',
            command.mayConsultRecord
              ? 'L’usager a déjà autorisé sa personne de confiance à consulter son dossier.'
              : 'La personne de confiance n’est pas autorisée à consulter le dossier.',
          );
        }
        const data = { trustedPersonId: command.trustedPersonId, on: command.today };
        return command.mayConsultRecord
          ? { type: 'TrustedPersonRecordConsultationAllowed', data }
          : { type: 'TrustedPersonRecordConsultationWithdrawn', data };
      }
      case 'RevokeTrustedPerson': {
        const designation = requireDesignated(state, command.trustedPersonId, 'révoquer');
        requireDayWithin(designation, command.revokedOn, command.today, 'revokedOn', 'La révocation');
        const details = optionalText(command.details, MAX_DETAILS_LENGTH, 'Le détail de la révocation');
        const { trustedPersonId, revokedOn, how } = command;
        return {
          type: 'TrustedPersonRevoked',
          data: { trustedPersonId, revokedOn, how, ...(details === undefined ? {} : { details }) },
        };
      }
    }
  },

  evolve(state, event) {
    if ('$erased' in event.data) return { ...state, erased: true };
    switch (event.type) {
      case 'TrustedPersonOffered': {
        const data = event.data as TrustedPersonOffered;
        return { ...state, offers: new Set([...state.offers, data.offerId]) };
      }
      case 'TrustedPersonDesignated': {
        const data = event.data as TrustedPersonDesignated;
        const designations = new Map(state.designations);
        designations.set(data.trustedPersonId, {
          trustedPersonId: data.trustedPersonId,
          facilityId: data.facilityId,
          designatedOn: data.designatedOn,
          status: 'designated',
          cosignedOn: undefined,
          attestedOn: undefined,
          mayConsultRecord: data.mayConsultRecord,
        });
        return { ...state, designations };
      }
      case 'TrustedPersonCosigned': {
        const data = event.data as TrustedPersonCosigned;
        return changed(state, data.trustedPersonId, { cosignedOn: data.cosignedOn });
      }
      case 'TrustedPersonAttestationSigned': {
        const data = event.data as TrustedPersonAttestationSigned;
        return changed(state, data.trustedPersonId, { attestedOn: data.attestedOn });
      }
      case 'TrustedPersonRecordConsultationAllowed':
        return changed(state, (event.data as TrustedPersonRecordConsultation).trustedPersonId, {
          mayConsultRecord: true,
        });
      case 'TrustedPersonRecordConsultationWithdrawn':
        return changed(state, (event.data as TrustedPersonRecordConsultation).trustedPersonId, {
          mayConsultRecord: false,
        });
      case 'TrustedPersonRevoked':
        return changed(state, (event.data as TrustedPersonRevoked).trustedPersonId, { status: 'revoked' });
    }
  },
};

function changed(state: TrustedPersons, trustedPersonId: string, change: Partial<Designation>): TrustedPersons {
  const designation = state.designations.get(trustedPersonId);
  if (!designation) return state;
  const designations = new Map(state.designations);
  designations.set(trustedPersonId, { ...designation, ...change });
  return { ...state, designations };
}

function requireDesignated(state: TrustedPersons, trustedPersonId: string, verb: string): Designation {
  const designation = state.designations.get(trustedPersonId);
  if (!designation) {
    throw new DomainRuleViolation(
      'TRUSTED_PERSON_NOT_FOUND',
      `Aucune désignation de personne de confiance à ${verb} sous cet identifiant.`,
      { trustedPersonId },
    );
  }
  if (designation.status === 'revoked') {
    throw new DomainRuleViolation(
      'TRUSTED_PERSON_REVOKED',
      `Cette désignation a été révoquée : impossible de la ${verb}.`,
      { trustedPersonId },
    );
  }
  return designation;
}

function requireAdult(usagerIsAdult: boolean | undefined): void {
  if (usagerIsAdult === false) {
    throw new DomainRuleViolation(
      'TRUSTED_PERSON_USAGER_MINOR',
      'La désignation d’une personne de confiance est proposée à la personne majeure.',
    );
  }
}

/** A day of the designation's life: not before it, not after today. */
function requireDayWithin(designation: Designation, day: string, today: string, field: string, what: string): void {
  requireDayNotAfter(day, today, field);
  if (day < designation.designatedOn) {
    throw new DomainRuleViolation(
      'TRUSTED_PERSON_DAY_BEFORE_DESIGNATION',
      `${what} ne peut pas précéder la désignation (${designation.designatedOn}).`,
      { field, day, designatedOn: designation.designatedOn },
    );
  }
}

function requireDayNotAfter(value: string, today: string, field: string): void {
  requireDay(value, field);
  if (value > today) {
    throw new DomainRuleViolation('TRUSTED_PERSON_DAY_IN_FUTURE', 'Cette date est dans le futur.', {
      field,
      day: value,
    });
  }
}

function requireDay(value: string, field: string): void {
  if (!day.safeParse(value).success) {
    throw new DomainRuleViolation('TRUSTED_PERSON_DAY_INVALID', 'Date invalide (AAAA-MM-JJ attendu).', {
      field,
      day: value,
    });
  }
}

function optionalText(text: string | undefined, maxLength: number, what: string): string | undefined {
  const trimmed = text?.trim();
  if (!trimmed) return undefined;
  if (trimmed.length > maxLength) {
    throw new DomainRuleViolation('TRUSTED_PERSON_TEXT_TOO_LONG', `${what} dépasse ${maxLength} caractères.`, {
      maxLength,
    });
  }
  return trimmed;
}
