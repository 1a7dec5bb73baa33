import { z } from 'zod';
import type { Decider } from '../decider.js';
import { MAX_DIRECTORY_NAME_LENGTH } from '../directory/directory-entry.js';
import { DomainRuleViolation } from '../errors.js';

/**
 * An exchange (échange) with the usager or a partner, traced in the usager's record: a phone call,
 * an e-mail, a meeting, a letter, a video call; who (the professional), when, with whom (the usager
 * and/or entries of their directory), which way (received or initiated), and what was said.
 *
 * Decisions taken here:
 * - One stream per exchange (`exchangeStreamId`): a fact without cross-invariants, about one
 *   usager, encrypted with their key.
 * - The partners are entries of the usager's directory, their names copied when recorded (like an
 *   act copies its type): a later change of the directory never changes what a past exchange says.
 * - An exchange has at least one counterpart: the usager, a partner, or both.
 * - Never edited: a correction records the new value of each field it changes, with its reason.
 *   Who recorded it and for which usager are not corrected.
 * - Dated when it happened, never in the future: the command brings `now`.
 */
export const MAX_EXCHANGE_SUMMARY_LENGTH = 4_000;
export const MAX_EXCHANGE_PARTNERS = 20;
const MAX_REASON_LENGTH = 1_000;
/** Clocks of workstations drift: an exchange dated this far ahead of the server's time is accepted. */
const FUTURE_TOLERANCE_MS = 5 * 60_000;
const id = z.string().min(1).max(200);
const instant = z.iso.datetime({ offset: true });

export const exchangeChannels = ['phone', 'email', 'meeting', 'letter', 'video'] as const;
export const exchangeChannelSchema = z.enum(exchangeChannels);
export type ExchangeChannel = z.infer<typeof exchangeChannelSchema>;
/** `in`: the usager or the partner reached the ESSMS; `out`: the professional reached them. */
export const exchangeDirectionSchema = z.enum(['in', 'out']);
export type ExchangeDirection = z.infer<typeof exchangeDirectionSchema>;

export const EXCHANGE_CHANNEL_LABELS: Readonly<Record<ExchangeChannel, string>> = {
  phone: 'téléphone',
  email: 'courriel',
  meeting: 'rencontre',
  letter: 'courrier',
  video: 'visioconférence',
};

/** A partner of an exchange: an entry of the usager's directory, and its name as it was then. */
export const exchangePartnerSchema = z.object({
  entryId: z.uuid(),
  name: z.string().min(1).max(MAX_DIRECTORY_NAME_LENGTH),
});
export type ExchangePartner = z.infer<typeof exchangePartnerSchema>;
const partners = z.array(exchangePartnerSchema).max(MAX_EXCHANGE_PARTNERS);

export const exchangeRecordedSchema = z.object({
  exchangeId: z.uuid(),
  serviceUserId: id,
  facilityId: id,
  channel: exchangeChannelSchema,
  direction: exchangeDirectionSchema,
  occurredAt: instant,
  recordedBy: id,
  withUsager: z.boolean(),
  partners,
  summary: z.string().min(1).max(MAX_EXCHANGE_SUMMARY_LENGTH),
});
export const exchangeCorrectedSchema = z.object({
  exchangeId: z.uuid(),
  reason: z.string().min(1).max(MAX_REASON_LENGTH),
  channel: exchangeChannelSchema.optional(),
  direction: exchangeDirectionSchema.optional(),
  occurredAt: instant.optional(),
  withUsager: z.boolean().optional(),
  partners: partners.optional(),
  summary: z.string().min(1).max(MAX_EXCHANGE_SUMMARY_LENGTH).optional(),
});

export type ExchangeRecorded = z.infer<typeof exchangeRecordedSchema>;
export type ExchangeCorrected = z.infer<typeof exchangeCorrectedSchema>;
/** What a correction may change. */
export type ExchangeChanges = Omit<ExchangeCorrected, 'exchangeId' | 'reason'>;

/** The data of a forgotten usager's events, as the store hands them back. */
export interface ErasedExchangeData {
  $erased: true;
}

