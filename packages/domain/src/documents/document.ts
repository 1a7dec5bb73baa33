import { z } from 'zod';
import type { Decider } from '../decider.js';
import { DomainRuleViolation } from '../errors.js';
import { type SensitivityClass, sensitivityClassSchema } from '../habilitations/index.js';
import {
  DOCUMENT_KIND_LABELS,
  type DocumentKind,
  type DocumentMediaType,
  type DocumentSource,
  documentKindSchema,
  documentMediaTypeSchema,
  documentSourceSchema,
  isGeneratedDocumentKind,
} from './document-kinds.js';

/**
 * A stored document of a usager: its metadata, its versions (each one the SHA-256 of bytes kept in
 * the content-addressed blob store, never the bytes themselves), the signatures given on them and
 * whether it is shared with the usager.
 *
 * Decisions taken here:
 * - One stream per document (`documentStreamId`): a signature, a new version and a share are
 *   decisions about that document alone, and a usager's record holds hundreds of them.
 * - A signature names one version and the hash of the bytes the signer saw: it is refused unless
 *   that version is the latest and the hash is exactly its own, so that no one ever signs content
 *   other than what was shown to them.
 * - A signed document is frozen: no version is added once any signature exists. What changes a
 *   signed contract is an amendment (a new document), which keeps the signed one provable.
 * - The same signer does not sign the same version twice; a usager's signature is witnessed by
 *   the professional who collected it, and a handwritten one keeps the hash of its image.
 * - The shell brings the instants (the domain has no clock) and the hashes (it has no crypto).
 */
const MAX_TITLE_LENGTH = 200;
const MAX_FILE_NAME_LENGTH = 255;
const MAX_REASON_LENGTH = 500;
const id = z.string().min(1).max(200);
const instant = z.iso.datetime({ offset: true });
export const sha256HexSchema = z
  .string()
  .regex(/^[0-9a-f]{64}$/, 'empreinte SHA-256 attendue (64 caractères hexadécimaux)');

export const SIGNATURE_METHODS = ['handwritten', 'oneTimeCode', 'inPerson'] as const;
export const signatureMethodSchema = z.enum(SIGNATURE_METHODS);
export type SignatureMethod = z.infer<typeof signatureMethodSchema>;

export const SIGNATURE_METHOD_LABELS: Readonly<Record<SignatureMethod, string>> = {
  handwritten: 'signature manuscrite recueillie sur écran',
  oneTimeCode: 'code à usage unique du portail',
  inPerson: 'accord exprimé en présence d’un professionnel',
};

export const documentVersionSchema = z.object({
  version: z.int().min(1),
  contentSha256: sha256HexSchema,
  byteLength: z.int().min(1),
  mediaType: documentMediaTypeSchema,
  fileName: z.string().min(1).max(MAX_FILE_NAME_LENGTH),
});
export type DocumentVersion = z.infer<typeof documentVersionSchema>;
/** What a command brings of a version: the store numbers it. */
export type DocumentContent = Omit<DocumentVersion, 'version'>;

const witnessedSigner = {
  method: signatureMethodSchema,
  /** The professional who collected the signature, authenticated. */
  witnessedBy: id,
  /** The hash of the captured image (PNG) in the blob store: required for a handwritten signature. */
  signatureImageSha256: sha256HexSchema.optional(),
  /** The portal account whose one-time code was checked: required for `oneTimeCode`. */
  portalAccountId: z.uuid().optional(),
};
export const documentSignerSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('professional'), professionalId: id, role: z.string().min(1).max(200) }),
  z.object({ kind: z.literal('serviceUser'), ...witnessedSigner }),
  z.object({ kind: z.literal('trustedPerson'), trustedPersonId: id, ...witnessedSigner }),
]);
export type DocumentSigner = z.infer<typeof documentSignerSchema>;

