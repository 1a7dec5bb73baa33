import { z } from 'zod';
import type { Decider } from '../decider.js';
import { DomainRuleViolation } from '../errors.js';
import { frenchDay } from '../retention/retention-checks.js';

/**
 * Individual measures restricting a usager's freedom of movement (L.311-4-1 CASF, décret
 * 2016-1743: annexe au contrat de séjour; a legal duty in establishments for older people, good
 * practice elsewhere). Each measure links to a multidisciplinary assessment, the proposing doctor,
 * the deciding director, the information of the usager, and a review date.
 *
 * Decisions taken here:
 * - One stream per measure (`freedomOfMovementStreamId`): a measure is individual and lives its
 *   own life (proposed, decided, reviewed, lifted); two measures never contend.
 * - A measure is proposed by a doctor with its assessment, then decided by the director, who
 *   sets its review date: at most `MAX_REVIEW_MONTHS` months later (the period of the brief; DOMAIN.md
 *   only asks for "a review date"). Each review maintains, modifies or lifts it; unless lifted,
 *   it sets the next review date, again at most `MAX_REVIEW_MONTHS` months later.
 * - Dates are calendar days (`YYYY-MM-DD`) chosen by the caller: the clock comes in with the
 *   command, and `measureWarning` takes today as a parameter. A proposal, a decision, a review or
 *   the information of the usager is recorded once it happened: dated after the command's `today`
 *   (the shell's day in Europe/Paris), it is refused (`MEASURE_DAY_IN_FUTURE`), so that a decision
 *   dated ahead cannot push its review further than `MAX_REVIEW_MONTHS` from now, nor an
 *   information dated ahead clear the warning before the usager is told.
 */
export const MAX_REVIEW_MONTHS = 6;
/** How many days before its review date a measure shows `review-due-soon`. */
export const MEASURE_REVIEW_LEAD_DAYS = 15;
const MAX_TEXT_LENGTH = 4_000;
const id = z.string().min(1).max(200);
const text = z.string().min(1).max(MAX_TEXT_LENGTH);
const day = z.iso.date();

export const measureProposedSchema = z.object({
  measureId: z.uuid(),
  serviceUserId: id,
  facilityId: id,
  description: text,
  assessment: text,
  proposedBy: id,
  proposedAt: day,
});
export const measureDecidedSchema = z.object({ measureId: z.uuid(), decidedBy: id, decidedAt: day, reviewBy: day });
export const usagerInformedOfMeasureSchema = z.object({ measureId: z.uuid(), informedAt: day, how: text });
export const measureOutcomeSchema = z.enum(['maintained', 'modified', 'lifted']);
export const measureReviewedSchema = z.object({
  measureId: z.uuid(),
  reviewedAt: day,
  outcome: measureOutcomeSchema,
  nextReviewBy: day.optional(),
});

export type MeasureProposed = z.infer<typeof measureProposedSchema>;
export type MeasureDecided = z.infer<typeof measureDecidedSchema>;
export type UsagerInformedOfMeasure = z.infer<typeof usagerInformedOfMeasureSchema>;
export type MeasureOutcome = z.infer<typeof measureOutcomeSchema>;
export type MeasureReviewed = z.infer<typeof measureReviewedSchema>;

/** The data of a forgotten usager's events, as the store hands them back. */
export interface ErasedMeasureData {
  $erased: true;
}

export type FreedomOfMovementEvent =
  | { type: 'MeasureProposed'; data: MeasureProposed | ErasedMeasureData }
  | { type: 'MeasureDecided'; data: MeasureDecided | ErasedMeasureData }
  | { type: 'UsagerInformedOfMeasure'; data: UsagerInformedOfMeasure | ErasedMeasureData }
  | { type: 'MeasureReviewed'; data: MeasureReviewed | ErasedMeasureData };

export type FreedomOfMovementEventType = FreedomOfMovementEvent['type'];

export const freedomOfMovementEventSchemas = {
  MeasureProposed: measureProposedSchema,
  MeasureDecided: measureDecidedSchema,
  UsagerInformedOfMeasure: usagerInformedOfMeasureSchema,
  MeasureReviewed: measureReviewedSchema,
} as const;

