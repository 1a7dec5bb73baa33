import { z } from 'zod';
import type { Decider } from '../decider.js';
import { DomainRuleViolation } from '../errors.js';
import { PersistentMap } from '../persistent-map.js';
import {
  type CollectionFacts,
  type ContainerFacts,
  rollingMonthlyAverageKg,
  TRACKING_SLIP_REQUIRED_ABOVE_MONTHLY_KG,
} from './storage-limit.js';

/**
 * The DASRI (infectious healthcare waste) of one ESSMS (arrêté du 7 septembre 1999): the containers
 * it fills (started, closed, with their kind, volume and weight when known), their collections by a
 * licensed collector (date, weight, containers, tracking slip) and the return of each signed slip.
 *
 * Decisions taken here:
 * - One stream per ESSMS (`infectiousWasteStreamId`), not per ESSMS and year: the rules span the
 *   turn of a year (a container started in December and collected in January, the 12-month
 *   rolling average, a December slip returned in January), and the stream stays short (tens of
 *   events a year for a CSAPA or a CAARUD), so no yearly opening balance is needed.
 * - A container must be closed before it is collected (it leaves closed), and each container is
 *   collected once. The collector's weight is the collection's: it is not checked against the
 *   containers' own weights, often unknown.
 * - The tracking slip (CERFA 11351) is required when the production, the 12-month rolling average
 *   counting this collection, is above 5 kg a month; below, a slip may still be recorded, and is
 *   then watched like any other. Its number is unique in the ESSMS.
 * - Instants are normalised to UTC (`toISOString`) so that the read model sorts them as text.
 * - No usager appears here: the events are not encrypted, and nothing is ever erased.
 */
const id = z.string().min(1).max(200);
const instant = z.iso.datetime({ offset: true });
export const MAX_CONTAINER_VOLUME_LITRES = 1_000;
export const MAX_CONTAINER_WEIGHT_KG = 1_000;
export const MAX_COLLECTION_WEIGHT_KG = 100_000;
export const MAX_CONTAINERS_PER_COLLECTION = 500;
const MAX_COLLECTOR_LENGTH = 200;
const MAX_SLIP_NUMBER_LENGTH = 100;

/** Packagings for DASRI (NF X 30-500, 30-505, 30-507). */
export const wasteContainerKinds = ['sharps-box', 'lined-box', 'rigid-drum', 'other'] as const;
export const wasteContainerKindSchema = z.enum(wasteContainerKinds);
export type WasteContainerKind = z.infer<typeof wasteContainerKindSchema>;
export const WASTE_CONTAINER_KIND_LABELS: Readonly<Record<WasteContainerKind, string>> = {
  'sharps-box': 'collecteur pour objets piquants, coupants, tranchants',
  'lined-box': 'caisse en carton avec sac intérieur',
  'rigid-drum': 'fût ou jerrican en plastique',
  other: 'autre emballage',
};

export const infectiousWasteContainerStartedSchema = z.object({
  facilityId: id,
  containerId: z.uuid(),
  kind: wasteContainerKindSchema,
  volumeLitres: z.number().positive().max(MAX_CONTAINER_VOLUME_LITRES),
  startedAt: instant,
});
export const infectiousWasteContainerClosedSchema = z.object({
  facilityId: id,
  containerId: z.uuid(),
  closedAt: instant,
  weightKg: z.number().positive().max(MAX_CONTAINER_WEIGHT_KG).optional(),
});
export const infectiousWasteCollectedSchema = z.object({
  facilityId: id,
  collectionId: z.uuid(),
  collectedAt: instant,
  weightKg: z.number().positive().max(MAX_COLLECTION_WEIGHT_KG),
  containerIds: z.array(z.uuid()).min(1).max(MAX_CONTAINERS_PER_COLLECTION),
  collector: z.string().min(1).max(MAX_COLLECTOR_LENGTH),
  trackingSlipNumber: z.string().min(1).max(MAX_SLIP_NUMBER_LENGTH).optional(),
});
export const trackingSlipReturnedSchema = z.object({
  facilityId: id,
  collectionId: z.uuid(),
  trackingSlipNumber: z.string().min(1).max(MAX_SLIP_NUMBER_LENGTH),
  returnedAt: instant,
});