export const documentStoredSchema = z.object({
  documentId: z.uuid(),
  serviceUserId: id,
  facilityId: id,
  kind: documentKindSchema,
  title: z.string().min(1).max(MAX_TITLE_LENGTH),
  sensitivity: sensitivityClassSchema,
  source: documentSourceSchema,
  /** The professional who uploaded it, or whose request generated it. */
  authorId: id,
  storedAt: instant,
  version: documentVersionSchema,
});
export const documentVersionAddedSchema = z.object({
  documentId: z.uuid(),
  version: documentVersionSchema,
  authorId: id,
  addedAt: instant,
});
export const documentSignedSchema = z.object({
  documentId: z.uuid(),
  version: z.int().min(1),
  /** The hash of the signed version's bytes: what a verification recomputes. */
  contentSha256: sha256HexSchema,
  signedAt: instant,
  signer: documentSignerSchema,
});
export const documentSharedWithServiceUserSchema = z.object({
  documentId: z.uuid(),
  sharedBy: id,
  sharedAt: instant,
});
export const documentShareWithdrawnSchema = z.object({
  documentId: z.uuid(),
  withdrawnBy: id,
  withdrawnAt: instant,
  reason: z.string().min(1).max(MAX_REASON_LENGTH).optional(),
});

export type DocumentStored = z.infer<typeof documentStoredSchema>;
export type DocumentVersionAdded = z.infer<typeof documentVersionAddedSchema>;
export type DocumentSigned = z.infer<typeof documentSignedSchema>;
export type DocumentSharedWithServiceUser = z.infer<typeof documentSharedWithServiceUserSchema>;
export type DocumentShareWithdrawn = z.infer<typeof documentShareWithdrawnSchema>;

/** The data of a forgotten usager's events, as the store hands them back. */
export interface ErasedDocumentData {
  $erased: true;
}
type OrErased<Data> = Data | ErasedDocumentData;

export type DocumentEvent =
  | { type: 'DocumentStored'; data: OrErased<DocumentStored> }
  | { type: 'DocumentVersionAdded'; data: OrErased<DocumentVersionAdded> }
  | { type: 'DocumentSigned'; data: OrErased<DocumentSigned> }
  | { type: 'DocumentSharedWithServiceUser'; data: OrErased<DocumentSharedWithServiceUser> }
  | { type: 'DocumentShareWithdrawn'; data: OrErased<DocumentShareWithdrawn> };

export type DocumentEventType = DocumentEvent['type'];

export const documentEventSchemas = {
  DocumentStored: documentStoredSchema,
  DocumentVersionAdded: documentVersionAddedSchema,
  DocumentSigned: documentSignedSchema,
  DocumentSharedWithServiceUser: documentSharedWithServiceUserSchema,
  DocumentShareWithdrawn: documentShareWithdrawnSchema,
} as const;

export const DOCUMENT_EVENT_TYPES = Object.keys(documentEventSchemas) as DocumentEventType[];

export type DocumentCommand =
  | {
      type: 'StoreDocument';
      documentId: string;
      serviceUserId: string;
      facilityId: string;
      kind: DocumentKind;
      title: string;
      sensitivity: SensitivityClass;
      source: DocumentSource;
      authorId: string;
      storedAt: string;
      content: DocumentContent;
    }
  | { type: 'AddDocumentVersion'; documentId: string; authorId: string; addedAt: string; content: DocumentContent }
  | {
      type: 'SignDocument';
      documentId: string;
      version: number;
      contentSha256: string;
      signedAt: string;
      signer: DocumentSigner;
    }
  | { type: 'ShareDocumentWithServiceUser'; documentId: string; sharedBy: string; sharedAt: string }
  | { type: 'WithdrawDocumentShare'; documentId: string; withdrawnBy: string; withdrawnAt: string; reason?: string };

export interface DocumentSignatureTrace {
  version: number;
  contentSha256: string;
  signedAt: string;
  signer: DocumentSigner;
}

export type StoredDocumentState =
  | { status: 'none' }
  /** The usager was forgotten: nothing can be decided on what is no longer readable. */
  | { status: 'erased' }
  | {
      status: 'stored';
      documentId: string;
      serviceUserId: string;
      facilityId: string;
      kind: DocumentKind;
      sensitivity: SensitivityClass;
      source: DocumentSource;
      versions: readonly DocumentVersion[];
      signatures: readonly DocumentSignatureTrace[];
      shared: boolean;
    };

