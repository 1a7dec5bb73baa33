import type { DocumentKind } from '@dui-pds/domain';
import type { CodedValue } from './cda-document-input.js';
import { CDA_OIDS } from './cda-vocabulary.js';

/**
 * The document types (JDV_J07-XdsTypeCode-CISIS: LOINC, and the CI-SIS's own codes where LOINC
 * has none) of what the record holds and what the sector exchanges, and their XDS class
 * (TRE_A03-ClasseDocument, as JDV_J57-ClassCode-DMP admits it).
 */
const loinc = (code: string, displayName: string): CodedValue => ({
  code,
  displayName,
  codeSystem: CDA_OIDS.loinc,
  codeSystemName: 'LOINC',
});
const ciSis = (code: string, displayName: string): CodedValue => ({
  code,
  displayName,
  codeSystem: CDA_OIDS.complementaryDocumentType,
});

export const CDA_DOCUMENT_TYPES = {
  personalisedProject: loinc('80788-3', "Projet personnalisé d'accompagnement"),
  socialSectorDocument: loinc('28653-4', 'Document du secteur social / médico-social'),
  synthesis: ciSis('SYNTH', 'Synthèse'),
  certificate: ciSis('CERT_DECL', 'Certificat, déclaration'),
  identityDocumentCopy: ciSis('PIECE-IDENTITE', "Copie pièce d'identité"),
  administrativeDocument: loinc('51851-4', 'Document administratif'),
  consultationReport: loinc('11488-4', 'CR ou fiche de consultation ou de visite'),
  biologyReport: loinc('11502-2', "CR d'examens biologiques"),
  emergencyLiaisonDocument: loinc('74207-2', "Document de liaison d'urgence"),
  entryLiaisonLetter: loinc('88348-8', "Lettre de liaison d'entrée en structure sociale ou médico-sociale"),
  exitLiaisonLetter: loinc('83981-1', "Lettre de liaison à la sortie d'une structure sociale ou médico-sociale"),
  assessmentGrid: loinc('34842-5', "Grille d'évaluation médico-social"),
  psychologicalAssessment: loinc('83901-9', 'Bilan psychologique'),
} as const satisfies Record<string, CodedValue>;

/**
 * The type of a stored document of the record, undefined where the JDV has none that fits (a
 * letter says nothing of what it is about; "other" says less). Decisions:
 * - The contract, the DIPC, their amendments and annexes, and the trusted person's attestation
 *   are documents of the medico-social accompaniment: 28653-4, the JDV's code for them.
 * - The summary sheet gathers the whole record: SYNTH, not a medical synthesis (60591-5).
 * - The certificate of care is a certificate, not a medical one: CERT_DECL.
 */
export function cdaDocumentTypeOf(kind: DocumentKind): CodedValue | undefined {
  switch (kind) {
    case 'personalisedProject':
      return CDA_DOCUMENT_TYPES.personalisedProject;
    case 'stayContract':
    case 'dipc':
    case 'stayContractAmendment':
    case 'freedomOfMovementAnnex':
    case 'trustedPersonAttestation':
      return CDA_DOCUMENT_TYPES.socialSectorDocument;
    case 'summarySheet':
      return CDA_DOCUMENT_TYPES.synthesis;
    case 'careCertificate':
      return CDA_DOCUMENT_TYPES.certificate;
    case 'identityDocument':
      return CDA_DOCUMENT_TYPES.identityDocumentCopy;
    case 'medicalReport':
      return CDA_DOCUMENT_TYPES.consultationReport;
    case 'examResult':
      return CDA_DOCUMENT_TYPES.biologyReport;
    case 'administrative':
      return CDA_DOCUMENT_TYPES.administrativeDocument;
    case 'letter':
    case 'other':
      return undefined;
  }
}

/** TRE_A03-ClasseDocument. */
const CLASS_CODE_SYSTEM = '1.2.250.1.213.1.1.4.1';
const documentClass = (code: string, displayName: string): CodedValue => ({
  code,
  displayName,
  codeSystem: CLASS_CODE_SYSTEM,
});
export const XDS_CLASS_CODES = {
  report: documentClass('10', 'Compte rendu'),
  synthesis: documentClass('11', 'Synthèse'),
  carePlan: documentClass('44', 'Plan de soins, protocole de soins'),
  certificate: documentClass('52', 'Certificat, déclaration'),
  management: documentClass('95', 'Document de gestion'),
} as const satisfies Record<string, CodedValue>;

const CLASS_OF_TYPE: Readonly<Record<string, CodedValue>> = {
  '80788-3': XDS_CLASS_CODES.carePlan,
  '28653-4': XDS_CLASS_CODES.management,
  SYNTH: XDS_CLASS_CODES.synthesis,
  '74207-2': XDS_CLASS_CODES.synthesis,
  CERT_DECL: XDS_CLASS_CODES.certificate,
  'PIECE-IDENTITE': XDS_CLASS_CODES.management,
  '51851-4': XDS_CLASS_CODES.management,
};

/** The XDS class of a document type: a report unless the type says otherwise. */
export function xdsClassCodeOf(type: CodedValue): CodedValue {
  return CLASS_OF_TYPE[type.code] ?? XDS_CLASS_CODES.report;
}
