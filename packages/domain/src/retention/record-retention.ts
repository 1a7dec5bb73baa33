import { z } from 'zod';
import type { Decider } from '../decider.js';
import { DomainRuleViolation } from '../errors.js';
import { PersistentMap } from '../persistent-map.js';
import {
  frenchDay,
  MAX_RETENTION_TEXT_LENGTH,
  requireDay,
  requireDayNotAfter,
  requiredId,
  requiredText,
} from './retention-checks.js';
import { RETENTION_DATA_CLASSES } from './retention-policy.js';

/**
 * The archive state and the legal holds of one usager's record, and the destruction report of an
 * organisation (DOMAIN.md, Retention).
 *
 * Decisions taken here:
 * - One stream per usager of the organisation (`recordRetentionStreamId`): whether the record is
 *   archived and which legal holds are in force are rules across the usager's whole record,
 *   whatever ESSMS holds its parts.
 * - A record is archived when its delay has run (`retentionDelay`: the shell brings the due day
 *   from the schedule, and an archive before it is refused) or on a decision, whose motive and
 *   author are required. It is reopened when the usager comes back, on a decision with a motive.
 * - A legal hold (contentieux, réquisition judiciaire…) has its own id, is lifted once, and is
 *   never placed twice under the same id; it suspends destruction, not the archive.
 * - Days are Europe/Paris days chosen by the caller, never after the `today` it brings.
 * - The destruction report is one stream per organisation (`destructionReportStreamId`), written
 *   once per usager. It holds ids, days, the rule applied and counts, never a name or an identity
 *   trait: the DPO's report must outlive the data it reports on. Its events must therefore be
 *   appended without `metadata.serviceUserId`, which would encrypt them with the very key the
 *   destruction erases.
 * - The retention events of a usager may carry `metadata.serviceUserId` (a legal hold's motive is
 *   free text about the person): the read model takes the usager from the stream id, so it still
 *   knows whose record it was once the data is erased.
 */
const id = z.string().min(1).max(200);
const day = z.iso.date();
const text = z.string().min(1).max(MAX_RETENTION_TEXT_LENGTH);

export const ARCHIVE_REASONS = ['retentionDelay', 'decision'] as const;
export const archiveReasonSchema = z.enum(ARCHIVE_REASONS);
export type ArchiveReason = z.infer<typeof archiveReasonSchema>;

export const ARCHIVE_REASON_LABELS: Readonly<Record<ArchiveReason, string>> = {
  retentionDelay: 'Fin de la durée de conservation en base active',
  decision: 'Décision de la direction',
};

export const recordArchivedSchema = z.object({
  serviceUserId: id,
  archivedOn: day,
  reason: archiveReasonSchema,
  /** Why it was decided; required for a decision. */
  motive: text.optional(),
  /** Who decided; required for a decision. */
  decidedBy: id.optional(),
});
export const recordReopenedSchema = z.object({ reopenedOn: day, motive: text, decidedBy: id });
export const legalHoldPlacedSchema = z.object({ holdId: id, placedOn: day, motive: text, placedBy: id });
export const legalHoldLiftedSchema = z.object({ holdId: id, liftedOn: day, liftedBy: id });

export type RecordArchived = z.infer<typeof recordArchivedSchema>;
export type RecordReopened = z.infer<typeof recordReopenedSchema>;
export type LegalHoldPlaced = z.infer<typeof legalHoldPlacedSchema>;
export type LegalHoldLifted = z.infer<typeof legalHoldLiftedSchema>;

/** The data of a forgotten usager's events, as the store hands them back. */
export interface ErasedRetentionData {
  $erased: true;
}
type OrErased<Data> = Data | ErasedRetentionData;

export type RecordRetentionEvent =
  | { type: 'RecordArchived'; data: OrErased<RecordArchived> }
  | { type: 'RecordReopened'; data: OrErased<RecordReopened> }
  | { type: 'LegalHoldPlaced'; data: OrErased<LegalHoldPlaced> }
  | { type: 'LegalHoldLifted'; data: OrErased<LegalHoldLifted> };
export type RecordRetentionEventType = RecordRetentionEvent['type'];

export const recordRetentionEventSchemas = {
  RecordArchived: recordArchivedSchema,
  RecordReopened: recordReopenedSchema,
  LegalHoldPlaced: legalHoldPlacedSchema,
  LegalHoldLifted: legalHoldLiftedSchema,
} as const;