type Stored = Extract<StoredDocumentState, { status: 'stored' }>;

/** One stream per document, named as the brief of the document store fixes it. */
export function documentStreamId(organisationId: string, documentId: string): string {
  return `document-${organisationId}-${documentId}`;
}

export function latestDocumentVersion(document: Pick<Stored, 'versions'>): DocumentVersion | undefined {
  return document.versions.at(-1);
}

/** Whether the document carries a signature, which freezes it. */
export function isDocumentSigned(document: StoredDocumentState): boolean {
  return document.status === 'stored' && document.signatures.length > 0;
}

/** Who signs, as a key: a professional, the usager, or one personne de confiance. */
export function documentSignerKey(signer: DocumentSigner): string {
  switch (signer.kind) {
    case 'professional':
      return `professional:${signer.professionalId}`;
    case 'serviceUser':
      return 'serviceUser';
    case 'trustedPerson':
      return `trustedPerson:${signer.trustedPersonId}`;
  }
}

export const documentDecider: Decider<DocumentCommand, DocumentEvent, StoredDocumentState> = {
  initialState: () => ({ status: 'none' }),

  decide(command, state) {
    if (state.status === 'erased') {
      throw new DomainRuleViolation('DOCUMENT_ERASED', 'Ce document appartient au dossier d’une personne oubliée.');
    }
    if (command.type === 'StoreDocument') {
      if (state.status === 'stored') {
        throw new DomainRuleViolation(
          'DOCUMENT_ALREADY_STORED',
          'Un document est déjà enregistré sous cet identifiant.',
          { documentId: command.documentId },
        );
      }
      requireInstant(command.storedAt, 'storedAt');
      const title = command.title.trim();
      if (title.length === 0 || title.length > MAX_TITLE_LENGTH) {
        throw new DomainRuleViolation(
          'DOCUMENT_TITLE_REQUIRED',
          `Le titre du document est obligatoire (${MAX_TITLE_LENGTH} caractères au plus).`,
        );
      }
      if (command.source === 'generated' && !isGeneratedDocumentKind(command.kind)) {
        throw new DomainRuleViolation(
          'DOCUMENT_KIND_NOT_GENERATED',
          `Le dossier ne produit pas de document de ce type (${DOCUMENT_KIND_LABELS[command.kind]}) : il ne peut être que déposé.`,
          { kind: command.kind },
        );
      }
      return {
        type: 'DocumentStored',
        data: {
          documentId: command.documentId,
          serviceUserId: command.serviceUserId,
          facilityId: command.facilityId,
          kind: command.kind,
          title,
          sensitivity: command.sensitivity,
          source: command.source,
          authorId: command.authorId,
          storedAt: command.storedAt,
          version: { version: 1, ...contentOf(command.content) },
        },
      };
    }
    const document = requireStored(state, command.documentId);
    switch (command.type) {
      case 'AddDocumentVersion': {
        if (document.signatures.length > 0) {
          throw new DomainRuleViolation(
            'DOCUMENT_SIGNED_FROZEN',
            'Ce document est signé : il ne peut plus être modifié. Rédigez un avenant ou enregistrez un nouveau document.',
            { signatures: document.signatures.length },
          );
        }
        requireInstant(command.addedAt, 'addedAt');
        const content = contentOf(command.content);
        const latest = latestDocumentVersion(document);
        if (latest?.contentSha256 === content.contentSha256) {
          throw new DomainRuleViolation(
            'DOCUMENT_VERSION_UNCHANGED',
            'Ce contenu est déjà celui de la dernière version du document.',
            { version: latest.version },
          );
        }
        return {
          type: 'DocumentVersionAdded',
          data: {
            documentId: document.documentId,
            version: { version: (latest?.version ?? 0) + 1, ...content },
            authorId: command.authorId,
            addedAt: command.addedAt,
          },
        };
      }
      case 'SignDocument': {
        requireInstant(command.signedAt, 'signedAt');
        const signed = document.versions.find((version) => version.version === command.version);
        if (!signed) {
          throw new DomainRuleViolation('DOCUMENT_VERSION_NOT_FOUND', 'Ce document n’a pas de version de ce numéro.', {
            version: command.version,
          });
        }
        const latest = latestDocumentVersion(document);
        if (latest !== undefined && signed.version !== latest.version) {
          throw new DomainRuleViolation(
            'NOT_LATEST_VERSION',
            `Seule la dernière version du document (version ${latest.version}) peut être signée.`,
            { version: command.version, latestVersion: latest.version },
          );
        }
        if (command.contentSha256 !== signed.contentSha256) {
          throw new DomainRuleViolation(
            'SIGNED_CONTENT_MISMATCH',
            'L’empreinte présentée ne correspond pas au contenu de cette version : le document affiché n’est pas celui qui est enregistré. Rechargez-le avant de signer.',
            { version: signed.version },
          );
        }
        const signer = signerOf(command.signer);
        const key = documentSignerKey(signer);
        if (
          document.signatures.some(
            (trace) => trace.version === signed.version && documentSignerKey(trace.signer) === key,
          )
        ) {
          throw new DomainRuleViolation(
            'DOCUMENT_ALREADY_SIGNED_BY_SIGNER',
            'Ce signataire a déjà signé cette version du document.',
            { version: signed.version },
          );
        }
        return {
          type: 'DocumentSigned',
          data: {
            documentId: document.documentId,
            version: signed.version,
            contentSha256: signed.contentSha256,
            signedAt: command.signedAt,
            signer,
          },
        };
      }
      case 'ShareDocumentWithServiceUser': {
        requireInstant(command.sharedAt, 'sharedAt');
        if (document.shared) {
          throw new DomainRuleViolation('DOCUMENT_ALREADY_SHARED', 'Ce document est déjà partagé avec l’usager.');
        }
        return {
          type: 'DocumentSharedWithServiceUser',
          data: { documentId: document.documentId, sharedBy: command.sharedBy, sharedAt: command.sharedAt },
        };
      }
      case 'WithdrawDocumentShare': {
        requireInstant(command.withdrawnAt, 'withdrawnAt');
        if (!document.shared) {
          throw new DomainRuleViolation(
            'DOCUMENT_NOT_SHARED',
            'Ce document n’est pas partagé avec l’usager : il n’y a pas de partage à retirer.',
          );
        }
        const reason = command.reason?.trim();
        if (reason !== undefined && reason.length > MAX_REASON_LENGTH) {
          throw new DomainRuleViolation(
            'DOCUMENT_TEXT_TOO_LONG',
            `Le motif du retrait dépasse ${MAX_REASON_LENGTH} caractères.`,
          );
        }
        return {
          type: 'DocumentShareWithdrawn',
          data: {
            documentId: document.documentId,
            withdrawnBy: command.withdrawnBy,
            withdrawnAt: command.withdrawnAt,
            ...(reason ? { reason } : {}),
          },
        };
      }
    }
  },

  evolve(state, event) {
    if ('$erased' in event.data) return { status: 'erased' };
    if (event.type === 'DocumentStored') {
      const data = event.data as DocumentStored;
      return {
        status: 'stored',
        documentId: data.documentId,
        serviceUserId: data.serviceUserId,
        facilityId: data.facilityId,
        kind: data.kind,
        sensitivity: data.sensitivity,
        source: data.source,
        versions: [data.version],
        signatures: [],
        shared: false,
      };
    }
    if (state.status !== 'stored') return state;
    switch (event.type) {
      case 'DocumentVersionAdded':
        return { ...state, versions: [...state.versions, (event.data as DocumentVersionAdded).version] };
      case 'DocumentSigned': {
        const { version, contentSha256, signedAt, signer } = event.data as DocumentSigned;
        return { ...state, signatures: [...state.signatures, { version, contentSha256, signedAt, signer }] };
      }
      case 'DocumentSharedWithServiceUser':
        return { ...state, shared: true };
      case 'DocumentShareWithdrawn':
        return { ...state, shared: false };
    }
  },
};

