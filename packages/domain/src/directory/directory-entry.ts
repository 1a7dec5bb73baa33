import { z } from 'zod';
import type { Decider } from '../decider.js';
import { DomainRuleViolation } from '../errors.js';
import { type ContactDetails, contactDetailsSchema, normaliseContactDetails } from './contact.js';

/**
 * The usager's directory (annuaire): the people around them (entourage: family, friends, legal
 * representative) and the professionals and structures who accompany them elsewhere (GP,
 * pharmacy, hospital, SPIP, social services…), each with how to reach them and their role.
 *
 * Decisions taken here:
 * - One stream per entry (`directoryEntryStreamId`): entries have no rule across them, and each
 *   is about one usager, encrypted with their key (it names third parties of their private life).
 * - An entry belongs to the usager in one ESSMS, like every part of the record: being in the
 *   usager's team at the CSAPA opens nothing the CAARUD wrote down.
 * - Three kinds, each with its roles: a `relative` (a person of the entourage), a `professional`
 *   (a person, who may carry an RPPS) and a `structure` (which may carry a FINESS). The kind never
 *   changes: a relative does not become a pharmacy; remove the entry and add another.
 * - Nothing is edited away: an update records the new value of each field it changes, a removal
 *   keeps the entry in the history, with its reason when given. A removed entry takes no further
 *   event.
 * - The personne de confiance is not a role here: it is a designation with its own rules
 *   (`trusted-persons`), which may point to an entry of the directory.
 */
export const MAX_DIRECTORY_NAME_LENGTH = 200;
export const MAX_ROLE_DETAILS_LENGTH = 200;
export const MAX_DIRECTORY_NOTE_LENGTH = 1_000;
const MAX_REASON_LENGTH = 1_000;
const id = z.string().min(1).max(200);

export const directoryEntryKinds = ['relative', 'professional', 'structure'] as const;
export const directoryEntryKindSchema = z.enum(directoryEntryKinds);
export type DirectoryEntryKind = z.infer<typeof directoryEntryKindSchema>;

/** The roles of the entourage. */
export const RELATIVE_ROLES = ['family', 'friend', 'legalRepresentative', 'otherRelative'] as const;
/** The roles of the professionals and structures who accompany the usager elsewhere. */
export const PARTNER_ROLES = [
  'generalPractitioner',
  'specialist',
  'pharmacy',
  'hospital',
  'addictionService',
  'mentalHealthService',
  'spip',
  'socialServices',
  'housing',
  'employment',
  'otherPartner',
] as const;
export const directoryRoleSchema = z.enum([...RELATIVE_ROLES, ...PARTNER_ROLES]);
export type DirectoryRole = z.infer<typeof directoryRoleSchema>;

/** For staff, in French. */
export const DIRECTORY_ROLE_LABELS: Readonly<Record<DirectoryRole, string>> = {
  family: 'famille',
  friend: 'ami ou amie',
  legalRepresentative: 'représentant légal (tutelle, curatelle)',
  otherRelative: 'autre proche',
  generalPractitioner: 'médecin traitant',
  specialist: 'médecin spécialiste',
  pharmacy: 'pharmacie',
  hospital: 'hôpital, clinique',
  addictionService: 'autre service d’addictologie (CSAPA, CAARUD, ELSA…)',
  mentalHealthService: 'psychiatrie, CMP',
  spip: 'SPIP (justice)',
  socialServices: 'services sociaux',
  housing: 'hébergement, logement',
  employment: 'emploi, insertion',
  otherPartner: 'autre partenaire',
};

/** RPPS: the national number of a health professional, 11 digits. */
export const rppsSchema = z.string().regex(/^\d{11}$/, { error: 'RPPS invalide : 11 chiffres' });
/** FINESS: 9 characters, the département first (2A and 2B for Corsica). */
export const finessSchema = z.string().regex(/^(\d{2}|2A|2B)\d{7}$/, { error: 'FINESS invalide : 9 caractères' });
/** Where an entry's details came from: typed in, or copied from the Annuaire Santé. */
export const directorySourceSchema = z.enum(['manual', 'annuaireSante']);
export type DirectorySource = z.infer<typeof directorySourceSchema>;

