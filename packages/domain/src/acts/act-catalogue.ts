import { z } from 'zod';
import type { Decider } from '../decider.js';
import { DomainRuleViolation } from '../errors.js';
import { ACCESS_MATRIX } from '../habilitations/access-policy.js';
import { ROLE_LABELS, type Role, roleSchema } from '../habilitations/roles.js';
import { SENSITIVITY_LABELS, type SensitivityClass, sensitivityClassSchema } from '../habilitations/sensitivity.js';

/**
 * The catalogue of act types of an organisme gestionnaire (catalogue des actes): what its
 * professionals record as acts and interventions, each type with its code, its French label, the
 * professions that perform it, and its sensitivity class (which decides who may read the acts).
 *
 * Decisions taken here:
 * - One stream per organisation (`actCatalogueStreamId`): a code is unique in the organisation,
 *   a rule of the whole catalogue. It stays short (a few dozen types), so it is folded on demand.
 * - The catalogue starts as `DEFAULT_ACT_TYPES` (shipped with the code): an organisation that
 *   never touched it records acts at once. Adding and retiring types are events over it. The
 *   default is every organisation's starting point, so a later version only adds to it: a default
 *   code is never removed nor given another meaning (an organisation retires it by an event).
 * - A code keeps one meaning for ever: it is never reused, even once retired, because reports
 *   count acts by code over years. A retired type records no new act; its past acts keep it.
 * - Every profession of a type must be able to write its sensitivity class (ACCESS_MATRIX):
 *   otherwise nobody of that profession could ever record it.
 * - An act carries a copy of its type (code, label, class) when recorded, so that no later change
 *   of the catalogue changes what a past act says.
 */
export const ACT_TYPE_CODE_PATTERN = /^[a-z0-9][a-z0-9-]{1,49}$/;
const MAX_LABEL_LENGTH = 200;
const MAX_REASON_LENGTH = 1_000;

export const actTypeCodeSchema = z.string().regex(ACT_TYPE_CODE_PATTERN, 'code d’acte invalide');

export const actTypeSchema = z.object({
  code: actTypeCodeSchema,
  label: z.string().min(1).max(MAX_LABEL_LENGTH),
  professions: z.array(roleSchema).min(1),
  sensitivity: sensitivityClassSchema,
});
export type ActType = z.infer<typeof actTypeSchema>;

export const actTypeAddedSchema = actTypeSchema;
export const actTypeRetiredSchema = z.object({
  code: actTypeCodeSchema,
  reason: z.string().min(1).max(MAX_REASON_LENGTH),
});
export type ActTypeAdded = z.infer<typeof actTypeAddedSchema>;
export type ActTypeRetired = z.infer<typeof actTypeRetiredSchema>;

/** The catalogue's events hold no usager's data: they are never erased. */
export type ActCatalogueEvent =
  | { type: 'ActTypeAdded'; data: ActTypeAdded }
  | { type: 'ActTypeRetired'; data: ActTypeRetired };
export type ActCatalogueEventType = ActCatalogueEvent['type'];

export const actCatalogueEventSchemas = {
  ActTypeAdded: actTypeAddedSchema,
  ActTypeRetired: actTypeRetiredSchema,
} as const;

export type ActCatalogueCommand =
  | ({ type: 'AddActType' } & ActType)
  | { type: 'RetireActType'; code: string; reason: string };

/** A type of the catalogue as it stands: retired types stay, so that past acts can be read. */
export interface CatalogueEntry extends ActType {
  retired: boolean;
}

export interface ActCatalogue {
  /** By code, in the order the types were added (defaults first). */
  entries: ReadonlyMap<string, CatalogueEntry>;
}

/**
 * The default catalogue of a CSAPA or CAARUD: medical and paramedical acts (medical class),
 * social and educational interventions (social), psychological interviews (psychological).
 * Screening is one type per virus because the activity report counts HIV, HCV and HBV apart.
 */
export const DEFAULT_ACT_TYPES: readonly ActType[] = [
  { code: 'consultation-medicale', label: 'Consultation médicale', professions: ['doctor'], sensitivity: 'medical' },
  { code: 'entretien-infirmier', label: 'Entretien infirmier', professions: ['nurse'], sensitivity: 'medical' },
  { code: 'soins-infirmiers', label: 'Soins infirmiers', professions: ['nurse'], sensitivity: 'medical' },
  {
    code: 'delivrance-tso',
    label: 'Délivrance de traitement de substitution aux opiacés (TSO)',
    professions: ['doctor', 'nurse', 'pharmacist'],
    sensitivity: 'medical',
  },
  {
    code: 'entretien-pharmaceutique',
    label: 'Entretien pharmaceutique',
    professions: ['pharmacist'],
    sensitivity: 'medical',
  },
  { code: 'depistage-trod-vih', label: 'Dépistage TROD VIH', professions: ['doctor', 'nurse'], sensitivity: 'medical' },
  { code: 'depistage-trod-vhc', label: 'Dépistage TROD VHC', professions: ['doctor', 'nurse'], sensitivity: 'medical' },
  { code: 'depistage-trod-vhb', label: 'Dépistage TROD VHB', professions: ['doctor', 'nurse'], sensitivity: 'medical' },
  { code: 'vaccination', label: 'Vaccination', professions: ['doctor', 'nurse'], sensitivity: 'medical' },
  { code: 'entretien-social', label: 'Entretien social', professions: ['socialWorker'], sensitivity: 'social' },
  { code: 'entretien-educatif', label: 'Entretien éducatif', professions: ['educator'], sensitivity: 'social' },
  {
    code: 'accompagnement-exterieur',
    label: 'Accompagnement extérieur (démarche, rendez-vous)',
    professions: ['socialWorker', 'educator'],
    sensitivity: 'social',
  },
  {
    code: 'atelier-collectif',
    label: 'Atelier collectif',
    professions: ['socialWorker', 'educator', 'psychologist', 'nurse'],
    sensitivity: 'social',
  },
  {
    code: 'entretien-psychologique',
    label: 'Entretien psychologique',
    professions: ['psychologist'],
    sensitivity: 'psychological',
  },
];