/**
 * `today` (`YYYY-MM-DD`, Europe/Paris) is the shell's day: the command's own day may not be after
 * it. The HTTP shell always brings it; a caller that replays recorded history may leave it out.
 */
export type FreedomOfMovementCommand =
  | ({ type: 'ProposeMeasure'; today: string } & MeasureProposed)
  | { type: 'DecideMeasure'; today: string; decidedBy: string; decidedAt: string; reviewBy: string }
  | { type: 'RecordUsagerInformed'; today: string; informedAt: string; how: string }
  | { type: 'ReviewMeasure'; today: string; reviewedAt: string; outcome: MeasureOutcome; nextReviewBy?: string };

export type MeasureStatus = 'proposed' | 'decided' | 'lifted';

export type FreedomOfMovementMeasure =
  | { status: 'none' }
  | {
      status: MeasureStatus;
      /** Undefined once the usager was forgotten. */
      measureId: string | undefined;
      proposedAt: string | undefined;
      decidedAt: string | undefined;
      /** The date by which the measure must be reviewed; undefined before the decision and once lifted. */
      reviewBy: string | undefined;
      usagerInformed: boolean;
      reviews: number;
    };

/** One stream per measure; the organisation escaped, so that no two tenants share one. */
export function freedomOfMovementStreamId(organisationId: string, measureId: string): string {
  return `freedom-of-movement/${encodeURIComponent(organisationId)}/${measureId}`;
}

export const freedomOfMovementDecider: Decider<
  FreedomOfMovementCommand,
  FreedomOfMovementEvent,
  FreedomOfMovementMeasure
