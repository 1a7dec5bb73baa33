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
  /** When it was last corrected; null while uncorrected. */
  correctedAt: string | null;
  /** Who last corrected it (its text is theirs, not the author's); null while uncorrected. */
  correctedBy: string | null;
  revision: number;
  /** When `reader` marked it read; null when they did not, or when no reader was asked about. */
  readAt: string | null;
}

/**
 * What a reader may read of the handovers of one ESSMS, per sensitivity class: `'facility'`, the
 * class about every usager of the ESSMS (a role that reads it `inFacility`); a list, the class
 * about these usagers only (those of the reader's care teams there that the policy opens to
 * them). A class left out: none of it.
 */
export type HandoverReadScope = Readonly<Partial<Record<SensitivityClass, 'facility' | readonly string[]>>>;

/** Where a page ended: the next one starts strictly after it (older), in the feed's order. */
export interface HandoverFeedPosition {
  occurredAt: string;
  handoverId: string;
}

export interface HandoverFeedQuery {
  organisationId: string;
  facilityId: string;
  serviceUserId?: string;
  targetTeam?: string;
  /**
   * Only what the reader may read (nothing: an empty feed). Applied in the query, before the
   * limit: a page of N handovers is N handovers the reader may read.
   */
  scope: HandoverReadScope;
  /**
   * Only those this professional has not marked read. Their own handovers are not unread by
   * them: whoever wrote one has read it.
   */
  unreadBy?: string;
  /** Whose reads `readAt` tells. */
  reader?: string;
  /** At most this many, the newest (default 200). */
  limit?: number;
  /** Only those older than this position: the next page after one that ended there. */
  after?: HandoverFeedPosition;
}

const DEFAULT_LIMIT = 200;

/**
 * A feed of handovers of one ESSMS, newest first (by the date their author gave them), for a
 * usager, a team, or the whole ESSMS. A forgotten usager's handovers are not in it. Who may
 * read which is the caller's business: it passes the reader's scope, which the query applies.
 */
export async function handoverFeed(
  db: Knex,
  readSchema: string,
  query: HandoverFeedQuery,
): Promise<HandoverFeedEntry[]> {
  const clauses = scopeClauses(query.scope);
  if (clauses.facilityWide.length === 0 && clauses.perServiceUsers.length === 0) return [];
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
    .select('t.*')
    .where({ 't.organisation_id': query.organisationId, 't.facility_id': query.facilityId })
    .whereNotNull('t.text')
    .where((scope) => {
      if (clauses.facilityWide.length > 0) scope.orWhereIn('t.sensitivity', clauses.facilityWide);
      for (const { sensitivities, serviceUserIds } of clauses.perServiceUsers) {
        scope.orWhere((some) =>
          some.whereIn('t.sensitivity', sensitivities).whereIn('t.service_user_id', serviceUserIds),
        );
      }
    })
    .modify((builder) => {
      if (query.after !== undefined) {
        builder.whereRaw(
          '(cast(t.occurred_at as timestamptz), t.handover_id) < (cast(? as timestamptz), cast(? as uuid))',
          [query.after.occurredAt, query.after.handoverId],
        );
      }
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
    correctedBy: row.corrected_by,
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
  corrected_by: string | null;
  revision: number;
  read_at: string | null;
}

/**
 * The scope as SQL conditions: the classes read across the ESSMS, and the others grouped by the
 * same list of usagers (a nurse's administrative, social and medical classes open the same care
 * teams: one condition, not three).
 */
function scopeClauses(scope: HandoverReadScope): {
  facilityWide: SensitivityClass[];
  perServiceUsers: { sensitivities: SensitivityClass[]; serviceUserIds: string[] }[];
} {
  const facilityWide: SensitivityClass[] = [];
  const groups = new Map<string, { sensitivities: SensitivityClass[]; serviceUserIds: string[] }>();
  for (const [sensitivity, readable] of Object.entries(scope) as [
    SensitivityClass,
    HandoverReadScope[SensitivityClass],
  ][]) {
    if (readable === undefined) continue;
    if (readable === 'facility') {
      facilityWide.push(sensitivity);
      continue;
    }
    const serviceUserIds = [...new Set(readable)].sort();
    if (serviceUserIds.length === 0) continue;
    const key = JSON.stringify(serviceUserIds);
    const group = groups.get(key);
    if (group) group.sensitivities.push(sensitivity);
    else groups.set(key, { sensitivities: [sensitivity], serviceUserIds });
  }
  return { facilityWide, perServiceUsers: [...groups.values()] };
}
