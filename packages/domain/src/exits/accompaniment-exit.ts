import { z } from 'zod';
import type { Decider } from '../decider.js';
import { DomainRuleViolation } from '../errors.js';

/**
 * The exit (sortie) of a usager from an accompaniment, and the follow-up the ESSMS still owes
 * them after it (devoir d’accompagnement après la sortie): the day, the reason and the
 * destination of the exit, then the post-exit actions (who does what by when), each traced until
 * it is done or cancelled, and the follow-up closed once none is left open.
 *
 * Decisions taken here:
 * - One stream per accompaniment's exit (`accompanimentExitStreamId`): an accompaniment is one
 *   stay of one usager in one ESSMS and ends once; its rules (close only with no action open,
 *   nothing after closing) hold within that exit alone.
 * - The exit is recorded once; what was wrong in it is corrected, with a reason, the record keeping
 *   what was first said. A correction that changes nothing records nothing.
 * - Reasons and destinations are closed lists (`EXIT_REASONS`, `EXIT_DESTINATIONS`), so that the
 *   activity reports can count them; « other » asks for the details in words. A death has no
 *   destination (`not-applicable`, used for nothing else) and calls for no follow-up action: the
 *   follow-up is only closed.
 * - Days are calendar days (`YYYY-MM-DD`) chosen by the caller: the domain holds no clock. An
 *   action falls due, is done and the follow-up closes on or after the exit day.
 * - Once the follow-up is closed the exit is settled: every command is refused, corrections too.
 */
const MAX_TEXT_LENGTH = 4_000;
/** A usager is followed after an exit by a handful of actions; far more is a client's bug. */
export const MAX_POST_EXIT_ACTIONS = 100;
const id = z.string().min(1).max(200);
const text = z.string().min(1).max(MAX_TEXT_LENGTH);
/** A calendar day, `YYYY-MM-DD`. */
export const exitDaySchema = z.iso.date();

export const EXIT_REASONS = [
  'objectives-reached',
  'usager-decision',
  'reoriented',
  'exclusion',
  'hospitalisation',
  'incarceration',
  'death',
  'lost-to-follow-up',
  'other',
] as const;
export const exitReasonSchema = z.enum(EXIT_REASONS);
export type ExitReason = z.infer<typeof exitReasonSchema>;

/** How staff read the reasons, in screens and reports. */
export const EXIT_REASON_LABELS: Readonly<Record<ExitReason, string>> = {
  'objectives-reached': 'Fin du projet, objectifs atteints',
  'usager-decision': 'Décision de l’usager',
  reoriented: 'Réorientation vers une autre structure',
  exclusion: 'Exclusion (fin de prise en charge à l’initiative de l’établissement)',
  hospitalisation: 'Hospitalisation',
  incarceration: 'Incarcération',
  death: 'Décès',
  'lost-to-follow-up': 'Perdu de vue',
  other: 'Autre motif',
};

export const EXIT_DESTINATIONS = [
  'own-housing',
  'family',
  'temporary-accommodation',
  'other-essms',
  'hospital',
  'prison',
  'street',
  'unknown',
  'other',
  'not-applicable',
] as const;
export const exitDestinationSchema = z.enum(EXIT_DESTINATIONS);
export type ExitDestination = z.infer<typeof exitDestinationSchema>;

/** How staff read the destinations (orientation à la sortie). */
export const EXIT_DESTINATION_LABELS: Readonly<Record<ExitDestination, string>> = {
  'own-housing': 'Logement personnel',
  family: 'Famille ou proches',
  'temporary-accommodation': 'Hébergement d’urgence ou temporaire (CHRS, hôtel social…)',
  'other-essms': 'Autre ESSMS',
  hospital: 'Hôpital ou clinique',
  prison: 'Établissement pénitentiaire',
  street: 'Rue, sans solution d’hébergement',
  unknown: 'Inconnue',
  other: 'Autre destination',
  'not-applicable': 'Sans objet (décès)',
};

/** What an exit says: when, why, where to. */
export const exitDetailsSchema = z.object({
  exitDay: exitDaySchema,
  exitReason: exitReasonSchema,
  exitReasonDetails: text.optional(),
  destination: exitDestinationSchema,
  destinationDetails: text.optional(),
});
export type ExitDetails = z.infer<typeof exitDetailsSchema>;

