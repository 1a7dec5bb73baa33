import { z } from 'zod';
import type { Decider } from '../decider.js';
import { DomainRuleViolation } from '../errors.js';

/**
 * An application for admission (candidature) of one prospect to one or several ESSMS of the same
 * organisme gestionnaire, and its waiting list. One stream per application; each ESSMS applied to
 * has a status of its own:
 *
 *   received → waiting → contactPlanned → admitted | refused        (withdrawn ends all open ones)
 *
 * Decisions taken here:
 * - Direct admission from `received` is allowed (and so is planning a contact straight away):
 *   low-threshold services (CAARUD, LHSS, an urgent CSAPA admission) admit without a waiting list,
 *   and forcing a pass through it would record waiting that never happened and skew waiting times.
 * - Admission to one ESSMS leaves the other ESSMS' open statuses as they are: several ESSMS of an
 *   organisme may accompany the same usager (a CSAPA and an ACT, say). The prospect leaves the
 *   other lists by a refusal or a withdrawal, each with its reason.
 * - Once refused by an ESSMS, an application is closed there: applying again is a new application.
 * - A withdrawal closes every open status (received, waiting, contact planned); admissions already
 *   made stay (ending an accompaniment is the accompaniment's business). After it, every command
 *   is refused.
 * - Changing a priority to the one it already has changes nothing (no event).
 */
const MAX_REASON_LENGTH = 1_000;
const id = z.string().min(1).max(200);
const instant = z.iso.datetime({ offset: true });
const reason = z.string().min(1).max(MAX_REASON_LENGTH);

export const admissionPrioritySchema = z.enum(['urgent', 'high', 'normal']);
export type AdmissionPriority = z.infer<typeof admissionPrioritySchema>;
/** Most urgent first: the order of a waiting list. */
export const admissionPriorities: readonly AdmissionPriority[] = admissionPrioritySchema.options;

export const contactModeSchema = z.enum(['in-person', 'phone', 'video', 'mobile-unit']);
export type ContactMode = z.infer<typeof contactModeSchema>;

export const applicationReceivedSchema = z.object({
  applicationId: z.uuid(),
  serviceUserId: id,
  facilityIds: z.array(id).min(1).max(50),
  receivedAt: instant,
  /** Who referred the prospect (orientation: a hospital, a CAARUD, the prospect themself...). */
  source: z.string().min(1).max(500).optional(),
  priority: admissionPrioritySchema,
});
export const addedToWaitingListSchema = z.object({ facilityId: id, at: instant, priority: admissionPrioritySchema });
export const priorityChangedSchema = z.object({ facilityId: id, priority: admissionPrioritySchema, reason });
export const contactPlannedSchema = z.object({
  facilityId: id,
  contactId: z.uuid(),
  appointmentAt: instant,
  professionalId: id,
  mode: contactModeSchema,
  at: instant,
});
/** Opens the accompaniment `accompanimentId` of the usager in the ESSMS. */
export const admittedSchema = z.object({
  facilityId: id,
  accompanimentId: z.uuid(),
  admittedAt: instant,
  applicationId: z.uuid(),
  serviceUserId: id,
});
export const applicationRefusedSchema = z.object({ facilityId: id, reason, at: instant });
/** `facilityIds`: the ESSMS where the application was still open, and which it leaves. */
export const applicationWithdrawnSchema = z.object({ facilityIds: z.array(id), reason, at: instant });

export type ApplicationReceived = z.infer<typeof applicationReceivedSchema>;
export type AddedToWaitingList = z.infer<typeof addedToWaitingListSchema>;
export type PriorityChanged = z.infer<typeof priorityChangedSchema>;
export type ContactPlanned = z.infer<typeof contactPlannedSchema>;
export type Admitted = z.infer<typeof admittedSchema>;
export type ApplicationRefused = z.infer<typeof applicationRefusedSchema>;
export type ApplicationWithdrawn = z.infer<typeof applicationWithdrawnSchema>;

/** The data of a forgotten usager's events, as the store hands them back. */
export interface ErasedApplicationData {
  $erased: true;
}

export type AdmissionApplicationEvent =
  | { type: 'ApplicationReceived'; data: ApplicationReceived | ErasedApplicationData }
  | { type: 'AddedToWaitingList'; data: AddedToWaitingList | ErasedApplicationData }
  | { type: 'PriorityChanged'; data: PriorityChanged | ErasedApplicationData }
  | { type: 'ContactPlanned'; data: ContactPlanned | ErasedApplicationData }
  | { type: 'Admitted'; data: Admitted | ErasedApplicationData }
  | { type: 'ApplicationRefused'; data: ApplicationRefused | ErasedApplicationData }
  | { type: 'ApplicationWithdrawn'; data: ApplicationWithdrawn | ErasedApplicationData };

export type AdmissionApplicationEventType = AdmissionApplicationEvent['type'];

