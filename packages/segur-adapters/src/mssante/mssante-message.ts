import type { CdaDocumentInput, CdaPatient } from '../cda/cda-document-input.js';
import { xdsCode } from '../xds/xds-document-entry.js';
import type { XdsCode, XdsDocumentEntry, XdsSubmission } from '../xds/xds-metadata.js';
import type { OutgoingAttachment, OutgoingMail } from './secure-messaging-port.js';
import { buildXdmPackage, XDM_ATTACHMENT_NAME } from './xdm/xdm-package.js';

/** The domain of the usagers' Mon espace santé addresses: `<INS>@patient.mssante.fr`. */
export const PATIENT_MSSANTE_DOMAIN = 'patient.mssante.fr';
/** The subject's prefix: the message holds CI-SIS documents in an IHE XDM medium (Référentiel #2, ECO.2.1.3). */
export const XDM_SUBJECT_PREFIX = 'XDM/1.0/DDM+';
const SUBJECT_LABEL_LENGTH = 40;

/** The usager's Mon espace santé address, from the INS of a qualified identity. */
export function patientMssanteAddress(ins: { value: string }): string {
  return `${ins.value.toUpperCase()}@${PATIENT_MSSANTE_DOMAIN}`;
}

export function isPatientMssanteAddress(address: string): boolean {
  return address.toLowerCase().endsWith(`@${PATIENT_MSSANTE_DOMAIN}`);
}

/** One document of the message: its CDA, what it was built from, its DocumentEntry, and its PDF's file name. */
export interface MssanteDocument {
  cda: string;
  input: CdaDocumentInput;
  entry: XdsDocumentEntry;
  /** The PDF of the level 1 body, joined beside the archive for a reader without a CDA viewer. */
  pdfFileName: string;
}

export interface MssanteMessageInput {
  messageId: string;
  to: readonly string[];
  /** At least one, all of the same usager (one usager per message, ECO.2.1.1). */
  documents: readonly MssanteDocument[];
  text: string;
  submission: {
    id: string;
    sourceId: string;
    submissionTime: Date;
    /** The clinical activity; the first document's type by default. */
    contentType?: XdsCode;
  };
  sender: { organisation: string; software: string; softwareVersion: string; contact?: string };
  /** The software's « référence produit » (X-MSS-NIL), when the deployment has one. */
  productReference?: string;
  /** To a usager's Mon espace santé, that they may not reply (X-MSS-MES: FIN). */
  replyBlocked?: boolean;
  acknowledgements: boolean;
}

/**
 * A message of the MSSanté reference (Référentiel socle #2, clients de messageries): the subject
 * `XDM/1.0/DDM+<libellé> <NOM> <prénom> <date de naissance>`, the headers `X-MSS-CODECDA` (the
 * documents' type codes), `X-MSS-INS` (`O` only when the documents carry the INS of a qualified
 * identity, `N` otherwise), `X-MSS-NIL` (the product reference), `X-MSS-MES: FIN` (no reply from
 * Mon espace santé), and the attachment `IHE_XDM.ZIP` with each document's PDF beside it. The
 * INS itself is never in a header or the subject: only the documents carry it.
 */
export function buildMssanteMessage(input: MssanteMessageInput): OutgoingMail {
  const [first] = input.documents;
  if (first === undefined) throw new TypeError('buildMssanteMessage: a message carries at least one document');
  const patient = first.input.patient;
  if (input.documents.some((document) => !samePatient(document.input.patient, patient))) {
    throw new TypeError('buildMssanteMessage: one usager per message');
  }
  const submission: Omit<XdsSubmission, 'entries'> = {
    id: input.submission.id,
    sourceId: input.submission.sourceId,
    submissionTime: input.submission.submissionTime,
    author: first.entry.author,
    contentType: input.submission.contentType ?? xdsCode(first.input.type),
    intendedRecipients: input.to.map((address) => `|^^Internet^${address}`),
  };
  const archive = buildXdmPackage({
    submission,
    documents: input.documents.map((document) => ({
      entry: document.entry,
      content: Buffer.from(document.cda, 'utf8'),
    })),
    sender: input.sender,
  });
  const toPatient = input.to.some(isPatientMssanteAddress);
  const headers: Record<string, string> = {
    'X-MSS-CODECDA': input.documents.map((document) => document.input.type.code).join(','),
    'X-MSS-INS': patient.identity === 'qualified' ? 'O' : 'N',
    ...(input.productReference === undefined ? {} : { 'X-MSS-NIL': input.productReference }),
    ...(toPatient && input.replyBlocked ? { 'X-MSS-MES': 'FIN' } : {}),
  };
  const attachments: OutgoingAttachment[] = [
    { fileName: XDM_ATTACHMENT_NAME, contentType: 'application/zip', content: archive },
    ...input.documents.map((document) => ({
      fileName: document.pdfFileName,
      contentType: document.input.body.mediaType,
      content: document.input.body.content,
    })),
  ];
  return {
    messageId: input.messageId,
    to: input.to,
    subject: mssanteSubject(
      input.documents.map((document) => document.input.type.displayName),
      patient,
    ),
    text: input.text,
    headers,
    attachments,
    acknowledgements: input.acknowledgements,
  };
}

/** `XDM/1.0/DDM+CR d'examens biologiques VIAL Paul 26/11/1978`, or `… 2 documents …`. */
export function mssanteSubject(documentLabels: readonly string[], patient: CdaPatient): string {
  const label =
    documentLabels.length === 1
      ? withoutAccents(documentLabels[0] as string)
          .slice(0, SUBJECT_LABEL_LENGTH)
          .trim()
      : `${documentLabels.length} documents`;
  const { birthName, birthFirstNames, birthDate } = patient.traits;
  const firstName = withoutAccents(birthFirstNames[0] ?? '')
    .toLowerCase()
    .replace(/(^|[\s-])\p{L}/gu, (start) => start.toUpperCase());
  const [year, month, day] = birthDate.split('-');
  return `${XDM_SUBJECT_PREFIX}${label} ${withoutAccents(birthName).toUpperCase()} ${firstName} ${day}/${month}/${year}`;
}

function withoutAccents(text: string): string {
  return text.normalize('NFD').replace(/\p{M}/gu, '');
}

function samePatient(one: CdaPatient, other: CdaPatient): boolean {
  return one.localId.root === other.localId.root && one.localId.extension === other.localId.extension;
}