export const exitRecordedSchema = exitDetailsSchema.extend({
  accompanimentId: z.uuid(),
  serviceUserId: id,
  facilityId: id,
});
/** `reason`: why the exit was corrected; `exit`: what it now says. */
export const exitCorrectedSchema = z.object({ accompanimentId: z.uuid(), reason: text, exit: exitDetailsSchema });
export const postExitActionPlannedSchema = z.object({
  accompanimentId: z.uuid(),
  actionId: z.uuid(),
  description: text,
  assigneeId: id,
  dueDay: exitDaySchema,
});
export const postExitActionDoneSchema = z.object({
  accompanimentId: z.uuid(),
  actionId: z.uuid(),
  doneDay: exitDaySchema,
  outcome: text,
});
export const postExitActionCancelledSchema = z.object({ accompanimentId: z.uuid(), actionId: z.uuid(), reason: text });
export const postExitFollowUpClosedSchema = z.object({
  accompanimentId: z.uuid(),
  closedDay: exitDaySchema,
  note: text,
});

export type ExitRecorded = z.infer<typeof exitRecordedSchema>;
export type ExitCorrected = z.infer<typeof exitCorrectedSchema>;
export type PostExitActionPlanned = z.infer<typeof postExitActionPlannedSchema>;
export type PostExitActionDone = z.infer<typeof postExitActionDoneSchema>;
export type PostExitActionCancelled = z.infer<typeof postExitActionCancelledSchema>;
export type PostExitFollowUpClosed = z.infer<typeof postExitFollowUpClosedSchema>;

/** The data of a forgotten usager's events, as the store hands them back. */
export interface ErasedExitData {
  $erased: true;
}

export type AccompanimentExitEvent =
  | { type: 'ExitRecorded'; data: ExitRecorded | ErasedExitData }
  | { type: 'ExitCorrected'; data: ExitCorrected | ErasedExitData }
  | { type: 'PostExitActionPlanned'; data: PostExitActionPlanned | ErasedExitData }
  | { type: 'PostExitActionDone'; data: PostExitActionDone | ErasedExitData }
  | { type: 'PostExitActionCancelled'; data: PostExitActionCancelled | ErasedExitData }
  | { type: 'PostExitFollowUpClosed'; data: PostExitFollowUpClosed | ErasedExitData };

export type AccompanimentExitEventType = AccompanimentExitEvent['type'];

export const accompanimentExitEventSchemas = {
  ExitRecorded: exitRecordedSchema,
  ExitCorrected: exitCorrectedSchema,
  PostExitActionPlanned: postExitActionPlannedSchema,
  PostExitActionDone: postExitActionDoneSchema,
  PostExitActionCancelled: postExitActionCancelledSchema,
  PostExitFollowUpClosed: postExitFollowUpClosedSchema,
} as const;

export type AccompanimentExitCommand =
  | ({ type: 'RecordExit' } & ExitRecorded)
  | { type: 'CorrectExit'; reason: string; exit: ExitDetails }
  | { type: 'PlanPostExitAction'; actionId: string; description: string; assigneeId: string; dueDay: string }
  | { type: 'RecordPostExitActionDone'; actionId: string; doneDay: string; outcome: string }
  | { type: 'CancelPostExitAction'; actionId: string; reason: string }
  | { type: 'ClosePostExitFollowUp'; closedDay: string; note: string };

export type PostExitActionStatus = 'open' | 'done' | 'cancelled';

export interface PostExitActionState {
  actionId: string;
  status: PostExitActionStatus;
  dueDay: string;
  doneDay: string | undefined;
}

export type AccompanimentExit =
  | { status: 'none' }
  | {
      /** `closed`: the follow-up after the exit is over; nothing more is recorded. */
      status: 'recorded' | 'closed';
      /** False once the usager was forgotten: the rest is then undefined or empty. */
      known: boolean;
      accompanimentId: string | undefined;
      serviceUserId: string | undefined;
      facilityId: string | undefined;
      exit: ExitDetails | undefined;
      actions: readonly PostExitActionState[];
      corrections: number;
    };

/** One stream per accompaniment's exit; the organisation escaped, so that no two tenants share one. */
export function accompanimentExitStreamId(organisationId: string, accompanimentId: string): string {
  return `accompaniment-exit/${encodeURIComponent(organisationId)}/${accompanimentId}`;
}

/** Whether the follow-up may be closed: every action planned is done or cancelled. */
export function mayClosePostExitFollowUp(actions: readonly Pick<PostExitActionState, 'status'>[]): boolean {
  return actions.every((action) => action.status !== 'open');
}