function requireStored(state: StoredDocumentState, documentId: string): Stored {
  if (state.status !== 'stored') {
    throw new DomainRuleViolation('DOCUMENT_NOT_FOUND', 'Aucun document n’est enregistré sous cet identifiant.', {
      documentId,
    });
  }
  return state;
}

/** The content as a version keeps it: a well-formed hash, a length, an accepted format, a plain file name. */
function contentOf(content: DocumentContent): DocumentContent {
  if (!sha256HexSchema.safeParse(content.contentSha256).success) {
    throw new DomainRuleViolation(
      'DOCUMENT_CONTENT_INVALID',
      'L’empreinte du contenu doit être un SHA-256 en hexadécimal minuscule (64 caractères).',
    );
  }
  if (!Number.isSafeInteger(content.byteLength) || content.byteLength < 1) {
    throw new DomainRuleViolation('DOCUMENT_CONTENT_INVALID', 'Le fichier est vide.');
  }
  const mediaType = documentMediaTypeSchema.safeParse(content.mediaType);
  if (!mediaType.success) {
    throw new DomainRuleViolation(
      'DOCUMENT_MEDIA_TYPE_REFUSED',
      'Ce format de fichier n’est pas accepté : PDF, PNG, JPEG ou texte brut.',
      { mediaType: content.mediaType },
    );
  }
  return {
    contentSha256: content.contentSha256,
    byteLength: content.byteLength,
    mediaType: mediaType.data as DocumentMediaType,
    fileName: fileNameOf(content.fileName),
  };
}