export const directoryEntryAddedSchema = z.object({
  entryId: z.uuid(),
  serviceUserId: id,
  facilityId: id,
  kind: directoryEntryKindSchema,
  role: directoryRoleSchema,
  roleDetails: z.string().min(1).max(MAX_ROLE_DETAILS_LENGTH).optional(),
  name: z.string().min(1).max(MAX_DIRECTORY_NAME_LENGTH),
  contact: contactDetailsSchema,
  rpps: rppsSchema.optional(),
  finess: finessSchema.optional(),
  note: z.string().min(1).max(MAX_DIRECTORY_NOTE_LENGTH).optional(),
  source: directorySourceSchema,
});
/** The new value of each field changed; `null` for an optional field cleared. */
export const directoryEntryChangesSchema = z.object({
  role: directoryRoleSchema.optional(),
  roleDetails: z.string().min(1).max(MAX_ROLE_DETAILS_LENGTH).nullable().optional(),
  name: z.string().min(1).max(MAX_DIRECTORY_NAME_LENGTH).optional(),
  contact: contactDetailsSchema.optional(),
  rpps: rppsSchema.nullable().optional(),
  finess: finessSchema.nullable().optional(),
  note: z.string().min(1).max(MAX_DIRECTORY_NOTE_LENGTH).nullable().optional(),
});
export const directoryEntryUpdatedSchema = z.object({ entryId: z.uuid(), changes: directoryEntryChangesSchema });
export const directoryEntryRemovedSchema = z.object({
  entryId: z.uuid(),
  reason: z.string().min(1).max(MAX_REASON_LENGTH).optional(),
});

export type DirectoryEntryAdded = z.infer<typeof directoryEntryAddedSchema>;
export type DirectoryEntryChanges = z.infer<typeof directoryEntryChangesSchema>;
export type DirectoryEntryUpdated = z.infer<typeof directoryEntryUpdatedSchema>;
export type DirectoryEntryRemoved = z.infer<typeof directoryEntryRemovedSchema>;

/** The data of a forgotten usager's events, as the store hands them back. */
export interface ErasedDirectoryData {
  $erased: true;
}

export type DirectoryEvent =
  | { type: 'DirectoryEntryAdded'; data: DirectoryEntryAdded | ErasedDirectoryData }
  | { type: 'DirectoryEntryUpdated'; data: DirectoryEntryUpdated | ErasedDirectoryData }
  | { type: 'DirectoryEntryRemoved'; data: DirectoryEntryRemoved | ErasedDirectoryData };

export type DirectoryEventType = DirectoryEvent['type'];

export const directoryEventSchemas = {
  DirectoryEntryAdded: directoryEntryAddedSchema,
  DirectoryEntryUpdated: directoryEntryUpdatedSchema,
  DirectoryEntryRemoved: directoryEntryRemovedSchema,
} as const;

/** What the caller may change: each field given replaces the current one (`contact` as a whole). */
export interface DirectoryEntryChangeRequest {
  role?: DirectoryRole;
  roleDetails?: string | null;
  name?: string;
  contact?: { phone?: string; email?: string; postalAddress?: string };
  rpps?: string | null;
  finess?: string | null;
  note?: string | null;
}

export type DirectoryCommand =
  | ({ type: 'AddDirectoryEntry' } & Omit<DirectoryEntryAdded, 'source' | 'contact'> & {
        contact?: { phone?: string; email?: string; postalAddress?: string };
        source?: DirectorySource;
      })
  | ({ type: 'UpdateDirectoryEntry'; entryId: string } & DirectoryEntryChangeRequest)
  | { type: 'RemoveDirectoryEntry'; entryId: string; reason?: string };

export interface DirectoryEntryFields {
  kind: DirectoryEntryKind;
  role: DirectoryRole;
  roleDetails: string | undefined;
  name: string;
  contact: ContactDetails;
  rpps: string | undefined;
  finess: string | undefined;
  note: string | undefined;
}

export type DirectoryEntry =
  | { status: 'none' }
  | { status: 'active' | 'removed'; entryId: string; erased: true }
  | ({
      status: 'active' | 'removed';
      entryId: string;
      erased: false;
      serviceUserId: string;
      facilityId: string;
      updates: number;
    } & DirectoryEntryFields);

/** One stream per entry; the organisation escaped, so that no two tenants share one. */
export function directoryEntryStreamId(organisationId: string, entryId: string): string {
  return `directory-entry/${encodeURIComponent(organisationId)}/${entryId}`;
}

/** Whether a role fits a kind of entry: the entourage's roles for a relative, the partners' for the others. */
export function roleFitsKind(kind: DirectoryEntryKind, role: DirectoryRole): boolean {
  const relativeRole = (RELATIVE_ROLES as readonly string[]).includes(role);
  return kind === 'relative' ? relativeRole : !relativeRole;
}

