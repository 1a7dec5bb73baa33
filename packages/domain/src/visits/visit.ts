import { z } from 'zod';
import type { Decider } from '../decider.js';
import { DomainRuleViolation } from '../errors.js';
import { type HarmReductionSupplyCatalogue, harmReductionSupplyCodeSchema } from './harm-reduction-supplies.js';

/**
 * A passage at a CAARUD (`Visit`): a contact with a person who uses drugs, at the premises or
 * outside (mobile unit, street outreach, festive event, partner pharmacy), the services given, the
 * harm-reduction supplies handed out, the used syringes brought back, the rapid tests (TROD) done.
 * The ASA-CAARUD report counts them.
 *
 * Decisions taken here:
 * - One stream per visit (`visitStreamId`): a fact without cross-invariants (DESIGN.md).
 * - The person is either an identified usager (`serviceUserId`: a record exists, possibly under a
 *   pseudonym, anonymity in the L.3414-1 CSP sense), whose key encrypts the visit's events, or an
 *   unidentified anonymous passage (`anonymous`: at most a sex and an age band), which names nobody
 *   and is counted apart. An anonymous passage's data is a strict shape: it cannot carry a name or
 *   a record id, even by mistake.
 * - Supplies are lines of the organisation's catalogue (`harm-reduction-supplies.ts`), by code: a
 *   code keeps one meaning for ever. A retired supply is not handed out; a correction may keep a
 *   line of a supply retired since the visit (it was handed out then), not add one.
 * - Never edited: a correction (`VisitCorrected`) carries the reason and each corrected field in
 *   whole (the whole list of supplies, not a difference), so that the current version is the
 *   recorded one with the corrections' fields laid over it in order. A cancellation (recorded in
 *   error, wrong person) is final. The person is never corrected: cancel and record again.
 * - A visit's day is not in the future: the command brings `today` (the day in the CAARUD's time
 *   zone, from the shell) and `now`, the domain has no clock.
 */
export const VISIT_SETTINGS = ['premises', 'mobileUnit', 'street', 'festiveEvent', 'partnerPharmacy', 'other'] as const;
export type VisitSetting = (typeof VISIT_SETTINGS)[number];
export const VISIT_SETTING_LABELS: Readonly<Record<VisitSetting, string>> = {
  premises: 'Local (accueil fixe)',
  mobileUnit: 'Unité mobile',
  street: 'Rue (maraude)',
  festiveEvent: 'Milieu festif',
  partnerPharmacy: 'Pharmacie partenaire',
  other: 'Autre lieu',
};

export const VISIT_SERVICES = [
  'reception',
  'hygiene',
  'meal',
  'harmReductionAdvice',
  'socialSupport',
  'care',
  'referral',
  'screening',
  'other',
] as const;
export type VisitService = (typeof VISIT_SERVICES)[number];
export const VISIT_SERVICE_LABELS: Readonly<Record<VisitService, string>> = {
  reception: 'Accueil',
  hygiene: 'Hygiène (douche, laverie)',
  meal: 'Collation, repas',
  harmReductionAdvice: 'Conseils de réduction des risques',
  socialSupport: 'Accompagnement social',
  care: 'Soins infirmiers',
  referral: 'Orientation',
  screening: 'Dépistage',
  other: 'Autre prestation',
};

export const RAPID_TESTS = ['hiv', 'hcv', 'hbv'] as const;
export type RapidTest = (typeof RAPID_TESTS)[number];
export const RAPID_TEST_LABELS: Readonly<Record<RapidTest, string>> = {
  hiv: 'TROD VIH',
  hcv: 'TROD VHC',
  hbv: 'TROD VHB',
};
export const RAPID_TEST_RESULTS = ['negative', 'positive', 'invalid', 'notGiven'] as const;
export type RapidTestResult = (typeof RAPID_TEST_RESULTS)[number];
export const RAPID_TEST_RESULT_LABELS: Readonly<Record<RapidTestResult, string>> = {
  negative: 'Négatif',
  positive: 'Positif',
  invalid: 'Invalide',
  notGiven: 'Résultat non remis',
};