export const admissionApplicationEventSchemas = {
  ApplicationReceived: applicationReceivedSchema,
  AddedToWaitingList: addedToWaitingListSchema,
  PriorityChanged: priorityChangedSchema,
  ContactPlanned: contactPlannedSchema,
  Admitted: admittedSchema,
  ApplicationRefused: applicationRefusedSchema,
  ApplicationWithdrawn: applicationWithdrawnSchema,
} as const;

export type AdmissionApplicationCommand =
  | {
      type: 'ReceiveApplication';
      applicationId: string;
      serviceUserId: string;
      facilityIds: readonly string[];
      receivedAt: string;
      source?: string;
      priority: AdmissionPriority;
    }
  | { type: 'PutOnWaitingList'; facilityId: string; at: string; priority?: AdmissionPriority }
  | { type: 'ChangePriority'; facilityId: string; priority: AdmissionPriority; reason: string }
  | {
      type: 'PlanContact';
      facilityId: string;
      contactId: string;
      appointmentAt: string;
      professionalId: string;
      mode: ContactMode;
      at: string;
    }
  | { type: 'Admit'; facilityId: string; accompanimentId: string; admittedAt: string }
  | { type: 'Refuse'; facilityId: string; reason: string; at: string }
  | { type: 'Withdraw'; reason: string; at: string };

export type FacilityApplicationStatus =
  | 'received'
  | 'waiting'
  | 'contactPlanned'
  | 'admitted'
  | 'refused'
  | 'withdrawn';
/** The statuses of an ESSMS where the application is still under way. */
export const openApplicationStatuses: readonly FacilityApplicationStatus[] = ['received', 'waiting', 'contactPlanned'];
/** The statuses that put the prospect on an ESSMS' waiting list. */
export const waitingListStatuses: readonly FacilityApplicationStatus[] = ['waiting', 'contactPlanned'];

export interface FacilityApplication {
  status: FacilityApplicationStatus;
  priority: AdmissionPriority;
}

export type AdmissionApplication =
  | { status: 'none' }
  | {
      status: 'open' | 'withdrawn';
      applicationId: string | undefined;
      serviceUserId: string | undefined;
      /** Per ESSMS applied to (empty when the application's first event was erased). */
      facilities: ReadonlyMap<string, FacilityApplication>;
    };

/** One stream per application. */
export function admissionApplicationStreamId(applicationId: string): string {
  return `admission-application-${applicationId}`;
}

export const admissionApplicationDecider: Decider<
  AdmissionApplicationCommand,
  AdmissionApplicationEvent,
  AdmissionApplication