export const directoryEntryDecider: Decider<DirectoryCommand, DirectoryEvent, DirectoryEntry> = {
  initialState: () => ({ status: 'none' }),

  decide(command, entry) {
    switch (command.type) {
      case 'AddDirectoryEntry': {
        if (entry.status !== 'none') {
          throw new DomainRuleViolation(
            'DIRECTORY_ENTRY_ALREADY_ADDED',
            'Cette fiche de l’annuaire existe déjà sous cet identifiant.',
            { entryId: command.entryId },
          );
        }
        const fields = checkedFields({
          kind: command.kind,
          role: command.role,
          roleDetails: optionalText(command.roleDetails, MAX_ROLE_DETAILS_LENGTH, 'le rôle précisé'),
          name: requireName(command.name),
          contact: normaliseContactDetails(command.contact),
          rpps: command.rpps,
          finess: command.finess,
          note: optionalText(command.note, MAX_DIRECTORY_NOTE_LENGTH, 'la note'),
        });
        return {
          type: 'DirectoryEntryAdded',
          data: {
            entryId: command.entryId,
            serviceUserId: command.serviceUserId,
            facilityId: command.facilityId,
            ...definedFields(fields),
            contact: fields.contact,
            source: command.source ?? 'manual',
          },
        };
      }
      case 'UpdateDirectoryEntry': {
        const current = requireActive(entry, 'modifier');
        const next: DirectoryEntryFields = { ...current, contact: { ...current.contact } };
        if (command.role !== undefined) next.role = command.role;
        if (command.roleDetails !== undefined) {
          next.roleDetails = optionalText(command.roleDetails ?? '', MAX_ROLE_DETAILS_LENGTH, 'le rôle précisé');
        }
        if (command.name !== undefined) next.name = requireName(command.name);
        if (command.contact !== undefined) next.contact = normaliseContactDetails(command.contact);
        if (command.rpps !== undefined) next.rpps = command.rpps ?? undefined;
        if (command.finess !== undefined) next.finess = command.finess ?? undefined;
        if (command.note !== undefined) {
          next.note = optionalText(command.note ?? '', MAX_DIRECTORY_NOTE_LENGTH, 'la note');
        }
        checkedFields(next);
        const changes = changesBetween(current, next);
        if (Object.keys(changes).length === 0) {
          throw new DomainRuleViolation(
            'DIRECTORY_ENTRY_UNCHANGED',
            'Cette modification ne change rien à la fiche : indiquez ce qui a changé.',
          );
        }
        return { type: 'DirectoryEntryUpdated', data: { entryId: current.entryId, changes } };
      }
      case 'RemoveDirectoryEntry': {
        const current = requireActive(entry, 'retirer');
        const reason = optionalText(command.reason, MAX_REASON_LENGTH, 'le motif');
        return {
          type: 'DirectoryEntryRemoved',
          data: { entryId: current.entryId, ...(reason === undefined ? {} : { reason }) },
        };
      }
    }
  },

  evolve(entry, event) {
    switch (event.type) {
      case 'DirectoryEntryAdded': {
        if ('$erased' in event.data) return { status: 'active', entryId: '', erased: true };
        const { entryId, serviceUserId, facilityId, source: _, ...fields } = event.data;
        return {
          status: 'active',
          entryId,
          erased: false,
          serviceUserId,
          facilityId,
          updates: 0,
          roleDetails: undefined,
          rpps: undefined,
          finess: undefined,
          note: undefined,
          ...fields,
        };
      }
      case 'DirectoryEntryUpdated': {
        if (entry.status === 'none' || entry.erased) return entry;
        if ('$erased' in event.data) return { status: entry.status, entryId: entry.entryId, erased: true };
        return { ...entry, ...applyChanges(entry, event.data.changes), updates: entry.updates + 1 };
      }
      case 'DirectoryEntryRemoved':
        return entry.status === 'none' ? entry : { ...entry, status: 'removed' };
    }
  },
};

/** The fields after a change, as the event says it: `null` clears. Used by the decider and read models alike. */
export function applyChanges(fields: DirectoryEntryFields, changes: DirectoryEntryChanges): DirectoryEntryFields {
  const next = { ...fields };
  if (changes.role !== undefined) next.role = changes.role;
  if (changes.roleDetails !== undefined) next.roleDetails = changes.roleDetails ?? undefined;
  if (changes.name !== undefined) next.name = changes.name;
  if (changes.contact !== undefined) next.contact = changes.contact;
  if (changes.rpps !== undefined) next.rpps = changes.rpps ?? undefined;
  if (changes.finess !== undefined) next.finess = changes.finess ?? undefined;
  if (changes.note !== undefined) next.note = changes.note ?? undefined;
  return next;
}

