import { z } from 'zod';
import type { Decider } from '../decider.js';
import { DomainRuleViolation } from '../errors.js';

/**
 * The catalogue of harm-reduction supplies (matériel de réduction des risques) a CAARUD hands out:
 * each supply with its code, its French label and the unit it is counted in. The ASA-CAARUD report
 * counts what was handed out by code over the year.
 *
 * Decisions taken here (as for the catalogue of act types):
 * - One stream per organisation (`harmReductionSupplyCatalogueStreamId`): a code is unique in the
 *   organisation. It stays short, so it is folded on demand.
 * - The catalogue starts as `DEFAULT_HARM_REDUCTION_SUPPLIES`; adding and retiring entries are
 *   events over it. A later version of the default only adds to it.
 * - A code keeps one meaning for ever, even once retired: reports count by code over years. A
 *   retired supply is no longer handed out; past visits keep their lines.
 */
export const HARM_REDUCTION_SUPPLY_CODE_PATTERN = /^[a-z0-9][a-z0-9-]{1,49}$/;
const MAX_LABEL_LENGTH = 200;
const MAX_UNIT_LENGTH = 40;
const MAX_REASON_LENGTH = 1_000;

export const harmReductionSupplyCodeSchema = z
  .string()
  .regex(HARM_REDUCTION_SUPPLY_CODE_PATTERN, 'code de matériel invalide');

export const harmReductionSupplySchema = z.object({
  code: harmReductionSupplyCodeSchema,
  label: z.string().min(1).max(MAX_LABEL_LENGTH),
  /** What one is counted as, in French (« seringue », « kit », « boîte »). */
  unit: z.string().min(1).max(MAX_UNIT_LENGTH),
});
export type HarmReductionSupply = z.infer<typeof harmReductionSupplySchema>;

export const harmReductionSupplyAddedSchema = harmReductionSupplySchema;
export const harmReductionSupplyRetiredSchema = z.object({
  code: harmReductionSupplyCodeSchema,
  reason: z.string().min(1).max(MAX_REASON_LENGTH),
});
export type HarmReductionSupplyAdded = z.infer<typeof harmReductionSupplyAddedSchema>;
export type HarmReductionSupplyRetired = z.infer<typeof harmReductionSupplyRetiredSchema>;

/** The catalogue's events hold no usager's data: they are never erased. */
export type HarmReductionSupplyCatalogueEvent =
  | { type: 'HarmReductionSupplyAdded'; data: HarmReductionSupplyAdded }
  | { type: 'HarmReductionSupplyRetired'; data: HarmReductionSupplyRetired };
export type HarmReductionSupplyCatalogueEventType = HarmReductionSupplyCatalogueEvent['type'];

export const harmReductionSupplyCatalogueEventSchemas = {
  HarmReductionSupplyAdded: harmReductionSupplyAddedSchema,
  HarmReductionSupplyRetired: harmReductionSupplyRetiredSchema,
} as const;

export type HarmReductionSupplyCatalogueCommand =
  | ({ type: 'AddHarmReductionSupply' } & HarmReductionSupply)
  | { type: 'RetireHarmReductionSupply'; code: string; reason: string };

/** A supply of the catalogue as it stands: retired ones stay, so that past visits can be read. */
export interface HarmReductionSupplyEntry extends HarmReductionSupply {
  retired: boolean;
}

export interface HarmReductionSupplyCatalogue {
  /** By code, in the order they were added (defaults first). */
  entries: ReadonlyMap<string, HarmReductionSupplyEntry>;
}

/**
 * What CAARUD commonly hand out (programmes d’échange de seringues, kits, matériel d’inhalation et
 * de sniff, naloxone): an organisation retires what it does not use and adds its own.
 */
export const DEFAULT_HARM_REDUCTION_SUPPLIES: readonly HarmReductionSupply[] = [
  { code: 'seringue-1ml', label: 'Seringue 1 mL', unit: 'seringue' },
  { code: 'seringue-2ml', label: 'Seringue 2 mL', unit: 'seringue' },
  { code: 'kit-injection', label: 'Kit d’injection (Stéribox, Kit+)', unit: 'kit' },
  { code: 'cupule', label: 'Cupule (Stéricup)', unit: 'cupule' },
  { code: 'filtre', label: 'Filtre (Stérifilt)', unit: 'filtre' },
  { code: 'eau-ppi', label: 'Eau pour préparation injectable (PPI)', unit: 'fiole' },
  { code: 'tampon-alcoolise', label: 'Tampon alcoolisé', unit: 'tampon' },
  { code: 'acide-ascorbique', label: 'Acide ascorbique', unit: 'dose' },
  { code: 'pipe-crack', label: 'Pipe à crack (kit base)', unit: 'kit' },
  { code: 'kit-sniff', label: 'Kit sniff (Roule ta paille)', unit: 'kit' },
  { code: 'preservatif', label: 'Préservatif externe', unit: 'préservatif' },
  { code: 'preservatif-interne', label: 'Préservatif interne', unit: 'préservatif' },
  { code: 'gel-lubrifiant', label: 'Gel lubrifiant', unit: 'dose' },
  { code: 'naloxone-nasale', label: 'Naloxone nasale (Nalscue, Nyxoid)', unit: 'kit' },
  { code: 'naloxone-injectable', label: 'Naloxone injectable (Prenoxad)', unit: 'kit' },
  { code: 'recuperateur', label: 'Récupérateur de seringues (DASRI)', unit: 'récupérateur' },
  { code: 'ethylotest', label: 'Éthylotest', unit: 'éthylotest' },
  { code: 'bouchons-oreilles', label: 'Bouchons d’oreilles', unit: 'paire' },
];