> = {
  initialState: () => ({ status: 'none' }),

  decide(command, application) {
    if (command.type === 'ReceiveApplication') {
      if (application.status !== 'none') {
        throw new DomainRuleViolation('APPLICATION_ALREADY_RECEIVED', 'Cette candidature a déjà été reçue.', {
          applicationId: command.applicationId,
        });
      }
      const facilityIds = [...new Set(command.facilityIds)];
      if (facilityIds.length === 0) {
        throw new DomainRuleViolation(
          'APPLICATION_FACILITY_REQUIRED',
          'Une candidature doit viser au moins un établissement ou service.',
        );
      }
      const { type: _, source, ...data } = command;
      const trimmedSource = source?.trim();
      return {
        type: 'ApplicationReceived',
        data: { ...data, facilityIds, ...(trimmedSource ? { source: trimmedSource } : {}) },
      };
    }
    if (application.status === 'none') {
      throw new DomainRuleViolation('APPLICATION_NOT_FOUND', 'Aucune candidature reçue sous cet identifiant.');
    }
    if (application.status === 'withdrawn') {
      throw new DomainRuleViolation(
        'APPLICATION_WITHDRAWN',
        'La personne a retiré sa candidature : elle ne peut plus être modifiée.',
      );
    }
    switch (command.type) {
      case 'PutOnWaitingList': {
        const facility = appliedFacility(application.facilities, command.facilityId);
        if (facility.status === 'waiting' || facility.status === 'contactPlanned') {
          throw new DomainRuleViolation(
            'ALREADY_ON_WAITING_LIST',
            'La personne est déjà sur la liste d’attente de cet établissement ou service.',
            { facilityId: command.facilityId },
          );
        }
        requireOpen(facility, command.facilityId);
        return {
          type: 'AddedToWaitingList',
          data: { facilityId: command.facilityId, at: command.at, priority: command.priority ?? facility.priority },
        };
      }
      case 'ChangePriority': {
        const facility = requireOpen(appliedFacility(application.facilities, command.facilityId), command.facilityId);
        const why = requireReason(
          command.reason,
          'PRIORITY_REASON_REQUIRED',
          'Un changement de priorité doit être motivé.',
        );
        if (facility.priority === command.priority) return [];
        return {
          type: 'PriorityChanged',
          data: { facilityId: command.facilityId, priority: command.priority, reason: why },
        };
      }
      case 'PlanContact': {
        requireOpen(appliedFacility(application.facilities, command.facilityId), command.facilityId);
        const { type: _, ...data } = command;
        return { type: 'ContactPlanned', data };
      }
      case 'Admit': {
        const facility = appliedFacility(application.facilities, command.facilityId);
        if (facility.status === 'admitted') {
          throw new DomainRuleViolation(
            'ALREADY_ADMITTED',
            'La personne est déjà admise dans cet établissement ou service.',
            { facilityId: command.facilityId },
          );
        }
        requireOpen(facility, command.facilityId);
        if (application.applicationId === undefined || application.serviceUserId === undefined) {
          throw new DomainRuleViolation('APPLICATION_ERASED', 'Cette candidature concerne une personne oubliée.');
        }
        const { type: _, ...data } = command;
        return {
          type: 'Admitted',
          data: { ...data, applicationId: application.applicationId, serviceUserId: application.serviceUserId },
        };
      }
      case 'Refuse': {
        requireOpen(appliedFacility(application.facilities, command.facilityId), command.facilityId);
        const why = requireReason(command.reason, 'REFUSAL_REASON_REQUIRED', 'Un refus d’admission doit être motivé.');
        return { type: 'ApplicationRefused', data: { facilityId: command.facilityId, reason: why, at: command.at } };
      }
      case 'Withdraw': {
        const why = requireReason(
          command.reason,
          'WITHDRAWAL_REASON_REQUIRED',
          'Un retrait de candidature doit être motivé.',
        );
        const facilityIds = [...application.facilities]
          .filter(([, facility]) => openApplicationStatuses.includes(facility.status))
          .map(([facilityId]) => facilityId);
        if (facilityIds.length === 0) {
          throw new DomainRuleViolation(
            'NO_OPEN_APPLICATION',
            'La candidature n’est plus en cours dans aucun établissement ou service : il n’y a rien à retirer.',
          );
        }
        return { type: 'ApplicationWithdrawn', data: { facilityIds, reason: why, at: command.at } };
      }
    }
  },

  evolve(application, event) {
    if (event.type === 'ApplicationReceived') {
      if ('$erased' in event.data) {
        return { status: 'open', applicationId: undefined, serviceUserId: undefined, facilities: new Map() };
      }
      const { applicationId, serviceUserId, facilityIds, priority } = event.data;
      return {
        status: 'open',
        applicationId,
        serviceUserId,
        facilities: new Map(facilityIds.map((facilityId) => [facilityId, { status: 'received', priority }])),
      };
    }
    if (application.status === 'none') return application;
    if (event.type === 'ApplicationWithdrawn') {
      const facilities = new Map(application.facilities);
      for (const [facilityId, facility] of facilities) {
        if (openApplicationStatuses.includes(facility.status))
          facilities.set(facilityId, { ...facility, status: 'withdrawn' });
      }
      return { ...application, status: 'withdrawn', facilities };
    }
    // A forgotten usager's events say nothing of the ESSMS: the application stays as it was.
    if ('$erased' in event.data) return application;
    const { facilityId } = event.data;
    const facility = application.facilities.get(facilityId);
    if (!facility) return application;
    const updated: FacilityApplication = (() => {
      switch (event.type) {
        case 'AddedToWaitingList':
          return { status: 'waiting', priority: event.data.priority };
        case 'PriorityChanged':
          return { ...facility, priority: event.data.priority };
        case 'ContactPlanned':
          return { ...facility, status: 'contactPlanned' };
        case 'Admitted':
          return { ...facility, status: 'admitted' };
        case 'ApplicationRefused':
          return { ...facility, status: 'refused' };
      }
    })();
    return { ...application, facilities: new Map(application.facilities).set(facilityId, updated) };
  },
};

function appliedFacility(
  facilities: ReadonlyMap<string, FacilityApplication>,
  facilityId: string,
): FacilityApplication {
  const facility = facilities.get(facilityId);
  if (!facility) {
    throw new DomainRuleViolation(
      'FACILITY_NOT_APPLIED_FOR',
      'La candidature ne vise pas cet établissement ou service.',
      { facilityId },
    );
  }
  return facility;
}

function requireOpen(facility: FacilityApplication, facilityId: string): FacilityApplication {
  if (!openApplicationStatuses.includes(facility.status)) {
    throw new DomainRuleViolation(
      'APPLICATION_CLOSED_FOR_FACILITY',
      facility.status === 'admitted'
        ? 'La personne est déjà admise dans cet établissement ou service.'
        : 'La candidature a été refusée par cet établissement ou service : une nouvelle candidature est nécessaire.',
      { facilityId, status: facility.status },
    );
  }
  return facility;
}

function requireReason(text: string, code: string, message: string): string {
  const trimmed = text.trim();
  if (trimmed.length === 0) throw new DomainRuleViolation(code, message);
  if (trimmed.length > MAX_REASON_LENGTH) {
    throw new DomainRuleViolation('REASON_TOO_LONG', `Le motif dépasse ${MAX_REASON_LENGTH} caractères.`, {
      maxLength: MAX_REASON_LENGTH,
    });
  }
  return trimmed;
}
