import { z } from 'zod';

/**
 * The documents of a usager's record. The generated ones come out of the record itself (the
 * accompaniment's contract, DIPC, amendment, annexes, project, sheets and certificates); the
 * uploaded ones come from outside (a scanned identity card, a hospital letter, a lab result).
 * A generated kind may also be uploaded: the paper contract signed at the desk, once scanned.
 */
export const GENERATED_DOCUMENT_KINDS = [
  'stayContract',
  'dipc',
  'stayContractAmendment',
  'freedomOfMovementAnnex',
  'trustedPersonAttestation',
  'personalisedProject',
  'summarySheet',
  'careCertificate',
] as const;

export const UPLOADED_DOCUMENT_KINDS = [
  'identityDocument',
  'medicalReport',
  'examResult',
  'letter',
  'administrative',
  'other',
] as const;

export const DOCUMENT_KINDS = [...GENERATED_DOCUMENT_KINDS, ...UPLOADED_DOCUMENT_KINDS] as const;

export const documentKindSchema = z.enum(DOCUMENT_KINDS);
export type DocumentKind = z.infer<typeof documentKindSchema>;
export type GeneratedDocumentKind = (typeof GENERATED_DOCUMENT_KINDS)[number];

export function isGeneratedDocumentKind(kind: DocumentKind): kind is GeneratedDocumentKind {
  return (GENERATED_DOCUMENT_KINDS as readonly string[]).includes(kind);
}

/** How staff and usagers read the kinds, in lists, file names and the export. */
export const DOCUMENT_KIND_LABELS: Readonly<Record<DocumentKind, string>> = {
  stayContract: 'contrat de séjour',
  dipc: 'document individuel de prise en charge (DIPC)',
  stayContractAmendment: 'avenant',
  freedomOfMovementAnnex: 'annexe relative à la liberté d’aller et venir',
  trustedPersonAttestation: 'attestation de désignation de la personne de confiance',
  personalisedProject: 'projet personnalisé',
  summarySheet: 'fiche de synthèse',
  careCertificate: 'certificat de prise en charge',
  identityDocument: 'pièce d’identité',
  medicalReport: 'compte rendu médical',
  examResult: 'résultat d’examen',
  letter: 'courrier',
  administrative: 'document administratif',
  other: 'autre document',
};

/**
 * What the store accepts: formats every reader opens and none runs code (no HTML, no office
 * macros). PDF first: what the record generates, and what a scan should be.
 */
export const DOCUMENT_MEDIA_TYPES = ['application/pdf', 'image/png', 'image/jpeg', 'text/plain'] as const;
export const documentMediaTypeSchema = z.enum(DOCUMENT_MEDIA_TYPES);
export type DocumentMediaType = z.infer<typeof documentMediaTypeSchema>;

export const DOCUMENT_SOURCES = ['uploaded', 'generated'] as const;
export const documentSourceSchema = z.enum(DOCUMENT_SOURCES);
export type DocumentSource = z.infer<typeof documentSourceSchema>;