export const accompanimentExitDecider: Decider<AccompanimentExitCommand, AccompanimentExitEvent, AccompanimentExit> = {
  initialState: () => ({ status: 'none' }),

  decide(command, current) {
    switch (command.type) {
      case 'RecordExit': {
        if (current.status !== 'none') {
          throw new DomainRuleViolation(
            'EXIT_ALREADY_RECORDED',
            'La sortie de cet accompagnement est déjà enregistrée.',
            {
              accompanimentId: command.accompanimentId,
            },
          );
        }
        return {
          type: 'ExitRecorded',
          data: {
            accompanimentId: command.accompanimentId,
            serviceUserId: command.serviceUserId,
            facilityId: command.facilityId,
            ...exitDetails(command),
          },
        };
      }
      case 'CorrectExit': {
        const exit = open(current, 'corriger la sortie');
        const reason = requireText(
          command.reason,
          'CORRECTION_REASON_REQUIRED',
          'Dites pourquoi la sortie est corrigée.',
        );
        const corrected = exitDetails(command.exit);
        if (sameDetails(corrected, exit.exit)) return [];
        if (corrected.exitReason === 'death' && exit.actions.some((action) => action.status === 'open')) {
          throw new DomainRuleViolation(
            'POST_EXIT_ACTIONS_OPEN',
            'Un décès n’appelle pas de suivi après la sortie : annulez d’abord les actions encore ouvertes.',
            { open: openActionIds(exit.actions) },
          );
        }
        const earliest = earliestDayAfterExit(exit.actions);
        if (earliest !== undefined && corrected.exitDay > earliest) {
          throw new DomainRuleViolation(
            'EXIT_AFTER_FOLLOW_UP',
            'La sortie ne peut pas être postérieure aux échéances ou aux actions de suivi déjà enregistrées.',
            { exitDay: corrected.exitDay, earliest },
          );
        }
        return { type: 'ExitCorrected', data: { accompanimentId: accompanimentIdOf(exit), reason, exit: corrected } };
      }
      case 'PlanPostExitAction': {
        const exit = open(current, 'prévoir une action de suivi');
        const details = exit.exit;
        if (details.exitReason === 'death') {
          throw new DomainRuleViolation(
            'NO_FOLLOW_UP_AFTER_DEATH',
            'Un décès n’appelle pas d’action de suivi après la sortie.',
          );
        }
        if (exit.actions.some((action) => action.actionId === command.actionId)) {
          throw new DomainRuleViolation('POST_EXIT_ACTION_ALREADY_PLANNED', 'Cette action de suivi est déjà prévue.', {
            actionId: command.actionId,
          });
        }
        if (exit.actions.length >= MAX_POST_EXIT_ACTIONS) {
          throw new DomainRuleViolation(
            'TOO_MANY_POST_EXIT_ACTIONS',
            `Pas plus de ${MAX_POST_EXIT_ACTIONS} actions de suivi par sortie.`,
            { max: MAX_POST_EXIT_ACTIONS },
          );
        }
        const description = requireText(
          command.description,
          'POST_EXIT_ACTION_DESCRIPTION_REQUIRED',
          'Dites ce qui est à faire.',
        );
        requireDay(command.dueDay, 'dueDay');
        notBeforeExit(command.dueDay, details, 'dueDay', 'L’échéance d’une action de suivi');
        return {
          type: 'PostExitActionPlanned',
          data: {
            accompanimentId: accompanimentIdOf(exit),
            actionId: command.actionId,
            description,
            assigneeId: command.assigneeId,
            dueDay: command.dueDay,
          },
        };
      }
      case 'RecordPostExitActionDone': {
        const exit = open(current, 'enregistrer une action de suivi');
        openAction(exit, command.actionId);
        requireDay(command.doneDay, 'doneDay');
        notBeforeExit(command.doneDay, exit.exit, 'doneDay', 'Une action de suivi');
        const outcome = requireText(
          command.outcome,
          'POST_EXIT_ACTION_OUTCOME_REQUIRED',
          'Dites ce qu’a donné l’action.',
        );
        return {
          type: 'PostExitActionDone',
          data: {
            accompanimentId: accompanimentIdOf(exit),
            actionId: command.actionId,
            doneDay: command.doneDay,
            outcome,
          },
        };
      }
      case 'CancelPostExitAction': {
        const exit = open(current, 'annuler une action de suivi');
        openAction(exit, command.actionId);
        const reason = requireText(command.reason, 'CANCEL_REASON_REQUIRED', 'Dites pourquoi l’action est annulée.');
        return {
          type: 'PostExitActionCancelled',
          data: { accompanimentId: accompanimentIdOf(exit), actionId: command.actionId, reason },
        };
      }
      case 'ClosePostExitFollowUp': {
        const exit = open(current, 'clore le suivi');
        if (!mayClosePostExitFollowUp(exit.actions)) {
          throw new DomainRuleViolation(
            'POST_EXIT_ACTIONS_OPEN',
            'Le suivi après la sortie ne peut être clos tant qu’une action reste ouverte : enregistrez-la comme faite ou annulez-la.',
            { open: openActionIds(exit.actions) },
          );
        }
        requireDay(command.closedDay, 'closedDay');
        notBeforeExit(command.closedDay, exit.exit, 'closedDay', 'La clôture du suivi');
        const lastDone = exit.actions
          .flatMap((action) => (action.doneDay === undefined ? [] : [action.doneDay]))
          .sort()
          .at(-1);
        if (lastDone !== undefined && command.closedDay < lastDone) {
          throw new DomainRuleViolation(
            'CLOSED_BEFORE_LAST_ACTION',
            'La clôture du suivi ne peut pas précéder la dernière action faite.',
            { closedDay: command.closedDay, lastDone },
          );
        }
        const note = requireText(
          command.note,
          'CLOSING_NOTE_REQUIRED',
          'Dites en quelques mots comment le suivi s’achève.',
        );
        return {
          type: 'PostExitFollowUpClosed',
          data: { accompanimentId: accompanimentIdOf(exit), closedDay: command.closedDay, note },
        };
      }
    }
  },

  evolve(current, event) {
    if (event.type === 'ExitRecorded') {
      if ('$erased' in event.data) {
        return {
          status: 'recorded',
          known: false,
          accompanimentId: undefined,
          serviceUserId: undefined,
          facilityId: undefined,
          exit: undefined,
          actions: [],
          corrections: 0,
        };
      }
      const { accompanimentId, serviceUserId, facilityId, ...exit } = event.data;
      return {
        status: 'recorded',
        known: true,
        accompanimentId,
        serviceUserId,
        facilityId,
        exit: exitDetails(exit),
        actions: [],
        corrections: 0,
      };
    }
    if (current.status === 'none') return current;
    if (event.type === 'PostExitFollowUpClosed') return { ...current, status: 'closed' };
    if ('$erased' in event.data) {
      return { ...current, known: false, exit: undefined, actions: [] };
    }
    switch (event.type) {
      case 'ExitCorrected':
        return { ...current, exit: (event.data as ExitCorrected).exit, corrections: current.corrections + 1 };
      case 'PostExitActionPlanned': {
        const { actionId, dueDay } = event.data as PostExitActionPlanned;
        return { ...current, actions: [...current.actions, { actionId, status: 'open', dueDay, doneDay: undefined }] };
      }
      case 'PostExitActionDone': {
        const { actionId, doneDay } = event.data as PostExitActionDone;
        return { ...current, actions: settle(current.actions, actionId, 'done', doneDay) };
      }
      case 'PostExitActionCancelled': {
        const { actionId } = event.data as PostExitActionCancelled;
        return { ...current, actions: settle(current.actions, actionId, 'cancelled', undefined) };
      }
    }
  },
};