> = {
  initialState: () => ({ status: 'none' }),

  decide(command, measure) {
    switch (command.type) {
      case 'ProposeMeasure': {
        if (measure.status !== 'none') {
          throw new DomainRuleViolation('MEASURE_ALREADY_PROPOSED', 'Cette mesure a déjà été proposée.', {
            measureId: command.measureId,
          });
        }
        const description = requireText(
          command.description,
          'MEASURE_DESCRIPTION_REQUIRED',
          'La mesure doit être décrite.',
        );
        const assessment = requireText(
          command.assessment,
          'MEASURE_ASSESSMENT_REQUIRED',
          'Une mesure restreignant la liberté d’aller et venir doit s’appuyer sur une évaluation pluridisciplinaire.',
        );
        requireDayNotAfterToday(command.proposedAt, command.today, 'proposedAt', 'La proposition');
        return {
          type: 'MeasureProposed',
          data: {
            measureId: command.measureId,
            serviceUserId: command.serviceUserId,
            facilityId: command.facilityId,
            description,
            assessment,
            proposedBy: command.proposedBy,
            proposedAt: command.proposedAt,
          },
        };
      }
      case 'DecideMeasure': {
        const current = existing(measure, 'décidée');
        if (current.status !== 'proposed') {
          throw new DomainRuleViolation(
            current.status === 'lifted' ? 'MEASURE_LIFTED' : 'MEASURE_ALREADY_DECIDED',
            current.status === 'lifted'
              ? 'Cette mesure a été levée.'
              : 'Cette mesure a déjà été décidée par le directeur.',
          );
        }
        requireDayNotAfterToday(command.decidedAt, command.today, 'decidedAt', 'La décision');
        if (current.proposedAt !== undefined && command.decidedAt < current.proposedAt) {
          throw new DomainRuleViolation(
            'DECIDED_BEFORE_PROPOSED',
            'La décision ne peut pas précéder la proposition du médecin.',
            {
              proposedAt: current.proposedAt,
              decidedAt: command.decidedAt,
            },
          );
        }
        requireReviewWithin(command.decidedAt, command.reviewBy);
        return {
          type: 'MeasureDecided',
          data: {
            measureId: measureIdOf(current),
            decidedBy: command.decidedBy,
            decidedAt: command.decidedAt,
            reviewBy: command.reviewBy,
          },
        };
      }
      case 'RecordUsagerInformed': {
        const current = existing(measure, 'présentée à l’usager');
        if (current.status === 'proposed') {
          throw new DomainRuleViolation(
            'MEASURE_NOT_DECIDED',
            'L’usager est informé d’une mesure décidée : la décision du directeur doit précéder.',
          );
        }
        if (current.status === 'lifted') throw new DomainRuleViolation('MEASURE_LIFTED', 'Cette mesure a été levée.');
        requireDayNotAfterToday(command.informedAt, command.today, 'informedAt', 'L’information de l’usager');
        if (current.decidedAt !== undefined && command.informedAt < current.decidedAt) {
          throw new DomainRuleViolation(
            'INFORMED_BEFORE_DECISION',
            'L’information de l’usager ne peut pas précéder la décision.',
            {
              decidedAt: current.decidedAt,
              informedAt: command.informedAt,
            },
          );
        }
        const how = requireText(command.how, 'INFORMATION_MEANS_REQUIRED', 'Indiquez comment l’usager a été informé.');
        return {
          type: 'UsagerInformedOfMeasure',
          data: { measureId: measureIdOf(current), informedAt: command.informedAt, how },
        };
      }
      case 'ReviewMeasure': {
        const current = existing(measure, 'réévaluée');
        if (current.status === 'proposed') {
          throw new DomainRuleViolation(
            'MEASURE_NOT_DECIDED',
            'Une mesure se réévalue une fois décidée par le directeur.',
          );
        }
        if (current.status === 'lifted') throw new DomainRuleViolation('MEASURE_LIFTED', 'Cette mesure a été levée.');
        requireDayNotAfterToday(command.reviewedAt, command.today, 'reviewedAt', 'La réévaluation');
        if (current.decidedAt !== undefined && command.reviewedAt < current.decidedAt) {
          throw new DomainRuleViolation(
            'REVIEWED_BEFORE_DECISION',
            'La réévaluation ne peut pas précéder la décision.',
            {
              decidedAt: current.decidedAt,
              reviewedAt: command.reviewedAt,
            },
          );
        }
        if (command.outcome === 'lifted') {
          if (command.nextReviewBy !== undefined) {
            throw new DomainRuleViolation(
              'LIFTED_MEASURE_HAS_NO_REVIEW',
              'Une mesure levée n’a pas de prochaine réévaluation.',
            );
          }
          return {
            type: 'MeasureReviewed',
            data: { measureId: measureIdOf(current), reviewedAt: command.reviewedAt, outcome: 'lifted' },
          };
        }
        if (command.nextReviewBy === undefined) {
          throw new DomainRuleViolation(
            'NEXT_REVIEW_REQUIRED',
            'Une mesure maintenue ou modifiée doit avoir une date de prochaine réévaluation.',
          );
        }
        requireReviewWithin(command.reviewedAt, command.nextReviewBy);
        return {
          type: 'MeasureReviewed',
          data: {
            measureId: measureIdOf(current),
            reviewedAt: command.reviewedAt,
            outcome: command.outcome,
            nextReviewBy: command.nextReviewBy,
          },
        };
      }
    }
  },

  evolve(measure, event) {
    const erased = '$erased' in event.data;
    switch (event.type) {
      case 'MeasureProposed': {
        const data = event.data as MeasureProposed | ErasedMeasureData;
        return {
          status: 'proposed',
          measureId: '$erased' in data ? undefined : data.measureId,
          proposedAt: '$erased' in data ? undefined : data.proposedAt,
          decidedAt: undefined,
          reviewBy: undefined,
          usagerInformed: false,
          reviews: 0,
        };
      }
      case 'MeasureDecided': {
        if (measure.status === 'none') return measure;
        const data = event.data as MeasureDecided | ErasedMeasureData;
        return {
          ...measure,
          status: 'decided',
          decidedAt: '$erased' in data ? undefined : data.decidedAt,
          reviewBy: '$erased' in data ? undefined : data.reviewBy,
        };
      }
      case 'UsagerInformedOfMeasure':
        if (measure.status === 'none') return measure;
        return { ...measure, usagerInformed: true };
      case 'MeasureReviewed': {
        if (measure.status === 'none') return measure;
        if (erased) return { ...measure, reviewBy: undefined, reviews: measure.reviews + 1 };
        const data = event.data as MeasureReviewed;
        return data.outcome === 'lifted'
          ? { ...measure, status: 'lifted', reviewBy: undefined, reviews: measure.reviews + 1 }
          : { ...measure, reviewBy: data.nextReviewBy, reviews: measure.reviews + 1 };
      }
    }
  },
};