export type ExchangeEvent =
  | { type: 'ExchangeRecorded'; data: ExchangeRecorded | ErasedExchangeData }
  | { type: 'ExchangeCorrected'; data: ExchangeCorrected | ErasedExchangeData };

export type ExchangeEventType = ExchangeEvent['type'];

export const exchangeEventSchemas = {
  ExchangeRecorded: exchangeRecordedSchema,
  ExchangeCorrected: exchangeCorrectedSchema,
} as const;

export type ExchangeCommand =
  | ({ type: 'RecordExchange'; now: string } & ExchangeRecorded)
  | ({ type: 'CorrectExchange'; reason: string; now: string } & ExchangeChanges);

type ExchangeFields = Pick<
  ExchangeRecorded,
  'channel' | 'direction' | 'occurredAt' | 'withUsager' | 'partners' | 'summary'
>;

export type Exchange =
  | { status: 'none' }
  | { status: 'recorded'; exchangeId: string; erased: true; corrections: number }
  | ({ status: 'recorded'; exchangeId: string; erased: false; corrections: number } & ExchangeFields);

/** One stream per exchange; the organisation escaped, so that no two tenants share one. */
export function exchangeStreamId(organisationId: string, exchangeId: string): string {
  return `exchange/${encodeURIComponent(organisationId)}/${exchangeId}`;
}

export const exchangeDecider: Decider<ExchangeCommand, ExchangeEvent, Exchange> = {
  initialState: () => ({ status: 'none' }),

  decide(command, exchange) {
    switch (command.type) {
      case 'RecordExchange': {
        if (exchange.status !== 'none') {
          throw new DomainRuleViolation(
            'EXCHANGE_ALREADY_RECORDED',
            'Cet échange est déjà enregistré sous cet identifiant.',
            {
              exchangeId: command.exchangeId,
            },
          );
        }
        const fields = checkedFields(
          {
            channel: command.channel,
            direction: command.direction,
            occurredAt: command.occurredAt,
            withUsager: command.withUsager,
            partners: command.partners,
            summary: command.summary,
          },
          command.now,
        );
        return {
          type: 'ExchangeRecorded',
          data: {
            exchangeId: command.exchangeId,
            serviceUserId: command.serviceUserId,
            facilityId: command.facilityId,
            ...fields,
            recordedBy: command.recordedBy,
          },
        };
      }
      case 'CorrectExchange': {
        if (exchange.status === 'none') {
          throw new DomainRuleViolation('EXCHANGE_NOT_FOUND', 'Aucun échange à corriger sous cet identifiant.');
        }
        if (exchange.erased) {
          throw new DomainRuleViolation('EXCHANGE_ERASED', 'Cet échange concerne une personne oubliée.');
        }
        const reason = command.reason.trim();
        if (reason.length === 0 || reason.length > MAX_REASON_LENGTH) {
          throw new DomainRuleViolation(
            'EXCHANGE_CORRECTION_REASON_REQUIRED',
            `La correction d’un échange doit être motivée (${MAX_REASON_LENGTH} caractères au plus).`,
          );
        }
        const { type: _, reason: __, now, ...given } = command;
        const current: ExchangeFields = {
          channel: exchange.channel,
          direction: exchange.direction,
          occurredAt: exchange.occurredAt,
          withUsager: exchange.withUsager,
          partners: exchange.partners,
          summary: exchange.summary,
        };
        const next = checkedFields({ ...current, ...definedOnly(given) }, now, current.occurredAt);
        const changes = changesBetween(current, next);
        if (Object.keys(changes).length === 0) {
          throw new DomainRuleViolation(
            'EXCHANGE_CORRECTION_CHANGES_NOTHING',
            'Cette correction ne change rien à l’échange : indiquez ce qui est corrigé.',
          );
        }
        return { type: 'ExchangeCorrected', data: { exchangeId: exchange.exchangeId, reason, ...changes } };
      }
    }
  },

  evolve(exchange, event) {
    switch (event.type) {
      case 'ExchangeRecorded': {
        if ('$erased' in event.data) return { status: 'recorded', exchangeId: '', erased: true, corrections: 0 };
        const { exchangeId, channel, direction, occurredAt, withUsager, partners, summary } = event.data;
        return {
          status: 'recorded',
          exchangeId,
          erased: false,
          corrections: 0,
          channel,
          direction,
          occurredAt,
          withUsager,
          partners,
          summary,
        };
      }
      case 'ExchangeCorrected': {
        if (exchange.status === 'none') return exchange;
        if (exchange.erased || '$erased' in event.data) {
          return {
            status: 'recorded',
            exchangeId: exchange.exchangeId,
            erased: true,
            corrections: exchange.corrections + 1,
          };
        }
        const { exchangeId: _, reason: __, ...changes } = event.data;
        return { ...exchange, ...definedOnly(changes), corrections: exchange.corrections + 1 };
      }
    }
  },
};

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, field]) => field !== undefined)) as Partial<T>;
}