/** Every command brings today (`YYYY-MM-DD`, Europe/Paris): no day it names is in the future. */
export type RecordRetentionCommand =
  | ({
      type: 'ArchiveRecord';
      today: string;
      /** For `retentionDelay`: the schedule's `archiveDueOn`, before which the delay has not run. */
      archiveDueOn?: string;
    } & RecordArchived)
  | ({ type: 'ReopenRecord'; today: string } & RecordReopened)
  | ({ type: 'PlaceLegalHold'; today: string } & LegalHoldPlaced)
  | ({ type: 'LiftLegalHold'; today: string } & LegalHoldLifted);

export interface LegalHold {
  holdId: string;
  placedOn: string;
  liftedOn: string | undefined;
}

export interface RecordRetention {
  /** Once the usager was forgotten: nothing can be decided on what is no longer readable. */
  erased: boolean;
  archived: { archivedOn: string; reason: ArchiveReason } | undefined;
  lastReopenedOn: string | undefined;
  holds: ReadonlyMap<string, LegalHold>;
}

const STREAM_PREFIX = 'record-retention/';

/** One stream per usager of the organisation; both escaped, so that no two pairs share one. */
export function recordRetentionStreamId(organisationId: string, serviceUserId: string): string {
  return `${STREAM_PREFIX}${encodeURIComponent(organisationId)}/${encodeURIComponent(serviceUserId)}`;
}

/** Whose record a retention stream is about, or `undefined` for any other stream. */
export function recordRetentionStreamParts(
  streamId: string,
): { organisationId: string; serviceUserId: string } | undefined {
  if (!streamId.startsWith(STREAM_PREFIX)) return undefined;
  const parts = streamId.slice(STREAM_PREFIX.length).split('/');
  if (parts.length !== 2 || parts[0] === '' || parts[1] === '') return undefined;
  try {
    return { organisationId: decodeURIComponent(parts[0]!), serviceUserId: decodeURIComponent(parts[1]!) };
  } catch {
    return undefined;
  }
}

/** The legal holds in force. */
export function activeLegalHolds(state: RecordRetention): LegalHold[] {
  return [...state.holds.values()].filter((hold) => hold.liftedOn === undefined);
}

