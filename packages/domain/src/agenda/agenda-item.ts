import { z } from 'zod';
import type { Decider } from '../decider.js';
import { DomainRuleViolation } from '../errors.js';
import { type AgendaOwner, agendaOwnerSchema } from './agenda-owner.js';

/**
 * An item put into someone's agenda (élément d’agenda): into a professional's (a meeting, a
 * hearing, a call to make about a usager) or into a usager's (their court date, their CAF
 * appointment, a reminder staff put there for them). It is not a planned event of the ESSMS: it has
 * no participants, no presences; it is one person's note of a time.
 *
 * Decisions taken here:
 * - One stream per item (`agendaItemStreamId`). A usager's item is theirs: the shell encrypts it
 *   with their key. A professional's item may name the usager it is about (`serviceUserId`), and
 *   is then encrypted with that usager's key.
 * - An item ends after it starts, and lasts at most 14 days; it may be put in the past (a
 *   professional notes what took their afternoon).
 * - An item is cancelled once, with an optional reason; it stays, marked cancelled, so that an ICS
 *   client that already had it hears it is off.
 */
export const MAX_AGENDA_ITEM_HOURS = 14 * 24;
const MAX_TITLE_LENGTH = 200;
const MAX_PLACE_LENGTH = 200;
const MAX_NOTE_LENGTH = 2_000;
const MAX_REASON_LENGTH = 1_000;
const id = z.string().min(1).max(200);
const instant = z.iso.datetime({ offset: true });

export const agendaItemAddedSchema = z.object({
  itemId: z.uuid(),
  owner: agendaOwnerSchema,
  facilityId: id,
  title: z.string().min(1).max(MAX_TITLE_LENGTH),
  startsAt: instant,
  endsAt: instant,
  place: z.string().min(1).max(MAX_PLACE_LENGTH).optional(),
  note: z.string().min(1).max(MAX_NOTE_LENGTH).optional(),
  /** The usager a professional's item is about. */
  serviceUserId: id.optional(),
  addedBy: id,
});
export const agendaItemCancelledSchema = z.object({
  itemId: z.uuid(),
  reason: z.string().min(1).max(MAX_REASON_LENGTH).optional(),
});

export type AgendaItemAdded = z.infer<typeof agendaItemAddedSchema>;
export type AgendaItemCancelled = z.infer<typeof agendaItemCancelledSchema>;

/** The data of a forgotten usager's events, as the store hands them back. */
export interface ErasedAgendaItemData {
  $erased: true;
}

export type AgendaItemEvent =
  | { type: 'AgendaItemAdded'; data: AgendaItemAdded | ErasedAgendaItemData }
  | { type: 'AgendaItemCancelled'; data: AgendaItemCancelled | ErasedAgendaItemData };

export type AgendaItemEventType = AgendaItemEvent['type'];

export const agendaItemEventSchemas = {
  AgendaItemAdded: agendaItemAddedSchema,
  AgendaItemCancelled: agendaItemCancelledSchema,
} as const;

export type AgendaItemCommand =
  | ({ type: 'AddAgendaItem' } & AgendaItemAdded)
  | { type: 'CancelAgendaItem'; reason?: string };

export type AgendaItem =
  | { status: 'none' }
  | { status: 'erased' }
  | {
      status: 'active' | 'cancelled';
      itemId: string;
      owner: AgendaOwner;
      facilityId: string;
      serviceUserId: string | undefined;
      addedBy: string;
    };

/** One stream per item; the organisation escaped, so that no two tenants share one. */
export function agendaItemStreamId(organisationId: string, itemId: string): string {
  return `agenda-item/${encodeURIComponent(organisationId)}/${itemId}`;
}

/** Whose key encrypts the item: its usager owner's, or the usager a professional's item is about. */
export function agendaItemSubject(item: {
  owner: AgendaOwner;
  serviceUserId?: string | undefined;
}): string | undefined {
  return item.owner.kind === 'usager' ? item.owner.serviceUserId : item.serviceUserId;
}