export type InfectiousWasteContainerStarted = z.infer<typeof infectiousWasteContainerStartedSchema>;
export type InfectiousWasteContainerClosed = z.infer<typeof infectiousWasteContainerClosedSchema>;
export type InfectiousWasteCollected = z.infer<typeof infectiousWasteCollectedSchema>;
export type TrackingSlipReturned = z.infer<typeof trackingSlipReturnedSchema>;

export type InfectiousWasteEvent =
  | { type: 'InfectiousWasteContainerStarted'; data: InfectiousWasteContainerStarted }
  | { type: 'InfectiousWasteContainerClosed'; data: InfectiousWasteContainerClosed }
  | { type: 'InfectiousWasteCollected'; data: InfectiousWasteCollected }
  | { type: 'TrackingSlipReturned'; data: TrackingSlipReturned };

export type InfectiousWasteEventType = InfectiousWasteEvent['type'];

export const infectiousWasteEventSchemas = {
  InfectiousWasteContainerStarted: infectiousWasteContainerStartedSchema,
  InfectiousWasteContainerClosed: infectiousWasteContainerClosedSchema,
  InfectiousWasteCollected: infectiousWasteCollectedSchema,
  TrackingSlipReturned: trackingSlipReturnedSchema,
} as const;

export type InfectiousWasteCommand =
  | ({ type: 'StartWasteContainer' } & InfectiousWasteContainerStarted)
  | ({ type: 'CloseWasteContainer' } & InfectiousWasteContainerClosed)
  | ({ type: 'RecordInfectiousWasteCollection' } & InfectiousWasteCollected)
  | { type: 'RecordTrackingSlipReturn'; facilityId: string; collectionId: string; returnedAt: string };

export interface WasteContainer extends ContainerFacts {
  kind: WasteContainerKind;
  volumeLitres: number;
  closedAt: string | undefined;
  weightKg: number | undefined;
}

export interface WasteCollection extends CollectionFacts {
  containerIds: readonly string[];
  collector: string;
}

/** The DASRI of one ESSMS, as its decisions need them. */
export interface InfectiousWasteLedger {
  /** Undefined before its first event. */
  facilityId: string | undefined;
  /** When the ESSMS started its first container: where its production is measured from. */
  activeSince: string | undefined;
  /** Persistent maps: an ESSMS's stream holds every container of years, and each event changes one or a few. */
  containers: PersistentMap<string, WasteContainer>;
  collections: PersistentMap<string, WasteCollection>;
}

/** One stream per ESSMS; the organisation and the ESSMS escaped, so that no two share one. */
export function infectiousWasteStreamId(organisationId: string, facilityId: string): string {
  return `infectious-waste/${encodeURIComponent(organisationId)}/${encodeURIComponent(facilityId)}`;
}

