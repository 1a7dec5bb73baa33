import type { CdaDocumentInput, CodedValue, InstanceIdentifier } from '../cda/cda-document-input.js';
import { xdsClassCodeOf } from '../cda/cda-document-types.js';
import { CDA_CONFIDENTIALITY, structureIdOfFiness } from '../cda/cda-vocabulary.js';
import { hl7Day } from '../cda/hl7-time.js';
import { codedSlotValue, cx, hl7v2Escaped, uuidOfName, xcn, xon } from './hl7v2-values.js';
import { DMP_MASKING_CODES, XDS_SD_PDF_FORMAT, type XdsCode, type XdsDocumentEntry } from './xds-metadata.js';

export interface XdsDocumentEntryOptions {
  /** The document's uniqueId; the CDA's `id` by default. */
  uniqueId?: string;
  /** SHA-1 and size of the CDA document's bytes (`xdsHashAndSize`). */
  hash?: string;
  size?: number;
  /**
   * The DMP's flags: hidden from professionals (the usager's choice), invisible to the usager
   * (until a professional has told them), invisible to their legal representatives.
   */
  masked?: { fromPatient?: boolean; fromProfessionals?: boolean; fromLegalRepresentatives?: boolean };
  /** The entryUUID; one derived from the uniqueId by default, so that the same document has the same. */
  entryUuid?: string;
  /** In an XDM medium, the document's file (`DOC0001.XML`). */
  uri?: string;
  repositoryUniqueId?: string;
}

/**
 * The XDS DocumentEntry of a CDA document, drawn from the same input as the document itself so
 * that the two never disagree: type and class, confidentiality with the DMP's masking flags, the
 * N1 format, facility type and practice setting, author (person, FINESS, profession), patient (the
 * INS for a qualified identity, with the traits in sourcePatientInfo), times and title.
 */
export function xdsDocumentEntryOf(input: CdaDocumentInput, options: XdsDocumentEntryOptions = {}): XdsDocumentEntry {
  const { patient, encounter } = input;
  const facility = encounter.facility;
  const uniqueId = options.uniqueId ?? uniqueIdOf(input.id);
  const localId = cx(patient.localId, 'PI');
  const ins =
    patient.identity === 'qualified' ? cx({ root: patient.ins.oid, extension: patient.ins.value }, 'NH') : undefined;
  const traits = patient.traits;
  return {
    entryUuid: options.entryUuid ?? `urn:uuid:${uuidOfName(`document-entry/${uniqueId}`)}`,
    uniqueId,
    mimeType: 'text/xml',
    title: input.title.trim(),
    classCode: xdsCode(xdsClassCodeOf(input.type)),
    typeCode: xdsCode(input.type),
    formatCode: XDS_SD_PDF_FORMAT,
    confidentialityCodes: [
      xdsCode(CDA_CONFIDENTIALITY[input.confidentiality]),
      ...(options.masked?.fromProfessionals ? [DMP_MASKING_CODES.hiddenFromProfessionals] : []),
      ...(options.masked?.fromPatient ? [DMP_MASKING_CODES.invisibleToPatient] : []),
      ...(options.masked?.fromLegalRepresentatives ? [DMP_MASKING_CODES.invisibleToLegalRepresentatives] : []),
    ],
    healthcareFacilityTypeCode: xdsCode(facility.facilityType),
    practiceSettingCode: xdsCode(facility.practiceSetting),
    eventCodes: input.serviceEvent.code === undefined ? [] : [xdsCode(input.serviceEvent.code)],
    languageCode: 'fr-FR',
    creationTime: input.effectiveTime,
    serviceStartTime: input.serviceEvent.start,
    ...(input.serviceEvent.end === undefined ? {} : { serviceStopTime: input.serviceEvent.end }),
    patientId: ins ?? localId,
    patientIdIsIns: ins !== undefined,
    sourcePatientId: localId,
    sourcePatientInfo: [
      `PID-3|${ins === undefined ? localId : `${ins}~${localId}`}`,
      `PID-5|${hl7v2Escaped(traits.birthName)}^${hl7v2Escaped(traits.birthFirstNames[0] ?? '')}^^^^^L`,
      `PID-7|${hl7Day(traits.birthDate)}`,
      `PID-8|${traits.sex === 'I' ? 'U' : traits.sex}`,
    ],
    author: {
      person: xcn(input.author),
      institutions: [xon(facility.name, structureIdOfFiness(facility.finess))],
      ...(input.author.profession === undefined ? {} : { specialties: [codedSlotValue(input.author.profession)] }),
    },
    legalAuthenticator: xcn(input.legalAuthenticator),
    ...(options.hash === undefined ? {} : { hash: options.hash }),
    ...(options.size === undefined ? {} : { size: options.size }),
    ...(options.repositoryUniqueId === undefined ? {} : { repositoryUniqueId: options.repositoryUniqueId }),
    ...(options.uri === undefined ? {} : { uri: options.uri }),
  };
}

/** XDS's uniqueId of a CDA `id`: the root alone, or `root^extension`. */
export function uniqueIdOf(id: InstanceIdentifier): string {
  return id.extension === undefined ? id.root : `${id.root}^${id.extension}`;
}

export function xdsCode(value: CodedValue): XdsCode {
  return { code: value.code, codingScheme: value.codeSystem, displayName: value.displayName };
}