export type MeasureWarning = 'none' | 'review-due-soon' | 'review-overdue' | 'usager-not-informed';

/**
 * What a team should be told about a measure today: its review is overdue (today is after its
 * review date), or due soon (within `MEASURE_REVIEW_LEAD_DAYS` days, the review date included),
 * or else the usager was not yet informed of it. A proposed measure, not yet in force, and a
 * lifted one warn of nothing.
 */
export function measureWarning(
  measure:
    | Pick<Extract<FreedomOfMovementMeasure, { status: MeasureStatus }>, 'status' | 'reviewBy' | 'usagerInformed'>
    | {
        status: 'none';
      },
  today: string,
): MeasureWarning {
  if (measure.status !== 'decided') return 'none';
  if (measure.reviewBy !== undefined) {
    const left = daysBetween(today, measure.reviewBy);
    if (left < 0) return 'review-overdue';
    if (left <= MEASURE_REVIEW_LEAD_DAYS) return 'review-due-soon';
  }
  return measure.usagerInformed ? 'none' : 'usager-not-informed';
}

/** The calendar day `months` months after `date` (`YYYY-MM-DD`), clamped to the end of the month. */
export function addCalendarMonths(date: string, months: number): string {
  const [year, month, dayOfMonth] = date.split('-').map(Number) as [number, number, number];
  const target = new Date(Date.UTC(year, month - 1 + months, 1));
  const lastDay = new Date(Date.UTC(target.getUTCFullYear(), target.getUTCMonth() + 1, 0)).getUTCDate();
  target.setUTCDate(Math.min(dayOfMonth, lastDay));
  return target.toISOString().slice(0, 10);
}

/** Whole days from `from` to `to` (negative when `to` is earlier). */
function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000);
}

function requireReviewWithin(from: string, reviewBy: string): void {
  requireDay(reviewBy, 'reviewBy');
  const latest = addCalendarMonths(from, MAX_REVIEW_MONTHS);
  if (reviewBy <= from || reviewBy > latest) {
    throw new DomainRuleViolation(
      'REVIEW_DATE_OUT_OF_RANGE',
      `La date de réévaluation doit être postérieure à la décision et au plus tard ${MAX_REVIEW_MONTHS} mois après (${latest}).`,
      { from, reviewBy, latest },
    );
  }
}

function existing(
  measure: FreedomOfMovementMeasure,
  what: string,
): Extract<FreedomOfMovementMeasure, { status: MeasureStatus }> {
  if (measure.status === 'none') {
    throw new DomainRuleViolation(
      'MEASURE_NOT_PROPOSED',
      `Aucune mesure proposée par un médecin ne peut être ${what}.`,
    );
  }
  return measure;
}

function measureIdOf(measure: Extract<FreedomOfMovementMeasure, { status: MeasureStatus }>): string {
  if (measure.measureId === undefined) {
    throw new DomainRuleViolation('MEASURE_ERASED', 'Cette mesure concerne une personne oubliée.');
  }
  return measure.measureId;
}

function requireDay(value: string, field: string): void {
  if (!day.safeParse(value).success) {
    throw new DomainRuleViolation('INVALID_DATE', `Date invalide (AAAA-MM-JJ) : ${field}.`, { field, value });
  }
}

/**
 * A day of the measure's life, recorded once it happened: not after `today`, which the command
 * brings (the domain holds no clock). `what` names the act, in French (feminine: proposition, décision, ...).
 */
function requireDayNotAfterToday(value: string, today: string, field: string, what: string): void {
  requireDay(value, field);
  requireDay(today, 'today');
  if (value > today) {
    throw new DomainRuleViolation(
      'MEASURE_DAY_IN_FUTURE',
      `${what} ne peut pas être datée d’un jour à venir : elle s’enregistre une fois faite (nous sommes le ${frenchDay(today)}).`,
      { field, day: value, today },
    );
  }
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