export const ANONYMOUS_SEXES = ['F', 'M', 'X'] as const;
/** The age bands of an unidentified passage, as staff estimate them. */
export const AGE_BANDS = ['under-18', '18-24', '25-34', '35-44', '45-54', '55-plus'] as const;
export type AgeBand = (typeof AGE_BANDS)[number];

/** A line of a visit or of a collection box: more is a data entry mistake, not a delivery. */
export const MAX_SUPPLY_QUANTITY = 1_000;
export const MAX_SYRINGES_COLLECTED = 10_000;
export const MAX_SUPPLY_LINES = 50;
const MAX_REASON_LENGTH = 1_000;
/** Clocks of workstations drift: a visit timed this far ahead of the server's time is accepted. */
const FUTURE_TOLERANCE_MS = 5 * 60_000;
const id = z.string().min(1).max(200);
const instant = z.iso.datetime({ offset: true });
const day = z.iso.date();

export const visitSettingSchema = z.enum(VISIT_SETTINGS);
export const visitServiceSchema = z.enum(VISIT_SERVICES);
export const rapidTestSchema = z.enum(RAPID_TESTS);
export const rapidTestResultSchema = z.enum(RAPID_TEST_RESULTS);
export const anonymousTraitsSchema = z.strictObject({
  sex: z.enum(ANONYMOUS_SEXES).optional(),
  ageBand: z.enum(AGE_BANDS).optional(),
});
export type AnonymousTraits = z.infer<typeof anonymousTraitsSchema>;
export const supplyLineSchema = z.strictObject({
  supplyCode: harmReductionSupplyCodeSchema,
  quantity: z.int().min(1).max(MAX_SUPPLY_QUANTITY),
});
export type SupplyLine = z.infer<typeof supplyLineSchema>;
export const rapidTestDoneSchema = z.strictObject({ test: rapidTestSchema, result: rapidTestResultSchema });
export type RapidTestDone = z.infer<typeof rapidTestDoneSchema>;

/** What a visit says beyond where and whom: every field a correction may replace. */
const visitDetails = {
  occurredOn: day,
  /** The time, when known (a street round is often entered at its end, by day only). */
  occurredAt: instant.optional(),
  setting: visitSettingSchema,
  services: z.array(visitServiceSchema).max(VISIT_SERVICES.length),
  supplies: z.array(supplyLineSchema).max(MAX_SUPPLY_LINES),
  syringesCollected: z.int().min(0).max(MAX_SYRINGES_COLLECTED),
  rapidTests: z.array(rapidTestDoneSchema).max(RAPID_TESTS.length),
};
const visitBase = { visitId: z.uuid(), facilityId: id, ...visitDetails };

export const visitRecordedSchema = z.union([
  z.strictObject({ ...visitBase, serviceUserId: id }),
  z.strictObject({ ...visitBase, anonymous: anonymousTraitsSchema }),
]);
export const visitCorrectedSchema = z.strictObject({
  visitId: z.uuid(),
  reason: z.string().min(1).max(MAX_REASON_LENGTH),
  occurredOn: visitDetails.occurredOn.optional(),
  occurredAt: visitDetails.occurredAt,
  setting: visitDetails.setting.optional(),
  services: visitDetails.services.optional(),
  supplies: visitDetails.supplies.optional(),
  syringesCollected: visitDetails.syringesCollected.optional(),
  rapidTests: visitDetails.rapidTests.optional(),
  /** Only for an anonymous passage. */
  anonymous: anonymousTraitsSchema.optional(),
});
export const visitCancelledSchema = z.strictObject({
  visitId: z.uuid(),
  reason: z.string().min(1).max(MAX_REASON_LENGTH),
});

export type VisitRecorded = z.infer<typeof visitRecordedSchema>;
export type VisitCorrected = z.infer<typeof visitCorrectedSchema>;
export type VisitCancelled = z.infer<typeof visitCancelledSchema>;

/** The data of a forgotten usager's events, as the store hands them back. */
export interface ErasedVisitData {
  $erased: true;
}

export type VisitEvent =
  | { type: 'VisitRecorded'; data: VisitRecorded | ErasedVisitData }
  | { type: 'VisitCorrected'; data: VisitCorrected | ErasedVisitData }
  | { type: 'VisitCancelled'; data: VisitCancelled | ErasedVisitData };
export type VisitEventType = VisitEvent['type'];