function changesBetween(current: DirectoryEntryFields, next: DirectoryEntryFields): DirectoryEntryChanges {
  const changes: DirectoryEntryChanges = {};
  if (next.role !== current.role) changes.role = next.role;
  if (next.roleDetails !== current.roleDetails) changes.roleDetails = next.roleDetails ?? null;
  if (next.name !== current.name) changes.name = next.name;
  if (!sameContact(next.contact, current.contact)) changes.contact = next.contact;
  if (next.rpps !== current.rpps) changes.rpps = next.rpps ?? null;
  if (next.finess !== current.finess) changes.finess = next.finess ?? null;
  if (next.note !== current.note) changes.note = next.note ?? null;
  return changes;
}

function sameContact(a: ContactDetails, b: ContactDetails): boolean {
  return a.phone === b.phone && a.email === b.email && a.postalAddress === b.postalAddress;
}

/** The rules between fields: the role fits the kind, an RPPS for a professional, a FINESS for a structure. */
function checkedFields(fields: DirectoryEntryFields): DirectoryEntryFields {
  if (!roleFitsKind(fields.kind, fields.role)) {
    throw new DomainRuleViolation(
      'DIRECTORY_ROLE_NOT_FOR_KIND',
      fields.kind === 'relative'
        ? `« ${DIRECTORY_ROLE_LABELS[fields.role]} » est le rôle d’un professionnel ou d’une structure, pas d’un proche.`
        : `« ${DIRECTORY_ROLE_LABELS[fields.role]} » est un rôle de l’entourage, pas d’un professionnel ou d’une structure.`,
      { kind: fields.kind, role: fields.role },
    );
  }
  if (fields.rpps !== undefined) {
    if (fields.kind !== 'professional') {
      throw new DomainRuleViolation('RPPS_ONLY_FOR_PROFESSIONAL', 'Seul un professionnel de santé a un numéro RPPS.');
    }
    if (!rppsSchema.safeParse(fields.rpps).success) {
      throw new DomainRuleViolation('RPPS_INVALID', 'Numéro RPPS invalide : 11 chiffres attendus.');
    }
  }
  if (fields.finess !== undefined) {
    if (fields.kind !== 'structure') {
      throw new DomainRuleViolation('FINESS_ONLY_FOR_STRUCTURE', 'Seule une structure a un numéro FINESS.');
    }
    if (!finessSchema.safeParse(fields.finess).success) {
      throw new DomainRuleViolation('FINESS_INVALID', 'Numéro FINESS invalide : 9 caractères attendus.');
    }
  }
  return fields;
}

/** The fields without their undefined values, as events carry them. */
function definedFields(fields: DirectoryEntryFields) {
  const { roleDetails, rpps, finess, note, ...always } = fields;
  return {
    ...always,
    ...(roleDetails === undefined ? {} : { roleDetails }),
    ...(rpps === undefined ? {} : { rpps }),
    ...(finess === undefined ? {} : { finess }),
    ...(note === undefined ? {} : { note }),
  };
}

function requireActive(entry: DirectoryEntry, verb: string) {
  if (entry.status === 'none') {
    throw new DomainRuleViolation(
      'DIRECTORY_ENTRY_NOT_FOUND',
      `Aucune fiche de l’annuaire à ${verb} sous cet identifiant.`,
    );
  }
  if (entry.status === 'removed') {
    throw new DomainRuleViolation(
      'DIRECTORY_ENTRY_REMOVED',
      `Cette fiche a été retirée de l’annuaire : impossible de la ${verb}.`,
    );
  }
  if (entry.erased) {
    throw new DomainRuleViolation('DIRECTORY_ENTRY_ERASED', 'Cette fiche concerne une personne oubliée.');
  }
  return entry;
}

function requireName(text: string): string {
  const name = text.trim();
  if (name.length === 0) {
    throw new DomainRuleViolation(
      'DIRECTORY_NAME_REQUIRED',
      'Le nom de la personne ou de la structure est obligatoire.',
    );
  }
  if (name.length > MAX_DIRECTORY_NAME_LENGTH) {
    throw new DomainRuleViolation('DIRECTORY_NAME_TOO_LONG', `Le nom dépasse ${MAX_DIRECTORY_NAME_LENGTH} caractères.`);
  }
  return name;
}

/** A text trimmed; an empty one is none. */
function optionalText(text: string | undefined, maxLength: number, what: string): string | undefined {
  const trimmed = text?.trim();
  if (!trimmed) return undefined;
  if (trimmed.length > maxLength) {
    throw new DomainRuleViolation('DIRECTORY_TEXT_TOO_LONG', `${capitalised(what)} dépasse ${maxLength} caractères.`, {
      maxLength,
    });
  }
  return trimmed;
}

function capitalised(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
