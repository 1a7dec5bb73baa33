import { z } from 'zod';
import type { Decider } from '../decider.js';
import { DomainRuleViolation } from '../errors.js';
import { ROLE_LABELS, type Role } from '../habilitations/roles.js';

/**
 * Medical observations (observations médicales) of a usager: written by a clinician of the ESSMS,
 * or received from outside (a hospital letter by MSSanté, a document of the DMP, a mail). Both are
 * medical data and live in one list per usager, each with its origin.
 *
 * Decisions taken here:
 * - One stream per observation (`clinicalObservationStreamId`): a fact without cross-invariants.
 * - Only doctors and nurses write observations (`CLINICAL_OBSERVATION_AUTHORS`): the pharmacist,
 *   who may write medical data for dispensing, records dispensations, not observations.
 * - A received observation keeps its source: who sent it (name, identifier such as an RPPS or an
 *   MSSanté address), the channel (`mssante`, `dmp`, `other`), when it was received, and the
 *   sender's document reference. `ReceiveExternalObservation` is what the MSSanté and DMP
 *   adapters call; they should derive `observationId` from the message, so that receiving the same
 *   message twice is refused rather than duplicated.
 * - Never edited. A clinician's observation is amended by a later event with its reason and the
 *   amender's profession (any doctor or nurse who may write the usager's medical data: the amender
 *   is named in the read models beside the author, never hidden behind them); a received one is
 *   never amended (it is the sender's document): add an observation instead.
 * - Either may be withdrawn with a reason and a kind (`OBSERVATION_WITHDRAWAL_KINDS`): filed in the
 *   wrong record (`wrong-record`: it is another person's data, which the read models then withhold),
 *   received or written twice (`duplicate`), or another error (`other`). It stays listed as such.
 *   Withdrawals recorded before kinds existed carry none.
 * - Times are ISO instants chosen by the caller; `now` comes with the command, so an observation
 *   is never dated in the future.
 */
export const CLINICAL_OBSERVATION_AUTHORS = ['doctor', 'nurse'] as const satisfies readonly Role[];
export type ClinicalObservationAuthorProfession = (typeof CLINICAL_OBSERVATION_AUTHORS)[number];
export const EXTERNAL_OBSERVATION_CHANNELS = ['mssante', 'dmp', 'other'] as const;
export type ExternalObservationChannel = (typeof EXTERNAL_OBSERVATION_CHANNELS)[number];
export const externalObservationChannelSchema = z.enum(EXTERNAL_OBSERVATION_CHANNELS);
/** Why an observation is withdrawn: `wrong-record`, it concerns another person. */
export const OBSERVATION_WITHDRAWAL_KINDS = ['wrong-record', 'duplicate', 'other'] as const;
export type ObservationWithdrawalKind = (typeof OBSERVATION_WITHDRAWAL_KINDS)[number];
export const observationWithdrawalKindSchema = z.enum(OBSERVATION_WITHDRAWAL_KINDS);

const MAX_TEXT_LENGTH = 20_000;
const MAX_TITLE_LENGTH = 300;
const MAX_REASON_LENGTH = 1_000;
/** Clocks of workstations drift: a time this far ahead of the server's is accepted. */
const FUTURE_TOLERANCE_MS = 5 * 60_000;
const id = z.string().min(1).max(200);
const instant = z.iso.datetime({ offset: true });
const text = z.string().min(1).max(MAX_TEXT_LENGTH);
const title = z.string().min(1).max(MAX_TITLE_LENGTH);

