import type { HandoverCategory, SensitivityClass } from '@dui-pds/domain';
import type { Knex } from 'knex';

/** One handover of a feed. */
export interface HandoverFeedEntry {
  handoverId: string;
  facilityId: string;
  serviceUserId: string;
  category: HandoverCategory;
  sensitivity: SensitivityClass;
  targetTeam: string;
  text: string;
  authorId: string;
  occurredAt: string;
  linkedEventId: string | null;
  correctedAt: string | null;
  revision: number;
  /** When `reader` marked it read; null when they did not, or when no reader was asked about. */
  readAt: string | null;
}

export interface HandoverFeedQuery {
  organisationId: string;
  facilityId: string;
  serviceUserId?: string;
  targetTeam?: string;
  /** Only handovers of these classes (none: an empty feed). */
  sensitivities: readonly SensitivityClass[];
  /**
   * Only those this professional has not marked read. Their own handovers are not unread by
   * them: whoever wrote one has read it.
   */
  unreadBy?: string;
  /** Whose reads `readAt` tells. */
  reader?: string;
  /** At most this many, the newest (default 200). */
  limit?: number;
}

const DEFAULT_LIMIT = 200;

/**
 * A feed of handovers of one ESSMS, newest first (by the date their author gave them), for a
 * usager, a team, or the whole ESSMS. A forgotten usager's handovers are not in it. Who may
 * read which is the caller's business: it passes the sensitivity classes to keep.
 */
export async function handoverFeed(
  db: Knex,
  readSchema: string,
  query: HandoverFeedQuery,
): Promise<HandoverFeedEntry[]> {
  if (query.sensitivities.length === 0) return [];
  const rows = (await db
    .from(`${readSchema}.handovers as t`)
    .modify((builder) => {
      if (query.reader === undefined) {
        builder.select(db.raw('null as read_at'));
        return;
      }
      builder
        .leftJoin(`${readSchema}.reads as r`, (join) =>
          join
            .on('r.organisation_id', 't.organisation_id')
            .andOn('r.handover_id', 't.handover_id')
            .andOnVal('r.professional_id', '=', query.reader as string),
        )
        .select('r.read_at');
    })
    .select(
      't.handover_id',
      't.facility_id',
      't.service_user_id',
      't.category',
      't.sensitivity',
      't.target_team',
      't.text',
      't.author_id',
      't.occurred_at',
      't.linked_event_id',
      't.corrected_at',
      't.revision',
    )
    .where({ 't.organisation_id': query.organisationId, 't.facility_id': query.facilityId })
    .whereNotNull('t.text')
    .whereIn('t.sensitivity', [...query.sensitivities])
    .modify((builder) => {
      if (query.serviceUserId !== undefined) builder.where('t.service_user_id', query.serviceUserId);
      if (query.targetTeam !== undefined) builder.where('t.target_team', query.targetTeam);
      if (query.unreadBy !== undefined) {
        builder.whereNot('t.author_id', query.unreadBy).whereNotExists((unread) =>
          unread
            .select(db.raw('1'))
            .from(`${readSchema}.reads as mine`)
            .whereRaw('mine.organisation_id = t.organisation_id')
            .whereRaw('mine.handover_id = t.handover_id')
            .where('mine.professional_id', query.unreadBy as string),
        );
      }
    })
    .orderByRaw('cast(t.occurred_at as timestamptz) desc, t.handover_id desc')
    .limit(query.limit ?? DEFAULT_LIMIT)) as FeedRow[];
  return rows.map((row) => ({
    handoverId: row.handover_id,
    facilityId: row.facility_id,
    serviceUserId: row.service_user_id,
    category: row.category,
    sensitivity: row.sensitivity,
    targetTeam: row.target_team,
    text: row.text,
    authorId: row.author_id,
    occurredAt: row.occurred_at,
    linkedEventId: row.linked_event_id,
    correctedAt: row.corrected_at,
    revision: Number(row.revision),
    readAt: row.read_at,
  }));
}

interface FeedRow {
  handover_id: string;
  facility_id: string;
  service_user_id: string;
  category: HandoverCategory;
  sensitivity: SensitivityClass;
  target_team: string;
  text: string;
  author_id: string;
  occurred_at: string;
  linked_event_id: string | null;
  corrected_at: string | null;
  revision: number;
  read_at: string | null;
}
