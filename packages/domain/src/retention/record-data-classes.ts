import type { AccessRequestEventType } from '../access-requests/access-request.js';
import type { AgendaFeedEventType } from '../agenda/agenda-feed.js';
import type { InformationEventType } from '../agenda/information.js';
import type { HabilitationEventType } from '../habilitations/habilitation-administration.js';
import { ROLE_LABELS, type Role } from '../habilitations/roles.js';
import type { HandoverEventType } from '../handovers/handover.js';
import type { ClinicalObservationEventType } from '../medical-observations/clinical-observation.js';
import type { PharmacyLedgerEventType } from '../pharmacy-ledger/pharmacy-ledger.js';
import type { PortalAccountEventType } from '../portal-accounts/portal-account.js';
import type { PrescriptionEventType } from '../prescriptions/prescription.js';
import type { PsychologicalAssessmentEventType } from '../psychology/psychological-assessment.js';
import type { PsychologistAppointmentEventType } from '../psychology/psychologist-appointment.js';
import type { ReceivedSecureMessageEventType } from '../secure-messaging/received-secure-message.js';
import type { SentSecureMessageEventType } from '../secure-messaging/sent-secure-message.js';
import type { ServiceUserIdentityEventType } from '../service-users/service-user-identity.js';
import type { TrustedPersonEventType } from '../trusted-persons/trusted-person.js';
import type { DestructionReportEventType, RecordRetentionEventType } from './record-retention.js';

/**
 * What the retention clock needs to know of each fact about a usager, from its envelope alone
 * (type and actor), never its data: the clock must read the same before and after erasure.
 *
 * - Health data (medical or psychological): the facts of the medical and psychological modules,
 *   and any fact recorded by a clinician (doctor, nurse, pharmacist, psychologist), for what a
 *   clinician writes in a record (a note, an act, a document) is health data. The second rule
 *   over-counts (a doctor who is also director registering an admission); that only keeps a
 *   record longer, never destroys one early.
 * - Contacts: every fact about the usager is a contact, save record administration: the retention
 *   facts themselves, reads traced in the access log, portal logins and account management,
 *   document shares, requests for access (a usager asking for their archived record must not
 *   restart its clock), habilitations and access allowances, and staff marking what they read.
 */
export const MEDICAL_EVENT_TYPES: ReadonlySet<string> = new Set<
  | PrescriptionEventType
  | PharmacyLedgerEventType
  | ClinicalObservationEventType
  | PsychologicalAssessmentEventType
  | PsychologistAppointmentEventType
  | ServiceUserIdentityEventType
  | ReceivedSecureMessageEventType
>([
  // prescriptions of medicines and exams, and exam results
  'MedicinePrescribed',
  'ExamPrescribed',
  'PrescriptionSuspended',
  'PrescriptionResumed',
  'PrescriptionStopped',
  'PrescriptionCompleted',
  'ExamResultRecorded',
  'ExamCancelled',
  // the pharmacy: prescriptions registered for dispensing, dispensations (TSO included)
  'PrescriptionRegistered',
  'MedicineDispensed',
  // clinical observations, the ESSMS' own and those received from outside
  'ClinicalObservationRecorded',
  'ExternalObservationReceived',
  'ClinicalObservationAmended',
  'ClinicalObservationWithdrawn',
  // psychology
  'PsychologicalAssessmentRecorded',
  'PsychologicalAssessmentAmended',
  'PsychologistAppointmentPlanned',
  'PsychologistAppointmentRescheduled',
  'PsychologistAppointmentCancelled',
  'PsychologistAppointmentHeld',
  'PsychologistAppointmentMissed',
  // a certificate of care says that care was given
  'CareCertificateIssued',
  // documents received by MSSanté (exam results, reports), filed by the inbox rather than a clinician
  'ReceivedSecureMessageFiled',
]);

export const CLINICIAN_ROLES = ['doctor', 'nurse', 'pharmacist', 'psychologist'] as const satisfies readonly Role[];