export const visitEventSchemas = {
  VisitRecorded: visitRecordedSchema,
  VisitCorrected: visitCorrectedSchema,
  VisitCancelled: visitCancelledSchema,
} as const;

/** What a visit says, as the current version holds it. */
export interface VisitVersion {
  occurredOn: string;
  occurredAt?: string;
  setting: VisitSetting;
  services: VisitService[];
  supplies: SupplyLine[];
  syringesCollected: number;
  rapidTests: RapidTestDone[];
  /** Set for an anonymous passage only. */
  anonymous?: AnonymousTraits;
}

type VisitDetailsInput = {
  occurredOn: string;
  occurredAt?: string;
  setting: VisitSetting;
  services?: readonly VisitService[];
  supplies?: readonly SupplyLine[];
  syringesCollected?: number;
  rapidTests?: readonly RapidTestDone[];
};

export interface RecordVisit extends VisitDetailsInput {
  type: 'RecordVisit';
  visitId: string;
  facilityId: string;
  /** Exactly one of the two: the identified usager, or the traits of an unidentified passage. */
  serviceUserId?: string;
  anonymous?: AnonymousTraits;
  /** The organisation's catalogue, as the shell folded it. */
  catalogue: HarmReductionSupplyCatalogue;
  /** Today's day where the CAARUD is (`YYYY-MM-DD`), and the time of the decision. */
  today: string;
  now: string;
}

export interface CorrectVisit extends Partial<VisitDetailsInput> {
  type: 'CorrectVisit';
  reason: string;
  anonymous?: AnonymousTraits;
  catalogue: HarmReductionSupplyCatalogue;
  today: string;
  now: string;
}

export type VisitCommand = RecordVisit | CorrectVisit | { type: 'CancelVisit'; reason: string };

export type Visit =
  | { status: 'none' }
  | {
      status: 'recorded' | 'cancelled';
      visitId: string;
      /** Undefined once the usager was forgotten. */
      facilityId: string | undefined;
      serviceUserId: string | undefined;
      erased: boolean;
      /** Undefined once the usager was forgotten. */
      current: VisitVersion | undefined;
      corrections: number;
    };

/** One stream per visit; the organisation escaped, so that no two tenants share one. */
export function visitStreamId(organisationId: string, visitId: string): string {
  return `visit/${encodeURIComponent(organisationId)}/${visitId}`;
}