function changesBetween(current: ExchangeFields, next: ExchangeFields): ExchangeChanges {
  const changes: ExchangeChanges = {};
  if (next.channel !== current.channel) changes.channel = next.channel;
  if (next.direction !== current.direction) changes.direction = next.direction;
  if (Date.parse(next.occurredAt) !== Date.parse(current.occurredAt)) changes.occurredAt = next.occurredAt;
  if (next.withUsager !== current.withUsager) changes.withUsager = next.withUsager;
  const entryIds = (list: readonly ExchangePartner[]) => list.map((partner) => partner.entryId).join(',');
  if (entryIds(next.partners) !== entryIds(current.partners)) changes.partners = next.partners;
  if (next.summary !== current.summary) changes.summary = next.summary;
  return changes;
}

/**
 * The rules of an exchange as it stands: a counterpart, distinct partners, a summary, a time in
 * the past. A correction that keeps the time (`unchangedTime`) is not checked against now again.
 */
function checkedFields(fields: ExchangeFields, now: string, unchangedTime?: string): ExchangeFields {
  if (!fields.withUsager && fields.partners.length === 0) {
    throw new DomainRuleViolation(
      'EXCHANGE_COUNTERPART_REQUIRED',
      'Un échange se fait avec l’usager, avec un partenaire de son annuaire, ou avec les deux.',
    );
  }
  if (fields.partners.length > MAX_EXCHANGE_PARTNERS) {
    throw new DomainRuleViolation(
      'EXCHANGE_TOO_MANY_PARTNERS',
      `Pas plus de ${MAX_EXCHANGE_PARTNERS} partenaires par échange.`,
    );
  }
  if (new Set(fields.partners.map((partner) => partner.entryId)).size !== fields.partners.length) {
    throw new DomainRuleViolation('EXCHANGE_PARTNER_TWICE', 'Un même partenaire est cité deux fois dans cet échange.');
  }
  const summary = fields.summary.trim();
  if (summary.length === 0 || summary.length > MAX_EXCHANGE_SUMMARY_LENGTH) {
    throw new DomainRuleViolation(
      'EXCHANGE_SUMMARY_REQUIRED',
      `Résumez l’échange (${MAX_EXCHANGE_SUMMARY_LENGTH} caractères au plus).`,
    );
  }
  if (!instant.safeParse(fields.occurredAt).success) {
    throw new DomainRuleViolation(
      'EXCHANGE_TIME_INVALID',
      'Heure de l’échange invalide (date et heure ISO 8601 attendues).',
    );
  }
  if (fields.occurredAt !== unchangedTime && Date.parse(fields.occurredAt) > Date.parse(now) + FUTURE_TOLERANCE_MS) {
    throw new DomainRuleViolation(
      'EXCHANGE_IN_FUTURE',
      'Un échange s’enregistre une fois qu’il a eu lieu : il ne peut pas être daté dans le futur.',
    );
  }
  return { ...fields, summary, partners: fields.partners.map(({ entryId, name }) => ({ entryId, name })) };
}