export const recordRetentionDecider: Decider<RecordRetentionCommand, RecordRetentionEvent, RecordRetention> = {
  initialState: () => ({ erased: false, archived: undefined, lastReopenedOn: undefined, holds: new Map() }),

  decide(command, state) {
    if (state.erased) {
      throw new DomainRuleViolation(
        'RECORD_RETENTION_ERASED',
        'Le dossier de cet usager a été détruit : plus rien ne peut y être décidé.',
      );
    }
    requireDay(command.today, 'today');
    switch (command.type) {
      case 'ArchiveRecord': {
        if (state.archived) {
          throw new DomainRuleViolation(
            'RECORD_ALREADY_ARCHIVED',
            `Le dossier de cet usager est déjà archivé (depuis le ${frenchDay(state.archived.archivedOn)}).`,
            { archivedOn: state.archived.archivedOn },
          );
        }
        requireDayNotAfter(command.archivedOn, command.today, 'archivedOn');
        if (state.lastReopenedOn !== undefined && command.archivedOn < state.lastReopenedOn) {
          throw new DomainRuleViolation(
            'RECORD_ARCHIVE_BEFORE_REOPENING',
            `Le dossier a été rouvert le ${frenchDay(state.lastReopenedOn)} : il ne peut pas être archivé à une date antérieure.`,
            { reopenedOn: state.lastReopenedOn },
          );
        }
        const { serviceUserId, archivedOn, reason } = command;
        if (reason === 'retentionDelay') {
          if (command.archiveDueOn === undefined) {
            throw new DomainRuleViolation(
              'RECORD_ARCHIVE_DUE_DAY_REQUIRED',
              'Indiquez la date d’échéance de l’archivage calculée par le calendrier de conservation.',
            );
          }
          requireDay(command.archiveDueOn, 'archiveDueOn');
          if (archivedOn < command.archiveDueOn) {
            throw new DomainRuleViolation(
              'RECORD_ARCHIVE_NOT_DUE',
              `La durée de conservation en base active court jusqu’au ${frenchDay(command.archiveDueOn)} : le dossier ne peut pas encore être archivé à ce titre. Un archivage anticipé relève d’une décision motivée.`,
              { archiveDueOn: command.archiveDueOn },
            );
          }
          return { type: 'RecordArchived', data: { serviceUserId, archivedOn, reason } };
        }
        const motive = requiredText(command.motive, 'Le motif de la décision d’archivage');
        const decidedBy = requiredId(command.decidedBy, 'L’auteur de la décision d’archivage');
        return { type: 'RecordArchived', data: { serviceUserId, archivedOn, reason, motive, decidedBy } };
      }
      case 'ReopenRecord': {
        if (!state.archived) {
          throw new DomainRuleViolation('RECORD_NOT_ARCHIVED', 'Le dossier de cet usager n’est pas archivé.');
        }
        requireDayNotAfter(command.reopenedOn, command.today, 'reopenedOn');
        if (command.reopenedOn < state.archived.archivedOn) {
          throw new DomainRuleViolation(
            'RECORD_REOPENED_BEFORE_ARCHIVE',
            `La réouverture ne peut pas précéder l’archivage (${frenchDay(state.archived.archivedOn)}).`,
            { archivedOn: state.archived.archivedOn },
          );
        }
        const motive = requiredText(command.motive, 'Le motif de la réouverture');
        const decidedBy = requiredId(command.decidedBy, 'L’auteur de la réouverture');
        return { type: 'RecordReopened', data: { reopenedOn: command.reopenedOn, motive, decidedBy } };
      }
      case 'PlaceLegalHold': {
        if (state.holds.has(command.holdId)) {
          throw new DomainRuleViolation(
            'LEGAL_HOLD_ALREADY_RECORDED',
            'Un gel juridique est déjà enregistré sous cet identifiant.',
            { holdId: command.holdId },
          );
        }
        const holdId = requiredId(command.holdId, 'L’identifiant du gel juridique');
        requireDayNotAfter(command.placedOn, command.today, 'placedOn');
        const motive = requiredText(command.motive, 'Le motif du gel juridique (contentieux, réquisition judiciaire…)');
        const placedBy = requiredId(command.placedBy, 'L’auteur du gel juridique');
        return { type: 'LegalHoldPlaced', data: { holdId, placedOn: command.placedOn, motive, placedBy } };
      }
      case 'LiftLegalHold': {
        const hold = state.holds.get(command.holdId);
        if (!hold) {
          throw new DomainRuleViolation('LEGAL_HOLD_NOT_FOUND', 'Aucun gel juridique sous cet identifiant.', {
            holdId: command.holdId,
          });
        }
        if (hold.liftedOn !== undefined) {
          throw new DomainRuleViolation(
            'LEGAL_HOLD_NOT_ACTIVE',
            `Ce gel juridique a déjà été levé (le ${frenchDay(hold.liftedOn)}).`,
            { holdId: hold.holdId, liftedOn: hold.liftedOn },
          );
        }
        requireDayNotAfter(command.liftedOn, command.today, 'liftedOn');
        if (command.liftedOn < hold.placedOn) {
          throw new DomainRuleViolation(
            'LEGAL_HOLD_LIFTED_BEFORE_PLACED',
            `La levée ne peut pas précéder le gel juridique (${frenchDay(hold.placedOn)}).`,
            { placedOn: hold.placedOn },
          );
        }
        const liftedBy = requiredId(command.liftedBy, 'L’auteur de la levée du gel juridique');
        return { type: 'LegalHoldLifted', data: { holdId: hold.holdId, liftedOn: command.liftedOn, liftedBy } };
      }
    }
  },

  evolve(state, event) {
    if ('$erased' in event.data) return { ...state, erased: true };
    switch (event.type) {
      case 'RecordArchived': {
        const { archivedOn, reason } = event.data as RecordArchived;
        return { ...state, archived: { archivedOn, reason } };
      }
      case 'RecordReopened':
        return { ...state, archived: undefined, lastReopenedOn: (event.data as RecordReopened).reopenedOn };
      case 'LegalHoldPlaced': {
        const { holdId, placedOn } = event.data as LegalHoldPlaced;
        const holds = new Map(state.holds);
        holds.set(holdId, { holdId, placedOn, liftedOn: undefined });
        return { ...state, holds };
      }
      case 'LegalHoldLifted': {
        const { holdId, liftedOn } = event.data as LegalHoldLifted;
        const hold = state.holds.get(holdId);
        if (!hold) return state;
        const holds = new Map(state.holds);
        holds.set(holdId, { ...hold, liftedOn });
        return { ...state, holds };
      }
    }
  },
};

// --- The destruction report -------------------------------------------------------------------