export const clinicalObservationRecordedSchema = z.object({
  observationId: z.uuid(),
  serviceUserId: id,
  facilityId: id,
  author: z.object({ professionalId: id, profession: z.enum(CLINICAL_OBSERVATION_AUTHORS) }),
  observedAt: instant,
  title: title.optional(),
  text,
});
export const externalObservationSourceSchema = z.object({
  senderName: z.string().min(1).max(300),
  /** RPPS, FINESS, MSSanté address…, when the sender gave one. */
  senderIdentifier: z.string().min(1).max(300).optional(),
  channel: externalObservationChannelSchema,
  /** The sender's reference of the document (message id, DMP unique id…). */
  documentReference: z.string().min(1).max(500),
});
export const externalObservationReceivedSchema = z.object({
  observationId: z.uuid(),
  serviceUserId: id,
  facilityId: id,
  source: externalObservationSourceSchema,
  receivedAt: instant,
  title,
  text,
});
export const clinicalObservationAmendedSchema = z.object({
  observationId: z.uuid(),
  reason: z.string().min(1).max(MAX_REASON_LENGTH),
  title: title.optional(),
  text,
  /** The amender's profession (who they are is the event's actor); absent from earlier events. */
  profession: z.enum(CLINICAL_OBSERVATION_AUTHORS).optional(),
});
export const clinicalObservationWithdrawnSchema = z.object({
  observationId: z.uuid(),
  reason: z.string().min(1).max(MAX_REASON_LENGTH),
  /** Absent from withdrawals recorded before kinds existed. */
  kind: observationWithdrawalKindSchema.optional(),
});

export type ClinicalObservationRecorded = z.infer<typeof clinicalObservationRecordedSchema>;
export type ExternalObservationSource = z.infer<typeof externalObservationSourceSchema>;
export type ExternalObservationReceived = z.infer<typeof externalObservationReceivedSchema>;
export type ClinicalObservationAmended = z.infer<typeof clinicalObservationAmendedSchema>;
export type ClinicalObservationWithdrawn = z.infer<typeof clinicalObservationWithdrawnSchema>;

/** The data of a forgotten usager's events, as the store hands them back. */
export interface ErasedClinicalObservationData {
  $erased: true;
}

export type ClinicalObservationEvent =
  | { type: 'ClinicalObservationRecorded'; data: ClinicalObservationRecorded | ErasedClinicalObservationData }
  | { type: 'ExternalObservationReceived'; data: ExternalObservationReceived | ErasedClinicalObservationData }
  | { type: 'ClinicalObservationAmended'; data: ClinicalObservationAmended | ErasedClinicalObservationData }
  | { type: 'ClinicalObservationWithdrawn'; data: ClinicalObservationWithdrawn | ErasedClinicalObservationData };

export type ClinicalObservationEventType = ClinicalObservationEvent['type'];

export const clinicalObservationEventSchemas = {
  ClinicalObservationRecorded: clinicalObservationRecordedSchema,
  ExternalObservationReceived: externalObservationReceivedSchema,
  ClinicalObservationAmended: clinicalObservationAmendedSchema,
  ClinicalObservationWithdrawn: clinicalObservationWithdrawnSchema,
} as const;

export type ClinicalObservationCommand =
  | {
      type: 'RecordClinicalObservation';
      observationId: string;
      serviceUserId: string;
      facilityId: string;
      author: { professionalId: string; profession: Role };
      observedAt: string;
      title?: string;
      text: string;
      now: string;
    }
  | ({ type: 'ReceiveExternalObservation'; now: string } & ExternalObservationReceived)
  | {
      type: 'AmendClinicalObservation';
      /** Who amends, as what: only a clinician amends a clinician's observation. */
      profession: Role;
      reason: string;
      title?: string;
      text: string;
    }
  | { type: 'WithdrawClinicalObservation'; kind: ObservationWithdrawalKind; reason: string };

export type ObservationOrigin = 'clinician' | 'external';

export type ClinicalObservation =
  | { status: 'none' }
  | {
      status: 'current' | 'withdrawn';
      observationId: string;
      origin: ObservationOrigin;
      /** Undefined once the usager was forgotten. */
      serviceUserId: string | undefined;
      facilityId: string | undefined;
      title: string | undefined;
      text: string | undefined;
      amendments: number;
    };

/** One stream per observation; the organisation escaped, so that no two tenants share one. */
export function clinicalObservationStreamId(organisationId: string, observationId: string): string {
  return `clinical-observation/${encodeURIComponent(organisationId)}/${observationId}`;
}

/** Whether this profession writes medical observations. */
export function writesClinicalObservations(profession: Role): profession is ClinicalObservationAuthorProfession {
  return (CLINICAL_OBSERVATION_AUTHORS as readonly Role[]).includes(profession);
}

export const clinicalObservationDecider: Decider<
  ClinicalObservationCommand,
  ClinicalObservationEvent,
  ClinicalObservation