type RecordedExit = Extract<AccompanimentExit, { status: 'recorded' | 'closed' }>;
/** An exit that takes commands: its details known. */
type OpenExit = RecordedExit & { exit: ExitDetails };

function settle(
  actions: readonly PostExitActionState[],
  actionId: string,
  status: Exclude<PostExitActionStatus, 'open'>,
  doneDay: string | undefined,
): PostExitActionState[] {
  return actions.map((action) => (action.actionId === actionId ? { ...action, status, doneDay } : action));
}

/** The exit as it must be to take a command: recorded, its follow-up not closed, its usager known. */
function open(current: AccompanimentExit, what: string): OpenExit {
  if (current.status === 'none') {
    throw new DomainRuleViolation('EXIT_NOT_RECORDED', `Aucune sortie enregistrée : impossible de ${what}.`);
  }
  if (current.status === 'closed') {
    throw new DomainRuleViolation(
      'POST_EXIT_FOLLOW_UP_CLOSED',
      `Le suivi après la sortie est clos : impossible de ${what}.`,
    );
  }
  if (!current.known || current.exit === undefined) {
    throw new DomainRuleViolation('EXIT_ERASED', 'Cette sortie concerne une personne oubliée.');
  }
  return current as OpenExit;
}

function openAction(exit: RecordedExit, actionId: string): PostExitActionState {
  const action = exit.actions.find((candidate) => candidate.actionId === actionId);
  if (action === undefined) {
    throw new DomainRuleViolation('POST_EXIT_ACTION_NOT_FOUND', 'Aucune action de suivi prévue sous cet identifiant.', {
      actionId,
    });
  }
  if (action.status !== 'open') {
    throw new DomainRuleViolation(
      'POST_EXIT_ACTION_SETTLED',
      action.status === 'done' ? 'Cette action de suivi est déjà faite.' : 'Cette action de suivi a été annulée.',
      { actionId, status: action.status },
    );
  }
  return action;
}