export const infectiousWasteDecider: Decider<InfectiousWasteCommand, InfectiousWasteEvent, InfectiousWasteLedger> = {
  initialState: () => ({
    facilityId: undefined,
    activeSince: undefined,
    containers: PersistentMap.empty(),
    collections: PersistentMap.empty(),
  }),

  decide(command, ledger) {
    if (ledger.facilityId !== undefined && command.facilityId !== ledger.facilityId) {
      throw new DomainRuleViolation('FACILITY_MISMATCH', 'Ces DASRI relèvent d’un autre ESSMS.', {
        facilityId: command.facilityId,
      });
    }
    switch (command.type) {
      case 'StartWasteContainer': {
        if (ledger.containers.has(command.containerId)) {
          throw new DomainRuleViolation('CONTAINER_ALREADY_STARTED', 'Ce conteneur est déjà enregistré.', {
            containerId: command.containerId,
          });
        }
        if (!Number.isFinite(command.volumeLitres) || command.volumeLitres <= 0) {
          throw new DomainRuleViolation(
            'VOLUME_NOT_POSITIVE',
            'Le volume du conteneur doit être supérieur à 0 litre.',
            {
              volumeLitres: command.volumeLitres,
            },
          );
        }
        requireAtMost(command.volumeLitres, MAX_CONTAINER_VOLUME_LITRES, 'VOLUME_TOO_LARGE', 'litres');
        return {
          type: 'InfectiousWasteContainerStarted',
          data: {
            facilityId: command.facilityId,
            containerId: command.containerId,
            kind: command.kind,
            volumeLitres: command.volumeLitres,
            startedAt: utc(command.startedAt, 'startedAt'),
          },
        };
      }
      case 'CloseWasteContainer': {
        const container = existingContainer(ledger, command.containerId);
        if (container.closedAt !== undefined) {
          throw new DomainRuleViolation('CONTAINER_ALREADY_CLOSED', 'Ce conteneur est déjà fermé.', {
            containerId: command.containerId,
            closedAt: container.closedAt,
          });
        }
        const closedAt = utc(command.closedAt, 'closedAt');
        if (closedAt < container.startedAt) {
          throw new DomainRuleViolation(
            'CLOSED_BEFORE_STARTED',
            'La fermeture d’un conteneur ne peut pas précéder sa mise en service.',
            { startedAt: container.startedAt, closedAt },
          );
        }
        if (command.weightKg !== undefined) {
          requirePositiveWeight(command.weightKg);
          requireAtMost(command.weightKg, MAX_CONTAINER_WEIGHT_KG, 'WEIGHT_TOO_LARGE', 'kg');
        }
        return {
          type: 'InfectiousWasteContainerClosed',
          data: {
            facilityId: command.facilityId,
            containerId: command.containerId,
            closedAt,
            ...(command.weightKg === undefined ? {} : { weightKg: command.weightKg }),
          },
        };
      }
      case 'RecordInfectiousWasteCollection': {
        if (ledger.collections.has(command.collectionId)) {
          throw new DomainRuleViolation('COLLECTION_ALREADY_RECORDED', 'Cette collecte est déjà enregistrée.', {
            collectionId: command.collectionId,
          });
        }
        const collectedAt = utc(command.collectedAt, 'collectedAt');
        requirePositiveWeight(command.weightKg);
        requireAtMost(command.weightKg, MAX_COLLECTION_WEIGHT_KG, 'WEIGHT_TOO_LARGE', 'kg');
        const collector = command.collector.trim();
        if (collector.length === 0) {
          throw new DomainRuleViolation('COLLECTOR_REQUIRED', 'Indiquez le prestataire qui a collecté les DASRI.');
        }
        if (collector.length > MAX_COLLECTOR_LENGTH) {
          throw new DomainRuleViolation(
            'TEXT_TOO_LONG',
            `Le nom du prestataire dépasse ${MAX_COLLECTOR_LENGTH} caractères.`,
            {
              maxLength: MAX_COLLECTOR_LENGTH,
            },
          );
        }
        requireCollectable(ledger, command.containerIds, collectedAt);
        const trackingSlipNumber = command.trackingSlipNumber?.trim() || undefined;
        if (trackingSlipNumber !== undefined) {
          if (trackingSlipNumber.length > MAX_SLIP_NUMBER_LENGTH) {
            throw new DomainRuleViolation(
              'TEXT_TOO_LONG',
              `Le numéro de bordereau dépasse ${MAX_SLIP_NUMBER_LENGTH} caractères.`,
              { maxLength: MAX_SLIP_NUMBER_LENGTH },
            );
          }
          for (const collection of ledger.collections.values()) {
            if (collection.trackingSlipNumber === trackingSlipNumber) {
              throw new DomainRuleViolation(
                'TRACKING_SLIP_NUMBER_ALREADY_USED',
                'Ce numéro de bordereau de suivi est déjà celui d’une autre collecte.',
                { trackingSlipNumber, collectionId: collection.collectionId },
              );
            }
          }
        } else {
          const average = rollingMonthlyAverageKg(
            {
              activeSince: ledger.activeSince,
              collections: [
                ...ledger.collections.values(),
                {
                  collectionId: command.collectionId,
                  collectedAt,
                  weightKg: command.weightKg,
                  trackingSlipNumber,
                  slipReturnedAt: undefined,
                },
              ],
            },
            collectedAt,
          );
          if (average > TRACKING_SLIP_REQUIRED_ABOVE_MONTHLY_KG) {
            throw new DomainRuleViolation(
              'TRACKING_SLIP_REQUIRED',
              `Au-delà de ${TRACKING_SLIP_REQUIRED_ABOVE_MONTHLY_KG} kg de DASRI par mois, chaque collecte est accompagnée d’un bordereau de suivi (CERFA 11351) : indiquez son numéro.`,
              { rollingMonthlyAverageKg: average },
            );
          }
        }
        return {
          type: 'InfectiousWasteCollected',
          data: {
            facilityId: command.facilityId,
            collectionId: command.collectionId,
            collectedAt,
            weightKg: command.weightKg,
            containerIds: [...command.containerIds],
            collector,
            ...(trackingSlipNumber === undefined ? {} : { trackingSlipNumber }),
          },
        };
      }
      case 'RecordTrackingSlipReturn': {
        const collection = ledger.collections.get(command.collectionId);
        if (collection === undefined) {
          throw new DomainRuleViolation('COLLECTION_NOT_FOUND', 'Aucune collecte de DASRI sous cet identifiant.', {
            collectionId: command.collectionId,
          });
        }
        if (collection.trackingSlipNumber === undefined) {
          throw new DomainRuleViolation(
            'NO_TRACKING_SLIP',
            'Cette collecte a été enregistrée sans bordereau de suivi : aucun retour à enregistrer.',
            { collectionId: command.collectionId },
          );
        }
        if (collection.slipReturnedAt !== undefined) {
          throw new DomainRuleViolation(
            'TRACKING_SLIP_ALREADY_RETURNED',
            'Le retour de ce bordereau de suivi est déjà enregistré.',
            { collectionId: command.collectionId, returnedAt: collection.slipReturnedAt },
          );
        }
        const returnedAt = utc(command.returnedAt, 'returnedAt');
        if (returnedAt < collection.collectedAt) {
          throw new DomainRuleViolation(
            'SLIP_RETURNED_BEFORE_COLLECTION',
            'Le bordereau signé ne peut pas revenir avant la collecte.',
            { collectedAt: collection.collectedAt, returnedAt },
          );
        }
        return {
          type: 'TrackingSlipReturned',
          data: {
            facilityId: command.facilityId,
            collectionId: command.collectionId,
            trackingSlipNumber: collection.trackingSlipNumber,
            returnedAt,
          },
        };
      }
    }
  },

  evolve(ledger, event) {
    switch (event.type) {
      case 'InfectiousWasteContainerStarted': {
        const { facilityId, containerId, kind, volumeLitres, startedAt } = event.data;
        const containers = ledger.containers.with(containerId, {
          containerId,
          kind,
          volumeLitres,
          startedAt,
          closedAt: undefined,
          weightKg: undefined,
          collectionId: undefined,
        });
        const activeSince =
          ledger.activeSince === undefined || startedAt < ledger.activeSince ? startedAt : ledger.activeSince;
        return { ...ledger, facilityId, activeSince, containers };
      }
      case 'InfectiousWasteContainerClosed': {
        const container = ledger.containers.get(event.data.containerId);
        if (container === undefined) return ledger;
        const containers = ledger.containers.with(container.containerId, {
          ...container,
          closedAt: event.data.closedAt,
          weightKg: event.data.weightKg,
        });
        return { ...ledger, containers };
      }
      case 'InfectiousWasteCollected': {
        const { collectionId, collectedAt, weightKg, containerIds, collector, trackingSlipNumber } = event.data;
        let containers = ledger.containers;
        for (const containerId of containerIds) {
          const container = containers.get(containerId);
          if (container !== undefined) containers = containers.with(containerId, { ...container, collectionId });
        }
        const collections = ledger.collections.with(collectionId, {
          collectionId,
          collectedAt,
          weightKg,
          containerIds: [...containerIds],
          collector,
          trackingSlipNumber,
          slipReturnedAt: undefined,
        });
        return { ...ledger, containers, collections };
      }
      case 'TrackingSlipReturned': {
        const collection = ledger.collections.get(event.data.collectionId);
        if (collection === undefined) return ledger;
        const collections = ledger.collections.with(collection.collectionId, {
          ...collection,
          slipReturnedAt: event.data.returnedAt,
        });
        return { ...ledger, collections };
      }
    }
  },
};