/** One stream per organisation; the organisation escaped, so that no two tenants share one. */
export function actCatalogueStreamId(organisationId: string): string {
  return `act-catalogue/${encodeURIComponent(organisationId)}`;
}

/** The professions that could never write acts of this class: a type may not name them. */
export function professionsUnableToWrite(professions: readonly Role[], sensitivity: SensitivityClass): Role[] {
  return professions.filter((role) => ACCESS_MATRIX[sensitivity][role].write === 'never');
}

export const actCatalogueDecider: Decider<ActCatalogueCommand, ActCatalogueEvent, ActCatalogue> = {
  initialState: () => ({
    entries: new Map(
      DEFAULT_ACT_TYPES.map((type) => [type.code, { ...type, professions: [...type.professions], retired: false }]),
    ),
  }),

  decide(command, catalogue) {
    switch (command.type) {
      case 'AddActType': {
        const code = command.code.trim();
        if (!ACT_TYPE_CODE_PATTERN.test(code)) {
          throw new DomainRuleViolation(
            'ACT_TYPE_CODE_INVALID',
            'Le code d’un type d’acte s’écrit en minuscules, chiffres et tirets (2 à 50 caractères).',
            { code },
          );
        }
        const existing = catalogue.entries.get(code);
        if (existing) {
          throw new DomainRuleViolation(
            'ACT_TYPE_CODE_TAKEN',
            existing.retired
              ? 'Ce code a désigné un type d’acte aujourd’hui retiré : un code n’est jamais réutilisé.'
              : 'Ce code désigne déjà un type d’acte du catalogue.',
            { code },
          );
        }
        const label = command.label.trim();
        if (label.length === 0 || label.length > MAX_LABEL_LENGTH) {
          throw new DomainRuleViolation(
            'ACT_TYPE_LABEL_REQUIRED',
            `Le libellé d’un type d’acte est obligatoire (${MAX_LABEL_LENGTH} caractères au plus).`,
          );
        }
        const professions = [...new Set(command.professions)];
        if (professions.length === 0) {
          throw new DomainRuleViolation(
            'ACT_TYPE_PROFESSION_REQUIRED',
            'Indiquez au moins une profession qui réalise ce type d’acte.',
          );
        }
        const unable = professionsUnableToWrite(professions, command.sensitivity);
        if (unable.length > 0) {
          throw new DomainRuleViolation(
            'ACT_TYPE_PROFESSION_CANNOT_WRITE',
            `Les données de la classe « ${SENSITIVITY_LABELS[command.sensitivity]} » sont fermées en écriture à : ${unable
              .map((role) => ROLE_LABELS[role])
              .join(', ')}.`,
            { sensitivity: command.sensitivity, professions: unable },
          );
        }
        return { type: 'ActTypeAdded', data: { code, label, professions, sensitivity: command.sensitivity } };
      }
      case 'RetireActType': {
        const entry = catalogue.entries.get(command.code);
        if (!entry) {
          throw new DomainRuleViolation('ACT_TYPE_NOT_FOUND', 'Aucun type d’acte sous ce code.', {
            code: command.code,
          });
        }
        if (entry.retired) {
          throw new DomainRuleViolation('ACT_TYPE_ALREADY_RETIRED', 'Ce type d’acte est déjà retiré du catalogue.', {
            code: command.code,
          });
        }
        const reason = command.reason.trim();
        if (reason.length === 0 || reason.length > MAX_REASON_LENGTH) {
          throw new DomainRuleViolation(
            'ACT_TYPE_RETIREMENT_REASON_REQUIRED',
            'Le retrait d’un type d’acte doit être motivé (1 000 caractères au plus).',
          );
        }
        return { type: 'ActTypeRetired', data: { code: command.code, reason } };
      }
    }
  },

  evolve(catalogue, event) {
    const entries = new Map(catalogue.entries);
    switch (event.type) {
      case 'ActTypeAdded':
        entries.set(event.data.code, { ...event.data, professions: [...event.data.professions], retired: false });
        return { entries };
      case 'ActTypeRetired': {
        const entry = entries.get(event.data.code);
        if (entry) entries.set(event.data.code, { ...entry, retired: true });
        return { entries };
      }
    }
  },
};

/** The catalogue's types in order, retired ones included only when asked. */
export function actTypesOf(catalogue: ActCatalogue, options: { includeRetired?: boolean } = {}): CatalogueEntry[] {
  return [...catalogue.entries.values()].filter((entry) => options.includeRetired || !entry.retired);
}