export const recordDestroyedSchema = z.object({
  serviceUserId: id,
  facilityIds: z.array(id),
  /** When the data key was destroyed (ISO 8601 instant). */
  destroyedAt: z.iso.datetime({ offset: true }),
  lastContactOn: day,
  lastStayEndedOn: day.optional(),
  holdsMedicalData: z.boolean(),
  destructionDueOn: day,
  rule: z.object({ dataClass: z.enum(RETENTION_DATA_CLASSES), legalSource: z.string().min(1).max(1_000) }),
  documentsPurged: z.number().int().nonnegative(),
  blobsPurged: z.number().int().nonnegative(),
  readModelRowsPurged: z.number().int().nonnegative(),
});
export type RecordDestroyed = z.infer<typeof recordDestroyedSchema>;

export type DestructionReportEvent = { type: 'RecordDestroyed'; data: RecordDestroyed | ErasedRetentionData };
export type DestructionReportEventType = DestructionReportEvent['type'];
export const destructionReportEventSchemas = { RecordDestroyed: recordDestroyedSchema } as const;

/**
 * The shell brings today (Europe/Paris) and the legal holds in force it read from the usager's
 * retention stream: a destruction before its due day, or under a hold, is refused.
 */
export type DestructionReportCommand = {
  type: 'RecordDestruction';
  today: string;
  activeLegalHolds: number;
} & RecordDestroyed;

export interface DestructionReport {
  /** The usagers whose record was destroyed, with when (a persistent map: the stream grows for years). */
  destroyed: PersistentMap<string, string>;
}

/** One stream per organisation: the DPO's report of every destruction. */
export function destructionReportStreamId(organisationId: string): string {
  return `destruction-report/${encodeURIComponent(organisationId)}`;
}

export const destructionReportDecider: Decider<DestructionReportCommand, DestructionReportEvent, DestructionReport> = {
  initialState: () => ({ destroyed: PersistentMap.empty() }),

  decide(command, state) {
    requireDay(command.today, 'today');
    const already = state.destroyed.get(command.serviceUserId);
    if (already !== undefined) {
      throw new DomainRuleViolation(
        'RECORD_ALREADY_DESTROYED',
        'Le dossier de cet usager a déjà été détruit : sa destruction figure au registre.',
        { serviceUserId: command.serviceUserId, destroyedAt: already },
      );
    }
    if (!Number.isInteger(command.activeLegalHolds) || command.activeLegalHolds < 0) {
      throw new DomainRuleViolation('RETENTION_HOLDS_INVALID', 'Le nombre de gels juridiques en cours est invalide.');
    }
    if (command.activeLegalHolds > 0) {
      throw new DomainRuleViolation(
        'RECORD_DESTRUCTION_SUSPENDED',
        'Un gel juridique est en cours sur ce dossier : sa destruction est suspendue jusqu’à sa levée.',
        { activeLegalHolds: command.activeLegalHolds },
      );
    }
    requireDay(command.destructionDueOn, 'destructionDueOn');
    if (command.today < command.destructionDueOn) {
      throw new DomainRuleViolation(
        'RECORD_DESTRUCTION_NOT_DUE',
        `La durée de conservation de ce dossier court jusqu’au ${frenchDay(command.destructionDueOn)} : il ne peut pas encore être détruit.`,
        { destructionDueOn: command.destructionDueOn },
      );
    }
    // Field by field, so that nothing the caller adds (a name, a trait) reaches the report.
    const data: RecordDestroyed = {
      serviceUserId: command.serviceUserId,
      facilityIds: [...new Set(command.facilityIds)].sort(),
      destroyedAt: command.destroyedAt,
      lastContactOn: command.lastContactOn,
      ...(command.lastStayEndedOn === undefined ? {} : { lastStayEndedOn: command.lastStayEndedOn }),
      holdsMedicalData: command.holdsMedicalData,
      destructionDueOn: command.destructionDueOn,
      rule: { dataClass: command.rule.dataClass, legalSource: command.rule.legalSource },
      documentsPurged: command.documentsPurged,
      blobsPurged: command.blobsPurged,
      readModelRowsPurged: command.readModelRowsPurged,
    };
    const parsed = recordDestroyedSchema.safeParse(data);
    if (!parsed.success) {
      throw new DomainRuleViolation(
        'RECORD_DESTRUCTION_INVALID',
        'Le rapport de destruction est incomplet ou invalide.',
        {
          issues: parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`),
        },
      );
    }
    return { type: 'RecordDestroyed', data };
  },

  evolve(state, event) {
    const data = event.data as Partial<RecordDestroyed> & { $erased?: true; serviceUserId?: string };
    if (data.serviceUserId === undefined) return state;
    return { destroyed: state.destroyed.with(data.serviceUserId, data.destroyedAt ?? '') };
  },
};