> = {
  initialState: () => ({ status: 'none' }),

  decide(command, observation) {
    switch (command.type) {
      case 'RecordClinicalObservation': {
        requireNew(observation);
        const profession = requireClinician(command.author.profession);
        const observationTitle = optionalTitle(command.title);
        return {
          type: 'ClinicalObservationRecorded',
          data: {
            observationId: command.observationId,
            serviceUserId: command.serviceUserId,
            facilityId: command.facilityId,
            author: { professionalId: command.author.professionalId, profession },
            observedAt: requirePast(command.observedAt, command.now, 'OBSERVATION_IN_FUTURE'),
            ...(observationTitle === undefined ? {} : { title: observationTitle }),
            text: requireText(command.text),
          },
        };
      }
      case 'ReceiveExternalObservation': {
        requireNew(observation);
        const { source } = command;
        const senderName = source.senderName.trim();
        const documentReference = source.documentReference.trim();
        if (senderName.length === 0) {
          throw new DomainRuleViolation('OBSERVATION_SENDER_REQUIRED', 'Indiquez qui a envoyé ce document.');
        }
        if (documentReference.length === 0) {
          throw new DomainRuleViolation(
            'OBSERVATION_DOCUMENT_REFERENCE_REQUIRED',
            'Indiquez la référence du document reçu (identifiant du message ou du document).',
          );
        }
        const senderIdentifier = source.senderIdentifier?.trim();
        const receivedTitle = optionalTitle(command.title);
        if (receivedTitle === undefined) {
          throw new DomainRuleViolation('OBSERVATION_TITLE_REQUIRED', 'Un document reçu porte un titre.');
        }
        return {
          type: 'ExternalObservationReceived',
          data: {
            observationId: command.observationId,
            serviceUserId: command.serviceUserId,
            facilityId: command.facilityId,
            source: {
              senderName,
              ...(senderIdentifier ? { senderIdentifier } : {}),
              channel: source.channel,
              documentReference,
            },
            receivedAt: requirePast(command.receivedAt, command.now, 'OBSERVATION_RECEIVED_IN_FUTURE'),
            title: receivedTitle,
            text: requireText(command.text),
          },
        };
      }
      case 'AmendClinicalObservation': {
        const current = requireCurrent(observation, 'modifier');
        if (current.origin === 'external') {
          throw new DomainRuleViolation(
            'EXTERNAL_OBSERVATION_NOT_AMENDABLE',
            'Un document reçu de l’extérieur ne se modifie pas : ajoutez une observation, ou retirez-le en disant pourquoi.',
          );
        }
        const profession = requireClinician(command.profession);
        const reason = requireReason(
          command.reason,
          'OBSERVATION_AMENDMENT_REASON_REQUIRED',
          'Une modification d’observation doit être motivée',
        );
        const amendedText = requireText(command.text);
        const amendedTitle = optionalTitle(command.title);
        if (amendedText === current.text && (amendedTitle === undefined || amendedTitle === current.title)) {
          throw new DomainRuleViolation(
            'OBSERVATION_AMENDMENT_CHANGES_NOTHING',
            'Cette modification ne change rien à l’observation.',
          );
        }
        return {
          type: 'ClinicalObservationAmended',
          data: {
            observationId: current.observationId,
            reason,
            ...(amendedTitle === undefined ? {} : { title: amendedTitle }),
            text: amendedText,
            profession,
          },
        };
      }
      case 'WithdrawClinicalObservation': {
        const current = requireCurrent(observation, 'retirer');
        const reason = requireReason(
          command.reason,
          'OBSERVATION_WITHDRAWAL_REASON_REQUIRED',
          'Le retrait d’une observation doit être motivé',
        );
        if (!observationWithdrawalKindSchema.safeParse(command.kind).success) {
          throw new DomainRuleViolation(
            'OBSERVATION_WITHDRAWAL_KIND_REQUIRED',
            'Dites pourquoi l’observation est retirée : mauvais dossier, doublon ou autre erreur.',
          );
        }
        return {
          type: 'ClinicalObservationWithdrawn',
          data: { observationId: current.observationId, reason, kind: command.kind },
        };
      }
    }
  },

  evolve(observation, event) {
    switch (event.type) {
      case 'ClinicalObservationRecorded':
      case 'ExternalObservationReceived': {
        const origin: ObservationOrigin = event.type === 'ClinicalObservationRecorded' ? 'clinician' : 'external';
        if ('$erased' in event.data) {
          return {
            status: 'current',
            observationId: '',
            origin,
            serviceUserId: undefined,
            facilityId: undefined,
            title: undefined,
            text: undefined,
            amendments: 0,
          };
        }
        return {
          status: 'current',
          observationId: event.data.observationId,
          origin,
          serviceUserId: event.data.serviceUserId,
          facilityId: event.data.facilityId,
          title: event.data.title,
          text: event.data.text,
          amendments: 0,
        };
      }
      case 'ClinicalObservationAmended': {
        if (observation.status === 'none') return observation;
        if ('$erased' in event.data) return { ...observation, amendments: observation.amendments + 1 };
        return {
          ...observation,
          title: event.data.title ?? observation.title,
          text: event.data.text,
          amendments: observation.amendments + 1,
        };
      }
      case 'ClinicalObservationWithdrawn':
        return observation.status === 'none' ? observation : { ...observation, status: 'withdrawn' };
    }
  },
};