export const visitDecider: Decider<VisitCommand, VisitEvent, Visit> = {
  initialState: () => ({ status: 'none' }),

  decide(command, visit) {
    switch (command.type) {
      case 'RecordVisit': {
        if (visit.status !== 'none') {
          throw new DomainRuleViolation(
            'VISIT_ALREADY_RECORDED',
            'Ce passage est déjà enregistré sous cet identifiant.',
            {
              visitId: command.visitId,
            },
          );
        }
        return { type: 'VisitRecorded', data: recordedData(command) };
      }
      case 'CorrectVisit': {
        const current = requireRecorded(visit, 'corriger');
        const reason = requireReason(command.reason, 'VISIT_CORRECTION_REASON_REQUIRED', 'La correction d’un passage');
        const was = current.current;
        const changes: Omit<VisitCorrected, 'visitId' | 'reason'> = {};
        const changed = (a: unknown, b: unknown) => JSON.stringify(a) !== JSON.stringify(b);
        if (command.occurredOn !== undefined) {
          const occurredOn = requireDay(command.occurredOn, command.today);
          if (occurredOn !== was.occurredOn) changes.occurredOn = occurredOn;
        }
        if (command.occurredAt !== undefined) {
          const occurredAt = requireInstant(command.occurredAt, command.now);
          if (occurredAt !== was.occurredAt) changes.occurredAt = occurredAt;
        }
        if (command.setting !== undefined) {
          const setting = requireSetting(command.setting);
          if (setting !== was.setting) changes.setting = setting;
        }
        if (command.services !== undefined) {
          const services = servicesOf(command.services);
          if (changed(services, was.services)) changes.services = services;
        }
        if (command.supplies !== undefined) {
          const alreadyHandedOut = new Set(was.supplies.map((line) => line.supplyCode));
          const supplies = supplyLinesOf(command.supplies, command.catalogue, alreadyHandedOut);
          if (changed(supplies, was.supplies)) changes.supplies = supplies;
        }
        if (command.syringesCollected !== undefined) {
          const syringesCollected = requireSyringes(command.syringesCollected);
          if (syringesCollected !== was.syringesCollected) changes.syringesCollected = syringesCollected;
        }
        if (command.rapidTests !== undefined) {
          const rapidTests = rapidTestsOf(command.rapidTests);
          if (changed(rapidTests, was.rapidTests)) changes.rapidTests = rapidTests;
        }
        if (command.anonymous !== undefined) {
          if (was.anonymous === undefined) {
            throw new DomainRuleViolation(
              'VISIT_NOT_ANONYMOUS',
              'Ce passage est celui d’un usager identifié : son sexe et son âge sont ceux de son dossier.',
            );
          }
          const anonymous = anonymousTraitsOf(command.anonymous);
          if (changed(anonymous, was.anonymous)) changes.anonymous = anonymous;
        }
        if (Object.keys(changes).length === 0) {
          throw new DomainRuleViolation(
            'VISIT_CORRECTION_CHANGES_NOTHING',
            'Cette correction ne change rien au passage : indiquez ce qui est corrigé.',
          );
        }
        return { type: 'VisitCorrected', data: { visitId: current.visitId, reason, ...changes } };
      }
      case 'CancelVisit': {
        const current = requireRecorded(visit, 'annuler');
        const reason = requireReason(command.reason, 'VISIT_CANCELLATION_REASON_REQUIRED', 'L’annulation d’un passage');
        return { type: 'VisitCancelled', data: { visitId: current.visitId, reason } };
      }
    }
  },

  evolve(visit, event) {
    switch (event.type) {
      case 'VisitRecorded': {
        if ('$erased' in event.data) {
          return {
            status: 'recorded',
            visitId: '',
            facilityId: undefined,
            serviceUserId: undefined,
            erased: true,
            current: undefined,
            corrections: 0,
          };
        }
        const data = event.data;
        return {
          status: 'recorded',
          visitId: data.visitId,
          facilityId: data.facilityId,
          serviceUserId: 'serviceUserId' in data ? data.serviceUserId : undefined,
          erased: false,
          current: versionOf(data),
          corrections: 0,
        };
      }
      case 'VisitCorrected': {
        if (visit.status === 'none') return visit;
        if ('$erased' in event.data || visit.current === undefined) {
          return { ...visit, corrections: visit.corrections + 1 };
        }
        return { ...visit, current: correctedVersion(visit.current, event.data), corrections: visit.corrections + 1 };
      }
      case 'VisitCancelled':
        return visit.status === 'none' ? visit : { ...visit, status: 'cancelled' };
    }
  },
};

/** The version a visit was recorded with. */
export function versionOf(data: VisitRecorded): VisitVersion {
  return {
    occurredOn: data.occurredOn,
    ...(data.occurredAt === undefined ? {} : { occurredAt: data.occurredAt }),
    setting: data.setting,
    services: [...data.services],
    supplies: data.supplies.map((line) => ({ ...line })),
    syringesCollected: data.syringesCollected,
    rapidTests: data.rapidTests.map((test) => ({ ...test })),
    ...('anonymous' in data ? { anonymous: { ...data.anonymous } } : {}),
  };
}

/** A correction laid over a version: each field it carries replaces the version's in whole. */
export function correctedVersion(version: VisitVersion, correction: VisitCorrected): VisitVersion {
  const { visitId: _visitId, reason: _reason, ...fields } = correction;
  const next: VisitVersion = { ...version };
  for (const [key, value] of Object.entries(fields)) {
    if (value !== undefined) (next as unknown as Record<string, unknown>)[key] = value;
  }
  return next;
}

/** The quantities handed out, by supply code, over these versions (the current versions of live visits). */
export function suppliesHandedOut(versions: Iterable<VisitVersion>): Map<string, number> {
  const totals = new Map<string, number>();
  for (const version of versions) {
    for (const line of version.supplies)
      totals.set(line.supplyCode, (totals.get(line.supplyCode) ?? 0) + line.quantity);
  }
  return totals;
}

