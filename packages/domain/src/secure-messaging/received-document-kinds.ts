import type { DocumentKind } from '../documents/document-kinds.js';

/**
 * The LOINC types of the documents that report an exam (CI-SIS, JDV_J07-XdsTypeCode): what a
 * laboratory or an imaging service sends. A received document of one of them is an exam result of
 * the record, listed with the others.
 */
export const EXAM_RESULT_TYPE_CODES: Readonly<Record<string, string>> = {
  '11502-2': 'CR d’examens biologiques',
  '18748-4': 'CR d’imagerie médicale',
  '11526-1': 'CR d’anatomie et de cytologie pathologiques',
};

/** The kind a received document is filed as: an exam result by its type, a medical report otherwise. */
export function documentKindOfReceivedType(typeCode: string | undefined): DocumentKind {
  return typeCode !== undefined && typeCode in EXAM_RESULT_TYPE_CODES ? 'examResult' : 'medicalReport';
}