function requireNew(observation: ClinicalObservation): void {
  if (observation.status !== 'none') {
    throw new DomainRuleViolation(
      'OBSERVATION_ALREADY_RECORDED',
      'Une observation est déjà enregistrée sous cet identifiant.',
    );
  }
}

function requireCurrent(observation: ClinicalObservation, verb: string) {
  if (observation.status === 'none') {
    throw new DomainRuleViolation('OBSERVATION_NOT_FOUND', `Aucune observation à ${verb} sous cet identifiant.`);
  }
  if (observation.status === 'withdrawn') {
    throw new DomainRuleViolation(
      'OBSERVATION_WITHDRAWN',
      `Cette observation a été retirée : impossible de la ${verb}.`,
    );
  }
  if (observation.serviceUserId === undefined) {
    throw new DomainRuleViolation('OBSERVATION_ERASED', 'Cette observation concerne une personne oubliée.');
  }
  return observation;
}

function requireClinician(profession: Role): ClinicalObservationAuthorProfession {
  if (!writesClinicalObservations(profession)) {
    throw new DomainRuleViolation(
      'OBSERVATION_AUTHOR_NOT_CLINICIAN',
      `Les observations médicales sont écrites par un médecin ou un infirmier, pas par : ${ROLE_LABELS[profession]}.`,
      { profession },
    );
  }
  return profession;
}

function requireText(value: string): string {
  const trimmed = value.trim();
  if (trimmed.length === 0) {
    throw new DomainRuleViolation('OBSERVATION_TEXT_REQUIRED', 'Le texte de l’observation est vide.');
  }
  if (trimmed.length > MAX_TEXT_LENGTH) {
    throw new DomainRuleViolation('OBSERVATION_TEXT_TOO_LONG', `Le texte dépasse ${MAX_TEXT_LENGTH} caractères.`);
  }
  return trimmed;
}

/** A title trimmed; an empty one is no title. */
function optionalTitle(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  if (!trimmed) return undefined;
  if (trimmed.length > MAX_TITLE_LENGTH) {
    throw new DomainRuleViolation('OBSERVATION_TITLE_TOO_LONG', `Le titre dépasse ${MAX_TITLE_LENGTH} caractères.`);
  }
  return trimmed;
}

function requireReason(value: string, code: string, message: string): string {
  const reason = value.trim();
  if (reason.length === 0 || reason.length > MAX_REASON_LENGTH) {
    throw new DomainRuleViolation(code, `${message} (${MAX_REASON_LENGTH} caractères au plus).`);
  }
  return reason;
}

function requirePast(at: string, now: string, code: string): string {
  if (!instant.safeParse(at).success) {
    throw new DomainRuleViolation('OBSERVATION_TIME_INVALID', 'Date et heure invalides (ISO 8601 attendu).');
  }
  if (Date.parse(at) > Date.parse(now) + FUTURE_TOLERANCE_MS) {
    throw new DomainRuleViolation(code, 'Une observation ne peut pas être datée dans le futur.', { at });
  }
  return at;
}
