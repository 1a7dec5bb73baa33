import { expect } from 'chai';
import { accompanimentExitEventSchemas } from '../exits/accompaniment-exit.js';
import { ROLES } from '../habilitations/roles.js';
import { clinicalObservationEventSchemas } from '../medical-observations/clinical-observation.js';
import { prescriptionEventSchemas } from '../prescriptions/prescription.js';
import { psychologicalAssessmentEventSchemas } from '../psychology/psychological-assessment.js';
import { psychologistAppointmentEventSchemas } from '../psychology/psychologist-appointment.js';
import {
  CLINICIAN_ROLES,
  isClinicianRole,
  isContactWithServiceUser,
  isHealthDataFact,
  MEDICAL_EVENT_TYPES,
  NON_CONTACT_EVENT_TYPES,
} from './record-data-classes.js';

const nurse = { kind: 'professional', role: 'nurse' };
const educator = { kind: 'professional', role: 'educator' };

describe('what a fact tells the retention clock', () => {
  describe('health data', () => {
    it('comes with every fact of the medical, pharmacy and psychology modules, whoever recorded it', () => {
      // every event type of these modules, so that a new one cannot be forgotten here
      const medicalModules = [
        prescriptionEventSchemas,
        clinicalObservationEventSchemas,
        psychologicalAssessmentEventSchemas,
        psychologistAppointmentEventSchemas,
      ].flatMap((schemas) => Object.keys(schemas));
      for (const type of [...medicalModules, 'PrescriptionRegistered', 'MedicineDispensed', 'CareCertificateIssued']) {
        expect(MEDICAL_EVENT_TYPES.has(type), type).to.equal(true);
        expect(isHealthDataFact({ type, actor: educator }), type).to.equal(true);
        expect(isHealthDataFact({ type, actor: { kind: 'system' } }), type).to.equal(true);
      }
      expect(
        isHealthDataFact({ type: 'MedicineDispensed', actor: { kind: 'professional', role: 'pharmacist' } }),
      ).to.equal(true);
    });

    it('comes with any fact a clinician records, as the shell writes their roles', () => {
      expect(isHealthDataFact({ type: 'NoteWritten', actor: nurse })).to.equal(true);
      expect(
        isHealthDataFact({ type: 'ActRecorded', actor: { kind: 'professional', role: 'director,doctor' } }),
      ).to.equal(true);
      expect(isHealthDataFact({ type: 'NoteWritten', actor: { kind: 'professional', role: 'psychologue' } })).to.equal(
        true,
      );
      expect(isHealthDataFact({ type: 'NoteWritten', actor: { kind: 'professional', role: 'infirmier' } })).to.equal(
        true,
      );
    });

    it('does not come with the social and administrative facts of other professionals, nor the usager’s', () => {
      expect(isHealthDataFact({ type: 'NoteWritten', actor: educator })).to.equal(false);
      expect(
        isHealthDataFact({ type: 'SocialBenefitRecorded', actor: { kind: 'professional', role: 'socialWorker' } }),
      ).to.equal(false);
      expect(
        isHealthDataFact({ type: 'ExitRecorded', actor: { kind: 'professional', role: 'director,secretary' } }),
      ).to.equal(false);
      expect(isHealthDataFact({ type: 'TrustedPersonDesignated', actor: { kind: 'serviceUser' } })).to.equal(false);
      expect(isHealthDataFact({ type: 'NoteWritten' })).to.equal(false);
    });

    it('never comes with record administration, even by a clinician', () => {
      for (const type of ['RecordRead', 'CareTeamMemberAdded', 'RecordArchived', 'DocumentSharedWithServiceUser']) {
        expect(isHealthDataFact({ type, actor: { kind: 'professional', role: 'doctor' } }), type).to.equal(false);
      }
    });

    it('reads the clinician roles only, by whole word', () => {
      expect(CLINICIAN_ROLES.every((role) => ROLES.includes(role))).to.equal(true);
      for (const role of ROLES) {
        expect(isClinicianRole(role), role).to.equal((CLINICIAN_ROLES as readonly string[]).includes(role));
      }
      expect(isClinicianRole('doctorate')).to.equal(false);
      expect(isClinicianRole(undefined)).to.equal(false);
      expect(isClinicianRole('aucun')).to.equal(false);
    });
  });

  describe('contacts with the usager', () => {
    it('are the facts of their accompaniment, the exit included', () => {
      for (const type of [
        'NoteWritten',
        'ActRecorded',
        'PresenceRecorded',
        'MedicineDispensed',
        'TrustedPersonDesignated',
        'DocumentStored',
        'DocumentSigned',
        ...Object.keys(accompanimentExitEventSchemas),
      ]) {
        expect(isContactWithServiceUser({ type }), type).to.equal(true);
      }
    });

    it('are not record administration: retention, reads, portal logins, shares, requests for access, habilitations', () => {
      for (const type of [
        'RecordArchived',
        'RecordReopened',
        'LegalHoldPlaced',
        'LegalHoldLifted',
        'RecordDestroyed',
        'RecordRead',
        'PortalLoginSucceeded',
        'PortalLoginFailed',
        'DocumentSharedWithServiceUser',
        'DocumentShareWithdrawn',
        'AccessRequestFiled',
        'AccessRequestReleased',
        'CareTeamMemberAdded',
        'PsychologicalNotesAllowed',
        'HandoverRead',
      ]) {
        expect(NON_CONTACT_EVENT_TYPES.has(type), type).to.equal(true);
        expect(isContactWithServiceUser({ type }), type).to.equal(false);
      }
    });

    it('a fact is never both health data and record administration', () => {
      for (const type of MEDICAL_EVENT_TYPES) expect(NON_CONTACT_EVENT_TYPES.has(type), type).to.equal(false);
    });
  });
});