function recordedData(command: RecordVisit): VisitRecorded {
  const facilityId = command.facilityId.trim();
  if (facilityId.length === 0) {
    throw new DomainRuleViolation('VISIT_FACILITY_REQUIRED', 'Indiquez le CAARUD où le passage a eu lieu.');
  }
  const details = {
    visitId: command.visitId,
    facilityId,
    occurredOn: requireDay(command.occurredOn, command.today),
    ...(command.occurredAt === undefined ? {} : { occurredAt: requireInstant(command.occurredAt, command.now) }),
    setting: requireSetting(command.setting),
    services: servicesOf(command.services ?? []),
    supplies: supplyLinesOf(command.supplies ?? [], command.catalogue, new Set()),
    syringesCollected: requireSyringes(command.syringesCollected ?? 0),
    rapidTests: rapidTestsOf(command.rapidTests ?? []),
  };
  const identified = command.serviceUserId !== undefined;
  if (identified === (command.anonymous !== undefined)) {
    throw new DomainRuleViolation(
      'VISIT_PERSON_REQUIRED',
      'Un passage est celui d’un usager identifié ou un passage anonyme, l’un ou l’autre.',
    );
  }
  if (command.serviceUserId !== undefined) {
    const serviceUserId = command.serviceUserId.trim();
    if (serviceUserId.length === 0) {
      throw new DomainRuleViolation('VISIT_PERSON_REQUIRED', 'Indiquez l’usager du passage.');
    }
    return { ...details, serviceUserId };
  }
  return { ...details, anonymous: anonymousTraitsOf(command.anonymous ?? {}) };
}

/** An unidentified passage: a sex and an age band at most, never a name nor a record id. */
function anonymousTraitsOf(traits: AnonymousTraits): AnonymousTraits {
  const parsed = anonymousTraitsSchema.safeParse(traits);
  if (!parsed.success) {
    throw new DomainRuleViolation(
      'VISIT_ANONYMOUS_IDENTIFIES',
      'Un passage anonyme ne porte ni nom ni dossier : tout au plus le sexe (F, M, X) et une tranche d’âge.',
      { keys: typeof traits === 'object' && traits !== null ? Object.keys(traits) : [] },
    );
  }
  return {
    ...(parsed.data.sex === undefined ? {} : { sex: parsed.data.sex }),
    ...(parsed.data.ageBand === undefined ? {} : { ageBand: parsed.data.ageBand }),
  };
}

function requireSetting(setting: string): VisitSetting {
  if (!(VISIT_SETTINGS as readonly string[]).includes(setting)) {
    throw new DomainRuleViolation('VISIT_SETTING_INVALID', 'Lieu du passage inconnu.', { setting });
  }
  return setting as VisitSetting;
}

/** Each service once, in the order of the list of services (which is the report's). */
function servicesOf(services: readonly string[]): VisitService[] {
  for (const service of services) {
    if (!(VISIT_SERVICES as readonly string[]).includes(service)) {
      throw new DomainRuleViolation('VISIT_SERVICE_INVALID', 'Prestation inconnue.', { service });
    }
  }
  return VISIT_SERVICES.filter((service) => services.includes(service));
}

function supplyLinesOf(
  lines: readonly SupplyLine[],
  catalogue: HarmReductionSupplyCatalogue,
  alreadyHandedOut: ReadonlySet<string>,
): SupplyLine[] {
  if (lines.length > MAX_SUPPLY_LINES) {
    throw new DomainRuleViolation('VISIT_TOO_MANY_SUPPLY_LINES', `Pas plus de ${MAX_SUPPLY_LINES} lignes de matériel.`);
  }
  const seen = new Set<string>();
  return lines.map(({ supplyCode, quantity }) => {
    const entry = catalogue.entries.get(supplyCode);
    if (!entry) {
      throw new DomainRuleViolation('SUPPLY_NOT_FOUND', 'Aucun matériel sous ce code dans le catalogue.', {
        code: supplyCode,
      });
    }
    if (entry.retired && !alreadyHandedOut.has(supplyCode)) {
      throw new DomainRuleViolation(
        'SUPPLY_RETIRED',
        `Le matériel « ${entry.label} » est retiré du catalogue : il n’est plus distribué.`,
        { code: supplyCode },
      );
    }
    if (seen.has(supplyCode)) {
      throw new DomainRuleViolation(
        'VISIT_SUPPLY_TWICE',
        `« ${entry.label} » figure deux fois : indiquez la quantité totale sur une ligne.`,
        { code: supplyCode },
      );
    }
    seen.add(supplyCode);
    if (!Number.isInteger(quantity) || quantity < 1 || quantity > MAX_SUPPLY_QUANTITY) {
      throw new DomainRuleViolation(
        'VISIT_SUPPLY_QUANTITY_INVALID',
        `La quantité de « ${entry.label} » est un nombre entier de 1 à ${MAX_SUPPLY_QUANTITY}.`,
        { code: supplyCode, quantity },
      );
    }
    return { supplyCode, quantity };
  });
}