function accompanimentIdOf(exit: RecordedExit): string {
  if (exit.accompanimentId === undefined) {
    throw new DomainRuleViolation('EXIT_ERASED', 'Cette sortie concerne une personne oubliée.');
  }
  return exit.accompanimentId;
}

function openActionIds(actions: readonly PostExitActionState[]): string[] {
  return actions.filter((action) => action.status === 'open').map((action) => action.actionId);
}

/** The earliest day already tied to the follow-up (a due day, a day done): the exit cannot move past it. */
function earliestDayAfterExit(actions: readonly PostExitActionState[]): string | undefined {
  return actions
    .flatMap((action) => [action.dueDay, ...(action.doneDay === undefined ? [] : [action.doneDay])])
    .sort()
    .at(0);
}

/** The details checked and trimmed, optional texts present only when given. */
function exitDetails(given: ExitDetails): ExitDetails {
  requireDay(given.exitDay, 'exitDay');
  if (!exitReasonSchema.safeParse(given.exitReason).success) {
    throw new DomainRuleViolation('EXIT_REASON_UNKNOWN', 'Motif de sortie inconnu.', { exitReason: given.exitReason });
  }
  if (!exitDestinationSchema.safeParse(given.destination).success) {
    throw new DomainRuleViolation('EXIT_DESTINATION_UNKNOWN', 'Destination de sortie inconnue.', {
      destination: given.destination,
    });
  }
  const exitReasonDetails = optionalText(given.exitReasonDetails);
  const destinationDetails = optionalText(given.destinationDetails);
  if (given.exitReason === 'other' && exitReasonDetails === undefined) {
    throw new DomainRuleViolation('EXIT_REASON_DETAILS_REQUIRED', 'Précisez le motif de sortie « autre ».');
  }
  if (given.destination === 'other' && destinationDetails === undefined) {
    throw new DomainRuleViolation('DESTINATION_DETAILS_REQUIRED', 'Précisez la destination « autre ».');
  }
  if ((given.exitReason === 'death') !== (given.destination === 'not-applicable')) {
    throw new DomainRuleViolation(
      'DESTINATION_NOT_APPLICABLE_ONLY_FOR_DEATH',
      given.exitReason === 'death'
        ? 'Après un décès, la destination est « sans objet ».'
        : 'La destination « sans objet » est réservée au décès.',
      { exitReason: given.exitReason, destination: given.destination },
    );
  }
  return {
    exitDay: given.exitDay,
    exitReason: given.exitReason,
    ...(exitReasonDetails === undefined ? {} : { exitReasonDetails }),
    destination: given.destination,
    ...(destinationDetails === undefined ? {} : { destinationDetails }),
  };
}

function sameDetails(a: ExitDetails, b: ExitDetails | undefined): boolean {
  return (
    b !== undefined &&
    a.exitDay === b.exitDay &&
    a.exitReason === b.exitReason &&
    a.exitReasonDetails === b.exitReasonDetails &&
    a.destination === b.destination &&
    a.destinationDetails === b.destinationDetails
  );
}

function notBeforeExit(day: string, exit: ExitDetails, field: string, what: string): void {
  if (day < exit.exitDay) {
    throw new DomainRuleViolation('BEFORE_EXIT', `${what} ne peut pas précéder la sortie (${exit.exitDay}).`, {
      field,
      day,
      exitDay: exit.exitDay,
    });
  }
}

function requireDay(value: string, field: string): void {
  if (!exitDaySchema.safeParse(value).success) {
    throw new DomainRuleViolation('INVALID_DATE', `Date invalide (AAAA-MM-JJ) : ${field}.`, { field, value });
  }
}

function optionalText(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const trimmed = value.trim();
  if (trimmed.length === 0) return undefined;
  return requireText(trimmed, 'TEXT_REQUIRED', 'Texte vide.');
}

function requireText(value: string, code: string, message: string): string {
  const trimmed = value.trim();
  if (trimmed.length === 0) throw new DomainRuleViolation(code, message);
  if (trimmed.length > MAX_TEXT_LENGTH) {
    throw new DomainRuleViolation('TEXT_TOO_LONG', `Le texte dépasse ${MAX_TEXT_LENGTH} caractères.`, {
      maxLength: MAX_TEXT_LENGTH,
    });
  }
  return trimmed;
}