export const agendaItemDecider: Decider<AgendaItemCommand, AgendaItemEvent, AgendaItem> = {
  initialState: () => ({ status: 'none' }),

  decide(command, item) {
    switch (command.type) {
      case 'AddAgendaItem': {
        if (item.status !== 'none') {
          throw new DomainRuleViolation(
            'AGENDA_ITEM_ALREADY_ADDED',
            'Un élément d’agenda existe déjà sous cet identifiant.',
          );
        }
        const title = command.title.trim();
        if (title === '' || title.length > MAX_TITLE_LENGTH) {
          throw new DomainRuleViolation(
            'AGENDA_ITEM_TITLE_REQUIRED',
            `L’intitulé est obligatoire (${MAX_TITLE_LENGTH} caractères au plus).`,
          );
        }
        if (!instant.safeParse(command.startsAt).success || !instant.safeParse(command.endsAt).success) {
          throw new DomainRuleViolation(
            'AGENDA_ITEM_TIME_INVALID',
            'Heure de début ou de fin invalide (ISO 8601 avec fuseau attendu).',
          );
        }
        const duration = Date.parse(command.endsAt) - Date.parse(command.startsAt);
        if (duration <= 0) {
          throw new DomainRuleViolation(
            'AGENDA_ITEM_ENDS_BEFORE_START',
            'Un élément d’agenda finit après avoir commencé.',
          );
        }
        if (duration > MAX_AGENDA_ITEM_HOURS * 3_600_000) {
          throw new DomainRuleViolation(
            'AGENDA_ITEM_TOO_LONG',
            `Un élément d’agenda dure au plus ${MAX_AGENDA_ITEM_HOURS / 24} jours.`,
          );
        }
        if (command.owner.kind === 'usager' && command.serviceUserId !== undefined) {
          throw new DomainRuleViolation(
            'AGENDA_ITEM_ABOUT_ONLY_FOR_PROFESSIONAL',
            'L’agenda d’un usager ne parle que de lui : seul l’élément d’agenda d’un professionnel nomme un usager.',
          );
        }
        const place = optional(command.place, MAX_PLACE_LENGTH, 'Le lieu');
        const note = optional(command.note, MAX_NOTE_LENGTH, 'La note');
        return {
          type: 'AgendaItemAdded',
          data: {
            itemId: command.itemId,
            owner: command.owner,
            facilityId: command.facilityId,
            title,
            startsAt: command.startsAt,
            endsAt: command.endsAt,
            ...(place ? { place } : {}),
            ...(note ? { note } : {}),
            ...(command.serviceUserId === undefined ? {} : { serviceUserId: command.serviceUserId }),
            addedBy: command.addedBy,
          },
        };
      }
      case 'CancelAgendaItem': {
        if (item.status === 'none') {
          throw new DomainRuleViolation('AGENDA_ITEM_NOT_FOUND', 'Aucun élément d’agenda sous cet identifiant.');
        }
        if (item.status === 'erased') {
          throw new DomainRuleViolation('AGENDA_ITEM_ERASED', 'Cet élément d’agenda concerne une personne oubliée.');
        }
        if (item.status === 'cancelled') {
          throw new DomainRuleViolation('AGENDA_ITEM_CANCELLED', 'Cet élément d’agenda est déjà annulé.');
        }
        const reason = optional(command.reason, MAX_REASON_LENGTH, 'Le motif');
        return { type: 'AgendaItemCancelled', data: { itemId: item.itemId, ...(reason ? { reason } : {}) } };
      }
    }
  },

  evolve(item, event) {
    switch (event.type) {
      case 'AgendaItemAdded':
        if ('$erased' in event.data) return { status: 'erased' };
        return {
          status: 'active',
          itemId: event.data.itemId,
          owner: event.data.owner,
          facilityId: event.data.facilityId,
          serviceUserId: event.data.serviceUserId,
          addedBy: event.data.addedBy,
        };
      case 'AgendaItemCancelled':
        return item.status === 'active' ? { ...item, status: 'cancelled' } : item;
    }
  },
};

function optional(text: string | undefined, max: number, what: string): string | undefined {
  const trimmed = text?.trim();
  if (trimmed !== undefined && trimmed.length > max) {
    throw new DomainRuleViolation('AGENDA_ITEM_TEXT_TOO_LONG', `${what} dépasse ${max} caractères.`, { max });
  }
  return trimmed === '' ? undefined : trimmed;
}