function requireSyringes(count: number): number {
  if (!Number.isInteger(count) || count < 0 || count > MAX_SYRINGES_COLLECTED) {
    throw new DomainRuleViolation(
      'SYRINGES_COLLECTED_INVALID',
      `Le nombre de seringues récupérées est un nombre entier de 0 à ${MAX_SYRINGES_COLLECTED}.`,
      { syringesCollected: count },
    );
  }
  return count;
}

/** Each test once, in the order of the list of tests. */
function rapidTestsOf(tests: readonly RapidTestDone[]): RapidTestDone[] {
  const byTest = new Map<RapidTest, RapidTestResult>();
  for (const { test, result } of tests) {
    if (
      !(RAPID_TESTS as readonly string[]).includes(test) ||
      !(RAPID_TEST_RESULTS as readonly string[]).includes(result)
    ) {
      throw new DomainRuleViolation('VISIT_RAPID_TEST_INVALID', 'TROD ou résultat inconnu.', { test, result });
    }
    if (byTest.has(test)) {
      throw new DomainRuleViolation(
        'VISIT_RAPID_TEST_TWICE',
        `Le ${RAPID_TEST_LABELS[test]} figure deux fois pour ce passage.`,
        { test },
      );
    }
    byTest.set(test, result);
  }
  return RAPID_TESTS.filter((test) => byTest.has(test)).map((test) => ({ test, result: byTest.get(test)! }));
}

function requireDay(occurredOn: string, today: string): string {
  if (!day.safeParse(occurredOn).success) {
    throw new DomainRuleViolation('VISIT_DAY_INVALID', 'Jour du passage invalide (AAAA-MM-JJ attendu).');
  }
  if (occurredOn > today) {
    throw new DomainRuleViolation(
      'VISIT_IN_FUTURE',
      'Un passage s’enregistre une fois qu’il a eu lieu : il ne peut pas être daté dans le futur.',
      { occurredOn, today },
    );
  }
  return occurredOn;
}

function requireInstant(occurredAt: string, now: string): string {
  if (!instant.safeParse(occurredAt).success) {
    throw new DomainRuleViolation(
      'VISIT_TIME_INVALID',
      'Heure du passage invalide (date et heure ISO 8601 attendues).',
    );
  }
  if (Date.parse(occurredAt) > Date.parse(now) + FUTURE_TOLERANCE_MS) {
    throw new DomainRuleViolation(
      'VISIT_IN_FUTURE',
      'Un passage s’enregistre une fois qu’il a eu lieu : il ne peut pas être daté dans le futur.',
      { occurredAt },
    );
  }
  return occurredAt;
}

function requireReason(text: string, code: string, what: string): string {
  const reason = text.trim();
  if (reason.length === 0 || reason.length > MAX_REASON_LENGTH) {
    throw new DomainRuleViolation(code, `${what} doit être motivée (${MAX_REASON_LENGTH} caractères au plus).`);
  }
  return reason;
}

function requireRecorded(visit: Visit, verb: string) {
  if (visit.status === 'none') {
    throw new DomainRuleViolation('VISIT_NOT_FOUND', `Aucun passage à ${verb} sous cet identifiant.`);
  }
  if (visit.status === 'cancelled') {
    throw new DomainRuleViolation('VISIT_CANCELLED', `Ce passage a été annulé : impossible de le ${verb}.`);
  }
  if (visit.current === undefined) {
    throw new DomainRuleViolation('VISIT_ERASED', 'Ce passage concerne une personne oubliée.');
  }
  return { ...visit, current: visit.current };
}
