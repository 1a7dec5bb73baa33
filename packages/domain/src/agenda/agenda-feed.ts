import { z } from 'zod';
import type { Decider } from '../decider.js';
import { DomainRuleViolation } from '../errors.js';
import { type AgendaOwner, agendaOwnerSchema } from './agenda-owner.js';

/**
 * The iCalendar feed of an agenda (flux ICS): a secret URL that a calendar application polls
 * without logging in. The secret is the credential, so it is handled like a password: the shell
 * draws it at random and shows it once; the log and the read models keep only its SHA-256
 * (`tokenHash`), enough to recognise it, never to rebuild it.
 *
 * Decisions taken here:
 * - One stream per agenda owner (`agendaFeedStreamId`), holding at most one live feed: issuing a
 *   new one replaces the previous (the old URL stops answering), which is what a person whose link
 *   leaked needs; revoking leaves none.
 * - A usager's feed is theirs: the shell encrypts it with their key.
 * - The domain receives the hash, never the secret: drawing randomness and hashing are the shell's.
 */
const id = z.string().min(1).max(200);
export const feedTokenHashSchema = z.string().regex(/^[0-9a-f]{64}$/, 'SHA-256 en hexadécimal attendu');

export const AGENDA_FEED_REVOCATION_REASONS = ['revoked', 'replaced'] as const;
export type AgendaFeedRevocationReason = (typeof AGENDA_FEED_REVOCATION_REASONS)[number];

export const agendaFeedIssuedSchema = z.object({
  feedId: z.uuid(),
  owner: agendaOwnerSchema,
  tokenHash: feedTokenHashSchema,
  /** The ESSMS of the staff member who issued a usager's feed on their behalf. */
  facilityId: id.optional(),
  issuedBy: id,
  issuedAt: z.iso.datetime({ offset: true }),
});
export const agendaFeedRevokedSchema = z.object({
  feedId: z.uuid(),
  reason: z.enum(AGENDA_FEED_REVOCATION_REASONS),
  at: z.iso.datetime({ offset: true }),
});

export type AgendaFeedIssued = z.infer<typeof agendaFeedIssuedSchema>;
export type AgendaFeedRevoked = z.infer<typeof agendaFeedRevokedSchema>;

/** The data of a forgotten usager's events, as the store hands them back. */
export interface ErasedAgendaFeedData {
  $erased: true;
}

export type AgendaFeedEvent =
  | { type: 'AgendaFeedIssued'; data: AgendaFeedIssued | ErasedAgendaFeedData }
  | { type: 'AgendaFeedRevoked'; data: AgendaFeedRevoked | ErasedAgendaFeedData };

export type AgendaFeedEventType = AgendaFeedEvent['type'];

export const agendaFeedEventSchemas = {
  AgendaFeedIssued: agendaFeedIssuedSchema,
  AgendaFeedRevoked: agendaFeedRevokedSchema,
} as const;

export type AgendaFeedCommand =
  | ({ type: 'IssueAgendaFeed' } & AgendaFeedIssued)
  | { type: 'RevokeAgendaFeed'; at: string };

export interface AgendaFeed {
  /** The live feed, if any. */
  activeFeedId: string | undefined;
  /** Every feed ever issued here: an id is never reused. */
  issuedFeedIds: readonly string[];
  erased: boolean;
}

/** One stream per agenda; the organisation and the owner escaped, so that no two share one. */
export function agendaFeedStreamId(organisationId: string, owner: AgendaOwner): string {
  const ownerId = owner.kind === 'professional' ? owner.professionalId : owner.serviceUserId;
  return `agenda-feed/${encodeURIComponent(organisationId)}/${owner.kind}/${encodeURIComponent(ownerId)}`;
}

export const agendaFeedDecider: Decider<AgendaFeedCommand, AgendaFeedEvent, AgendaFeed> = {
  initialState: () => ({ activeFeedId: undefined, issuedFeedIds: [], erased: false }),

  decide(command, feed) {
    if (feed.erased) {
      throw new DomainRuleViolation('AGENDA_FEED_ERASED', 'Cet agenda est celui d’une personne oubliée.');
    }
    switch (command.type) {
      case 'IssueAgendaFeed': {
        if (feed.issuedFeedIds.includes(command.feedId)) {
          throw new DomainRuleViolation('AGENDA_FEED_ALREADY_ISSUED', 'Un flux a déjà été émis sous cet identifiant.');
        }
        if (!feedTokenHashSchema.safeParse(command.tokenHash).success) {
          throw new DomainRuleViolation('AGENDA_FEED_TOKEN_HASH_INVALID', 'Empreinte du lien secret invalide.');
        }
        const { type: _, ...issued } = command;
        const event: AgendaFeedEvent = { type: 'AgendaFeedIssued', data: issued };
        if (feed.activeFeedId === undefined) return event;
        return [
          { type: 'AgendaFeedRevoked', data: { feedId: feed.activeFeedId, reason: 'replaced', at: command.issuedAt } },
          event,
        ];
      }
      case 'RevokeAgendaFeed': {
        if (feed.activeFeedId === undefined) {
          throw new DomainRuleViolation('AGENDA_FEED_NOT_ISSUED', 'Aucun lien d’abonnement actif à révoquer.');
        }
        return { type: 'AgendaFeedRevoked', data: { feedId: feed.activeFeedId, reason: 'revoked', at: command.at } };
      }
    }
  },

  evolve(feed, event) {
    if ('$erased' in event.data) return { activeFeedId: undefined, issuedFeedIds: feed.issuedFeedIds, erased: true };
    switch (event.type) {
      case 'AgendaFeedIssued':
        return { ...feed, activeFeedId: event.data.feedId, issuedFeedIds: [...feed.issuedFeedIds, event.data.feedId] };
      case 'AgendaFeedRevoked':
        return feed.activeFeedId === event.data.feedId ? { ...feed, activeFeedId: undefined } : feed;
    }
  },
};