/** One stream per organisation; the organisation escaped, so that no two tenants share one. */
export function harmReductionSupplyCatalogueStreamId(organisationId: string): string {
  return `harm-reduction-supplies/${encodeURIComponent(organisationId)}`;
}

export const harmReductionSupplyCatalogueDecider: Decider<
  HarmReductionSupplyCatalogueCommand,
  HarmReductionSupplyCatalogueEvent,
  HarmReductionSupplyCatalogue
> = {
  initialState: () => ({
    entries: new Map(DEFAULT_HARM_REDUCTION_SUPPLIES.map((supply) => [supply.code, { ...supply, retired: false }])),
  }),

  decide(command, catalogue) {
    switch (command.type) {
      case 'AddHarmReductionSupply': {
        const code = command.code.trim();
        if (!HARM_REDUCTION_SUPPLY_CODE_PATTERN.test(code)) {
          throw new DomainRuleViolation(
            'SUPPLY_CODE_INVALID',
            'Le code d’un matériel s’écrit en minuscules, chiffres et tirets (2 à 50 caractères).',
            { code },
          );
        }
        const existing = catalogue.entries.get(code);
        if (existing) {
          throw new DomainRuleViolation(
            'SUPPLY_CODE_TAKEN',
            existing.retired
              ? 'Ce code a désigné un matériel aujourd’hui retiré : un code n’est jamais réutilisé.'
              : 'Ce code désigne déjà un matériel du catalogue.',
            { code },
          );
        }
        const label = command.label.trim();
        if (label.length === 0 || label.length > MAX_LABEL_LENGTH) {
          throw new DomainRuleViolation(
            'SUPPLY_LABEL_REQUIRED',
            `Le libellé d’un matériel est obligatoire (${MAX_LABEL_LENGTH} caractères au plus).`,
          );
        }
        const unit = command.unit.trim();
        if (unit.length === 0 || unit.length > MAX_UNIT_LENGTH) {
          throw new DomainRuleViolation(
            'SUPPLY_UNIT_REQUIRED',
            `L’unité de comptage d’un matériel est obligatoire (${MAX_UNIT_LENGTH} caractères au plus).`,
          );
        }
        return { type: 'HarmReductionSupplyAdded', data: { code, label, unit } };
      }
      case 'RetireHarmReductionSupply': {
        const entry = catalogue.entries.get(command.code);
        if (!entry) {
          throw new DomainRuleViolation('SUPPLY_NOT_FOUND', 'Aucun matériel sous ce code.', { code: command.code });
        }
        if (entry.retired) {
          throw new DomainRuleViolation('SUPPLY_ALREADY_RETIRED', 'Ce matériel est déjà retiré du catalogue.', {
            code: command.code,
          });
        }
        const reason = command.reason.trim();
        if (reason.length === 0 || reason.length > MAX_REASON_LENGTH) {
          throw new DomainRuleViolation(
            'SUPPLY_RETIREMENT_REASON_REQUIRED',
            'Le retrait d’un matériel doit être motivé (1 000 caractères au plus).',
          );
        }
        return { type: 'HarmReductionSupplyRetired', data: { code: command.code, reason } };
      }
    }
  },

  evolve(catalogue, event) {
    const entries = new Map(catalogue.entries);
    switch (event.type) {
      case 'HarmReductionSupplyAdded':
        entries.set(event.data.code, { ...event.data, retired: false });
        return { entries };
      case 'HarmReductionSupplyRetired': {
        const entry = entries.get(event.data.code);
        if (entry) entries.set(event.data.code, { ...entry, retired: true });
        return { entries };
      }
    }
  },
};

/** The catalogue's supplies in order, retired ones included only when asked. */
export function harmReductionSuppliesOf(
  catalogue: HarmReductionSupplyCatalogue,
  options: { includeRetired?: boolean } = {},
): HarmReductionSupplyEntry[] {
  return [...catalogue.entries.values()].filter((entry) => options.includeRetired || !entry.retired);
}
