import { z } from 'zod';
import type { Decider } from '../decider.js';
import { DomainRuleViolation } from '../errors.js';
import { type AgendaOwner, agendaOwnerSchema, sameAgendaOwner } from './agenda-owner.js';

/**
 * An information (information à un professionnel, information à l’usager): a short message sent to
 * a professional (« Mme X a appelé, elle rappellera », optionally about a usager) or to a usager
 * (« Votre rendez-vous CAF est confirmé »), read or unread by its recipient.
 *
 * Decisions taken here:
 * - One stream per information (`informationStreamId`). The usager it is sent to, or the usager a
 *   professional's information is about, owns its data: the shell encrypts it with their key.
 * - It is not a transmission (`Handover`): a transmission passes care between professionals and
 *   carries a sensitivity class; an information is practical coordination, administrative, and
 *   clinical content does not belong in it.
 * - Only its recipient marks it read or unread. Marking it as it already is records nothing: two
 *   tabs open on the same inbox do not fill the log.
 * - Once sent it is never amended: a correction is another information.
 */
const MAX_SUBJECT_LENGTH = 200;
const MAX_TEXT_LENGTH = 5_000;
const id = z.string().min(1).max(200);

export const informationSentSchema = z.object({
  informationId: z.uuid(),
  recipient: agendaOwnerSchema,
  facilityId: id,
  senderId: id,
  subject: z.string().min(1).max(MAX_SUBJECT_LENGTH),
  text: z.string().min(1).max(MAX_TEXT_LENGTH),
  /** The usager a professional's information is about. */
  serviceUserId: id.optional(),
  sentAt: z.iso.datetime({ offset: true }),
});
export const informationReadSchema = z.object({ informationId: z.uuid(), at: z.iso.datetime({ offset: true }) });
export const informationMarkedUnreadSchema = informationReadSchema;

export type InformationSent = z.infer<typeof informationSentSchema>;
export type InformationRead = z.infer<typeof informationReadSchema>;

/** The data of a forgotten usager's events, as the store hands them back. */
export interface ErasedInformationData {
  $erased: true;
}

export type InformationEvent =
  | { type: 'InformationSent'; data: InformationSent | ErasedInformationData }
  | { type: 'InformationRead'; data: InformationRead | ErasedInformationData }
  | { type: 'InformationMarkedUnread'; data: InformationRead | ErasedInformationData };

export type InformationEventType = InformationEvent['type'];

export const informationEventSchemas = {
  InformationSent: informationSentSchema,
  InformationRead: informationReadSchema,
  InformationMarkedUnread: informationMarkedUnreadSchema,
} as const;

export type InformationCommand =
  | ({ type: 'SendInformation' } & InformationSent)
  | { type: 'MarkInformationRead'; reader: AgendaOwner; at: string }
  | { type: 'MarkInformationUnread'; reader: AgendaOwner; at: string };

export type Information =
  | { status: 'none' }
  | { status: 'erased' }
  | {
      status: 'sent';
      informationId: string;
      recipient: AgendaOwner;
      facilityId: string;
      serviceUserId: string | undefined;
      read: boolean;
    };

/** One stream per information; the organisation escaped, so that no two tenants share one. */
export function informationStreamId(organisationId: string, informationId: string): string {
  return `information/${encodeURIComponent(organisationId)}/${informationId}`;
}

/** Whose key encrypts the information: the usager it is sent to, or the one it is about. */
export function informationSubject(information: {
  recipient: AgendaOwner;
  serviceUserId?: string | undefined;
}): string | undefined {
  return information.recipient.kind === 'usager' ? information.recipient.serviceUserId : information.serviceUserId;
}

export const informationDecider: Decider<InformationCommand, InformationEvent, Information> = {
  initialState: () => ({ status: 'none' }),

  decide(command, information) {
    switch (command.type) {
      case 'SendInformation': {
        if (information.status !== 'none') {
          throw new DomainRuleViolation(
            'INFORMATION_ALREADY_SENT',
            'Une information a déjà été envoyée sous cet identifiant.',
          );
        }
        const subject = required(command.subject, MAX_SUBJECT_LENGTH, 'INFORMATION_SUBJECT_REQUIRED', 'L’objet');
        const text = required(command.text, MAX_TEXT_LENGTH, 'INFORMATION_TEXT_REQUIRED', 'Le texte');
        if (command.recipient.kind === 'usager' && command.serviceUserId !== undefined) {
          throw new DomainRuleViolation(
            'INFORMATION_ABOUT_ONLY_FOR_PROFESSIONAL',
            'Une information à l’usager parle de lui : seule une information à un professionnel nomme un usager.',
          );
        }
        if (command.recipient.kind === 'professional' && command.recipient.professionalId === command.senderId) {
          throw new DomainRuleViolation(
            'INFORMATION_TO_ONESELF',
            'Une information s’adresse à un autre professionnel ; pour soi, un élément d’agenda suffit.',
          );
        }
        const { type: _, ...data } = command;
        return { type: 'InformationSent', data: { ...data, subject, text } };
      }
      case 'MarkInformationRead':
      case 'MarkInformationUnread': {
        if (information.status === 'none') {
          throw new DomainRuleViolation('INFORMATION_NOT_FOUND', 'Aucune information sous cet identifiant.');
        }
        if (information.status === 'erased') {
          throw new DomainRuleViolation('INFORMATION_ERASED', 'Cette information concerne une personne oubliée.');
        }
        if (!sameAgendaOwner(information.recipient, command.reader)) {
          throw new DomainRuleViolation(
            'INFORMATION_NOT_ADDRESSED_TO_READER',
            'Seul le destinataire d’une information la marque lue ou non lue.',
          );
        }
        const read = command.type === 'MarkInformationRead';
        if (information.read === read) return [];
        const data = { informationId: information.informationId, at: command.at };
        return read ? { type: 'InformationRead', data } : { type: 'InformationMarkedUnread', data };
      }
    }
  },

  evolve(information, event) {
    switch (event.type) {
      case 'InformationSent':
        if ('$erased' in event.data) return { status: 'erased' };
        return {
          status: 'sent',
          informationId: event.data.informationId,
          recipient: event.data.recipient,
          facilityId: event.data.facilityId,
          serviceUserId: event.data.serviceUserId,
          read: false,
        };
      case 'InformationRead':
        return information.status === 'sent' ? { ...information, read: true } : information;
      case 'InformationMarkedUnread':
        return information.status === 'sent' ? { ...information, read: false } : information;
    }
  },
};

function required(text: string, max: number, code: string, what: string): string {
  const trimmed = text.trim();
  if (trimmed === '' || trimmed.length > max) {
    throw new DomainRuleViolation(code, `${what} est obligatoire (${max} caractères au plus).`, { max });
  }
  return trimmed;
}
