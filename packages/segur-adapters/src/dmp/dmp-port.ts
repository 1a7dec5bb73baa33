import type { DmpAuthorisation, Ins } from '@dui-pds/domain';
import type { CodedValue } from '../cda/cda-document-input.js';
import type { XdsSubmission } from '../xds/xds-metadata.js';

/**
 * The DMP (dossier médical partagé) as the record uses it: test that a usager has a DMP and that
 * the structure may feed it (TD0.2), feed it a document or replace one (TD2.1, XDS.b), list what it
 * holds for a usager (TD3.1) and fetch one document (TD3.2). Every call says who acts (the VIHF of
 * the professional) and for which patient: the DMP authorises each call on both.
 *
 * `DmpSoapClient` speaks the DMPi web services; `startDmpSoapStandIn` answers the same protocol
 * locally. Failures: `DmpUnavailable` (no answer, or not one the protocol allows), `DmpRefused`
 * (the DMP answered no, with its code).
 */
export interface Dmp {
  checkAccess(request: DmpCall): Promise<DmpAccess>;
  /** Feeds the documents of one submission (the replacement of one entry when `submission.replaces`). */
  submit(
    request: DmpCall & { submission: XdsSubmission; documents: readonly DmpDocumentContent[] },
  ): Promise<DmpReceipt>;
  search(request: DmpCall & { query?: DmpSearchQuery }): Promise<DmpDocumentSummary[]>;
  retrieve(request: DmpCall & { uniqueId: string; repositoryId: string }): Promise<DmpRetrievedDocument>;
}

/** Who acts, for whom. */
export interface DmpCall {
  actor: DmpActor;
  patient: DmpPatient;
}

/** A patient the DMP knows by their INS: a qualified identity's only. */
export interface DmpPatient {
  ins: Ins;
}

/** The professional who acts, as the VIHF names them. */
export interface DmpActor {
  /** NameID: their national id (`8` + RPPS), else the structure's id of them (`3` + FINESS + `/` + local id). */
  id: string;
  /** subject-id: their name as the structure knows it. */
  name: string;
  /** subject:role: their profession (and, for a doctor or a pharmacist, their savoir-faire); one at least. */
  roles: readonly CodedValue[];
  /** The ESSMS they act in: its national id (`1` + FINESS) and its sector (TRE_R02, `SA41`…). */
  structure: { id: string; activitySector: CodedValue };
}

/** The software, as the DMP registered it (LPS_Nom, LPS_Version, LPS_ID_HOMOLOGATION_DMP, LPS_ID). */
export interface DmpSoftware {
  name: string;
  version: string;
  homologationNumber: string;
  /** This installation, when given (LPS_ID). */
  instanceId?: string;
}

/** TD0.2: whether the usager has a DMP, and the structure's authorisation on it. */
export interface DmpAccess {
  dmpExists: boolean;
  authorisation: DmpAuthorisation;
}

/** The bytes of one entry of the submission, named by the entry's entryUUID. */
export interface DmpDocumentContent {
  entryUuid: string;
  mimeType: string;
  content: Buffer;
}

/** What the DMP registered: each entry's entryUUID and uniqueId, as submitted. */
export interface DmpReceipt {
  entries: { entryUuid: string; uniqueId: string }[];
}

export interface DmpSearchQuery {
  /** Approved only by default; deprecated (replaced) entries too with `all`. */
  status?: 'approved' | 'all';
}

/** One document the DMP holds, as a FindDocuments query lists it. */
export interface DmpDocumentSummary {
  entryUuid: string;
  uniqueId: string;
  repositoryId: string;
  title: string;
  typeCode: { code: string; codingScheme: string; displayName: string } | undefined;
  mimeType: string;
  creationTime: Date | undefined;
  status: 'approved' | 'deprecated';
  /** The confidentiality codes: N, R or V, and the DMP's masking codes. */
  confidentialityCodes: string[];
  size: number | undefined;
  hash: string | undefined;
}

export interface DmpRetrievedDocument {
  uniqueId: string;
  repositoryId: string;
  mimeType: string;
  content: Buffer;
}