function existingContainer(ledger: InfectiousWasteLedger, containerId: string): WasteContainer {
  const container = ledger.containers.get(containerId);
  if (container === undefined) {
    throw new DomainRuleViolation(
      'CONTAINER_NOT_FOUND',
      'Aucun conteneur de DASRI sous cet identifiant dans cet ESSMS.',
      {
        containerId,
      },
    );
  }
  return container;
}

/** Containers that exist, are closed no later than the collection, and have not left yet; each once. */
function requireCollectable(ledger: InfectiousWasteLedger, containerIds: readonly string[], collectedAt: string): void {
  if (containerIds.length === 0) {
    throw new DomainRuleViolation('COLLECTION_WITHOUT_CONTAINERS', 'Une collecte emporte au moins un conteneur.');
  }
  if (containerIds.length > MAX_CONTAINERS_PER_COLLECTION) {
    throw new DomainRuleViolation(
      'TOO_MANY_CONTAINERS',
      `Pas plus de ${MAX_CONTAINERS_PER_COLLECTION} conteneurs par collecte.`,
      { max: MAX_CONTAINERS_PER_COLLECTION },
    );
  }
  const seen = new Set<string>();
  for (const containerId of containerIds) {
    if (seen.has(containerId)) {
      throw new DomainRuleViolation('CONTAINER_LISTED_TWICE', 'Un conteneur figure deux fois dans la collecte.', {
        containerId,
      });
    }
    seen.add(containerId);
    const container = existingContainer(ledger, containerId);
    if (container.collectionId !== undefined) {
      throw new DomainRuleViolation('CONTAINER_ALREADY_COLLECTED', 'Ce conteneur a déjà été collecté.', {
        containerId,
        collectionId: container.collectionId,
      });
    }
    if (container.closedAt === undefined) {
      throw new DomainRuleViolation(
        'CONTAINER_NOT_CLOSED',
        'Un conteneur de DASRI est fermé définitivement avant d’être collecté.',
        { containerId },
      );
    }
    if (collectedAt < container.closedAt) {
      throw new DomainRuleViolation(
        'COLLECTED_BEFORE_CLOSING',
        'La collecte ne peut pas précéder la fermeture du conteneur.',
        { containerId, closedAt: container.closedAt, collectedAt },
      );
    }
  }
}

function requirePositiveWeight(weightKg: number): void {
  if (!Number.isFinite(weightKg) || weightKg <= 0) {
    throw new DomainRuleViolation('WEIGHT_NOT_POSITIVE', 'Le poids doit être supérieur à 0 kg.', { weightKg });
  }
}

function requireAtMost(value: number, max: number, code: string, unit: string): void {
  if (value > max) {
    throw new DomainRuleViolation(code, `La valeur dépasse le maximum admis (${max} ${unit}).`, { value, max });
  }
}

/** The instant in UTC (`…Z`), so that instants compare and sort as text. */
function utc(value: string, field: string): string {
  if (!instant.safeParse(value).success) {
    throw new DomainRuleViolation('INVALID_INSTANT', `Date et heure invalides (ISO 8601 attendu) : ${field}.`, {
      field,
      value,
    });
  }
  return new Date(value).toISOString();
}
