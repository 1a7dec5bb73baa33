import { z } from 'zod';
import type { Decider } from '../decider.js';
import { DomainRuleViolation } from '../errors.js';
import { MAX_SYRINGES_COLLECTED } from './visit.js';

/**
 * Used syringes a CAARUD collects back outside any passage (`SyringesCollected`): a collection box
 * or automaton emptied, the returns of a partner pharmacy, a pick-up in a public space. Syringes
 * brought back during a passage are counted on the visit itself. The ASA-CAARUD report adds both.
 *
 * Decisions taken here:
 * - One stream per collection (`syringeCollectionStreamId`); it names no usager, so it is never
 *   encrypted nor erased.
 * - Never edited: a collection entered in error is cancelled with a reason, then entered again.
 * - Its day is not in the future: the command brings `today`.
 */
export const SYRINGE_COLLECTION_SOURCES = ['collectionBox', 'partnerPharmacy', 'publicSpace', 'other'] as const;
export type SyringeCollectionSource = (typeof SYRINGE_COLLECTION_SOURCES)[number];
export const SYRINGE_COLLECTION_SOURCE_LABELS: Readonly<Record<SyringeCollectionSource, string>> = {
  collectionBox: 'Borne ou boîte de collecte',
  partnerPharmacy: 'Pharmacie partenaire',
  publicSpace: 'Ramassage dans l’espace public',
  other: 'Autre',
};
const MAX_REASON_LENGTH = 1_000;
const day = z.iso.date();

export const syringesCollectedSchema = z.strictObject({
  collectionId: z.uuid(),
  facilityId: z.string().min(1).max(200),
  collectedOn: day,
  source: z.enum(SYRINGE_COLLECTION_SOURCES),
  quantity: z.int().min(1).max(MAX_SYRINGES_COLLECTED),
});
export const syringeCollectionCancelledSchema = z.strictObject({
  collectionId: z.uuid(),
  reason: z.string().min(1).max(MAX_REASON_LENGTH),
});
export type SyringesCollected = z.infer<typeof syringesCollectedSchema>;
export type SyringeCollectionCancelled = z.infer<typeof syringeCollectionCancelledSchema>;

export type SyringeCollectionEvent =
  | { type: 'SyringesCollected'; data: SyringesCollected }
  | { type: 'SyringeCollectionCancelled'; data: SyringeCollectionCancelled };
export type SyringeCollectionEventType = SyringeCollectionEvent['type'];

export const syringeCollectionEventSchemas = {
  SyringesCollected: syringesCollectedSchema,
  SyringeCollectionCancelled: syringeCollectionCancelledSchema,
} as const;

export type SyringeCollectionCommand =
  | ({ type: 'RecordSyringeCollection'; today: string } & SyringesCollected)
  | { type: 'CancelSyringeCollection'; reason: string };

export type SyringeCollection =
  | { status: 'none' }
  | { status: 'recorded' | 'cancelled'; collection: SyringesCollected };

export function syringeCollectionStreamId(organisationId: string, collectionId: string): string {
  return `syringe-collection/${encodeURIComponent(organisationId)}/${collectionId}`;
}

export const syringeCollectionDecider: Decider<SyringeCollectionCommand, SyringeCollectionEvent, SyringeCollection> = {
  initialState: () => ({ status: 'none' }),

  decide(command, state) {
    switch (command.type) {
      case 'RecordSyringeCollection': {
        if (state.status !== 'none') {
          throw new DomainRuleViolation(
            'SYRINGE_COLLECTION_ALREADY_RECORDED',
            'Cette collecte est déjà enregistrée sous cet identifiant.',
          );
        }
        const { type: _type, today, ...collection } = command;
        if (!day.safeParse(collection.collectedOn).success) {
          throw new DomainRuleViolation('SYRINGE_COLLECTION_DAY_INVALID', 'Jour de la collecte invalide (AAAA-MM-JJ).');
        }
        if (collection.collectedOn > today) {
          throw new DomainRuleViolation(
            'SYRINGE_COLLECTION_IN_FUTURE',
            'Une collecte ne peut pas être datée dans le futur.',
            {
              collectedOn: collection.collectedOn,
            },
          );
        }
        if (!(SYRINGE_COLLECTION_SOURCES as readonly string[]).includes(collection.source)) {
          throw new DomainRuleViolation('SYRINGE_COLLECTION_SOURCE_INVALID', 'Origine de la collecte inconnue.');
        }
        const { quantity } = collection;
        if (!Number.isInteger(quantity) || quantity < 1 || quantity > MAX_SYRINGES_COLLECTED) {
          throw new DomainRuleViolation(
            'SYRINGES_COLLECTED_INVALID',
            `Le nombre de seringues récupérées est un nombre entier de 1 à ${MAX_SYRINGES_COLLECTED}.`,
            { quantity },
          );
        }
        if (collection.facilityId.trim().length === 0) {
          throw new DomainRuleViolation('SYRINGE_COLLECTION_FACILITY_REQUIRED', 'Indiquez le CAARUD de la collecte.');
        }
        return {
          type: 'SyringesCollected',
          data: {
            collectionId: collection.collectionId,
            facilityId: collection.facilityId.trim(),
            collectedOn: collection.collectedOn,
            source: collection.source,
            quantity,
          },
        };
      }
      case 'CancelSyringeCollection': {
        if (state.status === 'none') {
          throw new DomainRuleViolation('SYRINGE_COLLECTION_NOT_FOUND', 'Aucune collecte sous cet identifiant.');
        }
        if (state.status === 'cancelled') {
          throw new DomainRuleViolation('SYRINGE_COLLECTION_CANCELLED', 'Cette collecte est déjà annulée.');
        }
        const reason = command.reason.trim();
        if (reason.length === 0 || reason.length > MAX_REASON_LENGTH) {
          throw new DomainRuleViolation(
            'SYRINGE_COLLECTION_CANCELLATION_REASON_REQUIRED',
            'L’annulation d’une collecte doit être motivée (1 000 caractères au plus).',
          );
        }
        return {
          type: 'SyringeCollectionCancelled',
          data: { collectionId: state.collection.collectionId, reason },
        };
      }
    }
  },

  evolve(state, event) {
    switch (event.type) {
      case 'SyringesCollected':
        return { status: 'recorded', collection: event.data };
      case 'SyringeCollectionCancelled':
        return state.status === 'none' ? state : { ...state, status: 'cancelled' };
    }
  },
};