/** The facts about a usager that are not contacts with them. */
export const NON_CONTACT_EVENT_TYPES: ReadonlySet<string> = new Set<
  | RecordRetentionEventType
  | DestructionReportEventType
  | 'RecordRead'
  | 'DocumentSharedWithServiceUser'
  | 'DocumentShareWithdrawn'
  | PortalAccountEventType
  | AccessRequestEventType
  | HabilitationEventType
  | Extract<TrustedPersonEventType, `${string}RecordConsultation${string}`>
  | Extract<HandoverEventType, 'HandoverRead'>
  | Exclude<InformationEventType, 'InformationSent'>
  | AgendaFeedEventType
  | SentSecureMessageEventType
>([
  // the retention of the record itself
  'RecordArchived',
  'RecordReopened',
  'LegalHoldPlaced',
  'LegalHoldLifted',
  'RecordDestroyed',
  // reads of the record, traced in the access log
  'RecordRead',
  // the portal account and its logins
  'PortalAccountInvited',
  'PortalPasswordSet',
  'PortalSecondFactorEnrolled',
  'PortalLoginSucceeded',
  'PortalOneTimeCodeUsedForSignature',
  'PortalLoginFailed',
  'PortalAccountRevoked',
  // documents shared with the usager (the documents themselves are contacts)
  'DocumentSharedWithServiceUser',
  'DocumentShareWithdrawn',
  // requests for access to the record (L.1111-7 CSP), answered even from the archive
  'AccessRequestFiled',
  'AccessRequestIdentityChecked',
  'AccessRequestReleased',
  'AccessRequestRefused',
  // who may read the record
  'RoleGranted',
  'RoleRevoked',
  'CareTeamMemberAdded',
  'CareTeamMemberRemoved',
  'KeyWorkerDesignated',
  'PsychologicalNotesAllowed',
  'PsychologicalNotesAllowanceWithdrawn',
  'TrustedPersonRecordConsultationAllowed',
  'TrustedPersonRecordConsultationWithdrawn',
  // staff marking what they read, and their calendar feeds
  'HandoverRead',
  'InformationRead',
  'InformationMarkedUnread',
  'AgendaFeedIssued',
  'AgendaFeedRevoked',
  // documents sent by MSSanté, and the acknowledgements that come back on their own, at any time
  'SecureMessageSent',
  'SecureMessageSendingFailed',
  'SecureMessageAcknowledged',
]);

/** The envelope of a fact, as far as the retention clock reads it. */
export interface RetentionEnvelope {
  type: string;
  actor?: { kind: string; role?: string };
}

const CLINICIAN_WORDS: ReadonlySet<string> = new Set(
  CLINICIAN_ROLES.flatMap((role) => [role.toLowerCase(), ROLE_LABELS[role].toLowerCase()]),
);

/**
 * Whether the actor's role names a clinician. The shell writes the roles held in the ESSMS,
 * comma-separated (`doctor,director`); French labels are read too.
 */
export function isClinicianRole(role: string | undefined): boolean {
  if (role === undefined) return false;
  return role
    .toLowerCase()
    .split(/[,;]/)
    .some((word) => CLINICIAN_WORDS.has(word.trim()));
}

/**
 * Whether this fact makes the record hold health data. Record administration never does: a doctor
 * reading the record, or granting a role, writes nothing about the usager's health.
 */
export function isHealthDataFact(envelope: RetentionEnvelope): boolean {
  if (MEDICAL_EVENT_TYPES.has(envelope.type)) return true;
  if (!isContactWithServiceUser(envelope)) return false;
  return envelope.actor?.kind === 'professional' && isClinicianRole(envelope.actor.role);
}

/** Whether this fact is a contact with the usager (it restarts the retention clock). */
export function isContactWithServiceUser(envelope: Pick<RetentionEnvelope, 'type'>): boolean {
  return !NON_CONTACT_EVENT_TYPES.has(envelope.type);
}