/** A name to offer on download: no directory, no control character, nothing a file system reads as a path. */
function fileNameOf(fileName: string): string {
  const name = fileName.trim();
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused
  const unsafe = /[\u0000-\u001f\u007f/\\]/.test(name) || name === '.' || name === '..';
  if (name.length === 0 || name.length > MAX_FILE_NAME_LENGTH || unsafe) {
    throw new DomainRuleViolation(
      'DOCUMENT_FILE_NAME_INVALID',
      `Le nom du fichier est obligatoire (${MAX_FILE_NAME_LENGTH} caractères au plus, sans / ni \\ ni caractère de contrôle).`,
    );
  }
  return name;
}

/** A usager's (or personne de confiance's) signature says how it was given, with what that method needs. */
function signerOf(signer: DocumentSigner): DocumentSigner {
  if (signer.kind === 'professional') return signer;
  if (signer.method === 'handwritten' && signer.signatureImageSha256 === undefined) {
    throw new DomainRuleViolation(
      'SIGNATURE_IMAGE_REQUIRED',
      'Une signature manuscrite est enregistrée avec l’image de la signature recueillie.',
    );
  }
  if (signer.method !== 'handwritten' && signer.signatureImageSha256 !== undefined) {
    throw new DomainRuleViolation(
      'SIGNATURE_IMAGE_UNEXPECTED',
      'Seule une signature manuscrite est accompagnée d’une image.',
    );
  }
  if (signer.signatureImageSha256 !== undefined && !sha256HexSchema.safeParse(signer.signatureImageSha256).success) {
    throw new DomainRuleViolation(
      'DOCUMENT_CONTENT_INVALID',
      'L’empreinte de l’image de signature doit être un SHA-256 en hexadécimal minuscule.',
    );
  }
  if (signer.method === 'oneTimeCode' && signer.portalAccountId === undefined) {
    throw new DomainRuleViolation(
      'ONE_TIME_CODE_ACCOUNT_REQUIRED',
      'Une signature par code à usage unique indique le compte du portail dont le code a été vérifié.',
    );
  }
  if (signer.method !== 'oneTimeCode' && signer.portalAccountId !== undefined) {
    throw new DomainRuleViolation(
      'ONE_TIME_CODE_ACCOUNT_UNEXPECTED',
      'Seule une signature par code à usage unique indique un compte du portail.',
    );
  }
  return signer;
}

function requireInstant(value: string, field: string): void {
  if (!instant.safeParse(value).success) {
    throw new DomainRuleViolation('DOCUMENT_INSTANT_INVALID', 'Horodatage invalide (ISO 8601 attendu).', {
      field,
    });
  }
}
