import type { Ins, StrictTraits } from '@dui-pds/domain';

/**
 * What a CDA R2 document of the record is made of, as the CI-SIS header needs it. The builder
 * (`buildCdaDocument`) turns it into XML valid against the ANS schema; the XDS metadata of the DMP
 * and of an MSSanté XDM attachment (`xdsDocumentEntryOf`) are drawn from the same input, so that
 * the document and its metadata never disagree.
 */

/** An instance identifier: an OID root, and an extension when the root names a series. */
export interface InstanceIdentifier {
  root: string;
  extension?: string;
}

/** A coded value from a terminology (LOINC, the ANS JDV / TRE nomenclatures). */
export interface CodedValue {
  code: string;
  displayName: string;
  codeSystem: string;
  codeSystemName?: string;
}

/**
 * The patient of the document. The INS (with its OID) is written only for a qualified identity
 * (DOMAIN.md); any other identified usager is named by the organisation's local identifier and
 * their strict traits. An anonymous usager has no CDA document: the builder has no case for them.
 */
export type CdaPatient =
  | {
      identity: 'qualified';
      ins: Ins;
      traits: StrictTraits;
      localId: InstanceIdentifier;
      usedName?: string;
      usedFirstName?: string;
    }
  | {
      identity: 'not-qualified';
      traits: StrictTraits;
      localId: InstanceIdentifier;
      usedName?: string;
      usedFirstName?: string;
    };

/** An ESSMS as the header names it: FINESS (géographique), name, and its codes for the DMP. */
export interface CdaFacility {
  finess: string;
  name: string;
  /** healthcareFacilityTypeCode (JDV, e.g. the CSAPA's, the CAARUD's category). */
  facilityType: CodedValue;
  /** practiceSettingCode (JDV, e.g. "addictologie", "médico-social"). */
  practiceSetting: CodedValue;
  address?: string;
}

/** A professional as author or legal authenticator. */
export interface CdaProfessional {
  /** The national id when known (`8` + RPPS, or ADELI with its prefix), else the organisation's local id. */
  id: InstanceIdentifier;
  familyName: string;
  givenName?: string;
  /** Their profession (TRE_G15 / R85 role, e.g. médecin, infirmier, éducateur spécialisé). */
  profession?: CodedValue;
}

export interface CdaDocumentInput {
  /** This version's unique id (`2.25.<uuid as integer>` when no OID is registered). */
  id: InstanceIdentifier;
  /** The same for every version of the document (stored document id). */
  setId: InstanceIdentifier;
  versionNumber: number;
  /** The document type (LOINC), e.g. 80788-3 projet personnalisé. */
  type: CodedValue;
  title: string;
  /** When the document was made. */
  effectiveTime: Date;
  /** N normal, R restricted, V very restricted (HL7 Confidentiality). */
  confidentiality: 'N' | 'R' | 'V';
  patient: CdaPatient;
  author: CdaProfessional & { time: Date };
  /** The organisation that keeps the document: the organisme gestionnaire, or the ESSMS. */
  custodian: { id: InstanceIdentifier; name: string };
  legalAuthenticator: CdaProfessional & { time: Date };
  /**
   * What the document is about: the accompaniment it documents (documentationOf/serviceEvent).
   * Its performer, which the CI-SIS requires, is the author unless another professional is named.
   */
  serviceEvent: { code?: CodedValue; start: Date; end?: Date; performer?: CdaProfessional };
  /** The stay or accompaniment (componentOf/encompassingEncounter) and where it takes place. */
  encounter: { id?: InstanceIdentifier; start: Date; end?: Date; facility: CdaFacility };
  /** Level 1: the document's own bytes (a PDF) as the non-XML body. */
  body: { mediaType: 'application/pdf'; content: Buffer };
  /** The id of the version this one replaces (relatedDocument RPLC), from version 2 on. */
  replaces?: InstanceIdentifier;
}
