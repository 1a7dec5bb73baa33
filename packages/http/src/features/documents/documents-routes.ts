import {
  BlobIntegrityError,
  BlobNotFoundError,
  type BlobOwner,
  type SealedBlobStore,
  sha256Hex,
  verifySignedContent,
} from '@dui-pds/documents';
import {
  type DocumentCommand,
  type DocumentEvent,
  type DocumentSigner,
  DomainRuleViolation,
  documentDecider,
  documentKindSchema,
  documentMediaTypeSchema,
  documentSignerSchema,
  documentSourceSchema,
  documentStreamId,
  foldEvents,
  type GeneratedDocumentKind,
  type Principal,
  portalAccountDecider,
  portalAccountStreamId,
  portalLoginLocked,
  SENSITIVITY_CLASSES,
  type SensitivityClass,
  sensitivityClassSchema,
  sha256HexSchema,
  signatureMethodSchema,
} from '@dui-pds/domain';
import { type EventStore, foldStream, handleCommand, WrongExpectedRevisionError } from '@dui-pds/eventstore';
import { type DocumentView, documentById, documentsOfServiceUser, portalAccountsOf } from '@dui-pds/projections';
import type { Knex } from 'knex';
import { v5 as uuidv5 } from 'uuid';
import { z } from 'zod';
import type { AccessLog } from '../../app/access-log.js';
import type { TotpSecretSeal } from '../../portal/portal-credentials.js';
import { totpStepOf } from '../../portal/portal-credentials.js';
import { defineCommand, defineQuery, HttpProblem, type RouteDefinition } from '../../server/index.js';
import type { RequestContext } from '../../server/request-context.js';
import type { ProfessionalAccess } from '../professional-access.js';
import { professionalCommand } from '../professional-command.js';
import { identifier, organisationParams } from '../route-parameters.js';
import {
  base64Content,
  decodedContent,
  MAX_DOCUMENT_BYTES,
  MAX_SIGNATURE_IMAGE_BYTES,
  UPLOAD_BODY_LIMIT_BYTES,
} from './document-content.js';

const TAG = 'Documents';
const BASE = '/organisations/:organisationId/facilities/:facilityId/usagers/:serviceUserId/documents';
/** The namespace of document ids derived from command ids (UUID v5): never change it. */
const DOCUMENT_ID_NAMESPACE = '3f7c1a52-8e0b-4d6a-9c2f-71b5e4d08a93';

const usagerParams = organisationParams.extend({ facilityId: identifier, serviceUserId: identifier });
const documentParams = usagerParams.extend({ documentId: z.uuid() });
const versionParams = documentParams.extend({
  version: z
    .string()
    .regex(/^[1-9]\d{0,5}$/, 'numéro de version invalide')
    .transform(Number),
});
const signatureParams = documentParams.extend({
  index: z
    .string()
    .regex(/^(0|[1-9]\d{0,4})$/, 'numéro de signature invalide')
    .transform(Number),
});

const fileName = z.string().trim().min(1).max(255);
const versionView = z.object({
  version: z.int(),
  contentSha256: z.string(),
  byteLength: z.int(),
  mediaType: documentMediaTypeSchema,
  fileName: z.string(),
  authorId: z.string(),
  addedAt: z.string(),
});
const signatureView = z.object({
  index: z.int(),
  version: z.int(),
  contentSha256: z.string(),
  signedAt: z.string(),
  signer: documentSignerSchema,
});
const summaryView = z.object({
  documentId: z.string(),
  serviceUserId: z.string(),
  facilityId: z.string(),
  kind: documentKindSchema,
  title: z.string(),
  sensitivity: sensitivityClassSchema,
  source: documentSourceSchema,
  authorId: z.string(),
  storedAt: z.string(),
  latestVersion: versionView,
  signatureCount: z.int(),
  signed: z.boolean(),
  sharedWithServiceUser: z.boolean(),
  sharedAt: z.string().nullable(),
  revision: z.int(),
});
const detailView = summaryView.extend({ versions: z.array(versionView), signatures: z.array(signatureView) });
const stored = z.object({ documentId: z.uuid(), version: z.int(), contentSha256: z.string(), revision: z.int() });
const accepted = z.object({ revision: z.int() });

export interface DocumentsDependencies {
  store: EventStore<Knex.Transaction>;
  knex: Knex;
  /** The read schemas of the documents and portal_accounts projections. */
  documentsSchema: string;
  portalAccountsSchema: string;
  blobs: SealedBlobStore;
  access: ProfessionalAccess;
  accessLog: AccessLog;
  clock: () => Date;
  /** Opens the sealed secret of the usager's portal account, to check the one-time code they sign with. */
  seal: TotpSecretSeal;
}

/**
 * The document store of a usager's record: uploads and generated documents, their versions, the
 * signatures given on a precise version (a professional's, or the usager's in person: handwritten
 * on a tablet, by the one-time code of their portal account, or by their agreement witnessed),
 * the verification of a signature against the stored bytes, and the share with the usager.
 *
 * Each document carries its own sensitivity class: whoever may write that class about the usager
 * in the ESSMS of the path may upload, version, sign and share; whoever may read it may read the
 * document, and the read is traced. The bytes are stored in the blob store before the event that
 * names them, and only once the command is known to be accepted (a refused upload or a refused
 * signature leaves no personal data behind, out of reach of the end-of-retention purge).
 */
export function documentsRoutes(deps: DocumentsDependencies): RouteDefinition[] {
  const { knex, documentsSchema, portalAccountsSchema, blobs, access, accessLog, clock, seal, store } = deps;

  /** The document of the path: of this usager, in this ESSMS; 404 otherwise, whatever else exists. */
  const documentOf = async (params: z.output<typeof documentParams>): Promise<DocumentView> => {
    const document = await documentById(knex, documentsSchema, params.organisationId, params.documentId);
    if (
      document === undefined ||
      document.serviceUserId !== params.serviceUserId ||
      document.facilityId !== params.facilityId
    ) {
      throw new HttpProblem('not-found', 'Aucun document de cet usager dans cet établissement sous cet identifiant.');
    }
    return document;
  };

  const partOf = (
    principal: Principal,
    document: Pick<DocumentView, 'facilityId' | 'serviceUserId' | 'sensitivity'>,
  ) => ({
    organisationId: principal.organisationId,
    facilityId: document.facilityId,
    serviceUserId: document.serviceUserId,
    sensitivity: document.sensitivity,
  });

  const traceRead = (
    principal: Principal,
    context: RequestContext,
    where: { facilityId: string; serviceUserId: string },
    resource: string,
    sensitivities: SensitivityClass[],
  ) =>
    accessLog.recordRead({
      organisationId: principal.organisationId,
      professionalId: principal.professionalId,
      correlationId: context.correlationId,
      read: {
        serviceUserId: where.serviceUserId,
        facilityId: where.facilityId,
        roles: access.rolesIn(principal, where.facilityId),
        resource,
        sensitivities,
        purpose: 'care',
      },
    });

  const command = (
    principal: Principal,
    context: RequestContext,
    document: { documentId: string; facilityId: string; serviceUserId: string },
    decided: DocumentCommand,
    expectedRevision?: number,
  ) =>
    professionalCommand(store, access, documentDecider, {
      principal,
      context,
      streamId: documentStreamId(principal.organisationId, document.documentId),
      command: decided,
      where: { facilityId: document.facilityId, serviceUserId: document.serviceUserId },
      expectedRevision,
    });

  /**
   * Decides the command on the document's stream without appending: a refusal comes before any
   * byte is stored. The command handler decides again when it appends. Answers whether this
   * command was already handled (a retry, which the handler answers as it was).
   */
  const refuseEarly = (
    principal: Principal,
    context: RequestContext,
    documentId: string,
    decided: DocumentCommand,
    expectedRevision?: number,
  ) =>
    decideWithoutAppending(
      store,
      principal.organisationId,
      documentId,
      access.commandId(principal, context),
      decided,
      expectedRevision,
    );

  /** The signed document refuses a new version with 409: the conflict is with its state, not the request. */
  const frozenAsConflict = (error: unknown): never => {
    if (error instanceof DomainRuleViolation && error.code === 'DOCUMENT_SIGNED_FROZEN') {
      throw new HttpProblem('conflict', error.message, { extensions: { code: error.code } });
    }
    throw error;
  };

  /**
   * The portal account of the usager whose one-time code this is, and the TOTP step the code
   * stands for; refused in French otherwise. Nothing is consumed here: see `consumeCode`.
   */
  const accountOfCode = async (
    principal: Principal,
    context: RequestContext,
    serviceUserId: string,
    code: string,
    now: Date,
  ): Promise<{ accountId: string; facilityId: string; step: number }> => {
    const { organisationId } = principal;
    const accounts = (await portalAccountsOf(knex, portalAccountsSchema, { organisationId, serviceUserId })).filter(
      (account) => account.holder === 'service-user' && account.status === 'active',
    );
    let checked: { accountId: string; facilityId: string } | undefined;
    for (const account of accounts) {
      const state = await foldStream(
        store,
        portalAccountDecider,
        portalAccountStreamId(organisationId, account.accountId),
      );
      if (state.status !== 'active' || state.sealedTotpSecret === undefined) continue;
      if (portalLoginLocked(state, now.toISOString())) {
        throw new DomainRuleViolation(
          'PORTAL_ACCOUNT_LOCKED',
          'Trop de codes erronés : le code à usage unique de l’usager est bloqué quelques minutes. Réessayez plus tard, ou recueillez sa signature manuscrite.',
        );
      }
      const secret = seal.open(state.sealedTotpSecret);
      const step = secret === undefined ? undefined : totpStepOf(secret, code, now);
      if (step !== undefined) return { accountId: account.accountId, facilityId: account.facilityId, step };
      checked ??= account;
    }
    if (checked === undefined) {
      throw new DomainRuleViolation(
        'NO_PORTAL_SECOND_FACTOR',
        'L’usager n’a pas de compte du portail avec un code à usage unique activé : recueillez sa signature manuscrite, ou son accord en présence d’un professionnel.',
      );
    }
    // a wrong code counts against the account as a failed login does: guessing is locked out after a few tries
    await handleCommand(store, portalAccountDecider, {
      streamId: portalAccountStreamId(organisationId, checked.accountId),
      commandId: `${access.commandId(principal, context)}/one-time-code`,
      command: { type: 'RecordPortalLoginFailure', accountId: checked.accountId, at: now.toISOString() },
      metadata: access.metadata(principal, context, { facilityId: checked.facilityId, serviceUserId }),
    });
    throw new DomainRuleViolation(
      'ONE_TIME_CODE_INVALID',
      'Ce code à usage unique n’est pas le bon : demandez à l’usager le code que son application affiche maintenant, puis recommencez.',
    );
  };

  /**
   * Records the code's step as used on the portal account's own stream
   * (`UseOneTimeCodeForSignature`): the decider refuses a step at or before the last one used,
   * for a login or a signature alike, so a code serves once, and two requests racing with the
   * same code are ordered by the stream's revision (one of them is refused). The command id names
   * the request, the document and the step: a retry of this very request (same Idempotency-Key)
   * is answered with what it recorded, never a signature of another document.
   */
  const consumeCode = async (
    principal: Principal,
    context: RequestContext,
    documentId: string,
    serviceUserId: string,
    used: { accountId: string; facilityId: string; step: number },
    now: Date,
  ): Promise<void> => {
    try {
      await handleCommand(store, portalAccountDecider, {
        streamId: portalAccountStreamId(principal.organisationId, used.accountId),
        commandId: `${access.commandId(principal, context)}/one-time-code/${documentId}/${used.step}`,
        command: {
          type: 'UseOneTimeCodeForSignature',
          accountId: used.accountId,
          totpStep: used.step,
          documentId,
          at: now.toISOString(),
        },
        metadata: access.metadata(principal, context, { facilityId: used.facilityId, serviceUserId }),
      });
    } catch (error) {
      if (error instanceof DomainRuleViolation && error.code === 'TOTP_CODE_REUSED') {
        throw new DomainRuleViolation(
          'ONE_TIME_CODE_REUSED',
          'Ce code à usage unique a déjà servi (pour une connexion au portail ou une autre signature) : il ne signe qu’une fois. Demandez à l’usager d’attendre le code suivant de son application, puis recommencez.',
        );
      }
      throw error;
    }
  };

  return [
    defineCommand({
      path: BASE,
      summary: 'Déposer un document dans le dossier de l’usager (PDF, PNG, JPEG ou texte, 10 Mo au plus, en base64)',
      tags: [TAG],
      status: 201,
      params: usagerParams,
      body: z.object({
        /** Chosen by the client, or derived from the Idempotency-Key: a retried upload stores one document. */
        documentId: z.uuid().optional(),
        kind: documentKindSchema,
        title: z.string().trim().min(1).max(200),
        sensitivity: sensitivityClassSchema,
        fileName,
        mediaType: documentMediaTypeSchema,
        contentBase64: base64Content(MAX_DOCUMENT_BYTES),
      }),
      bodyLimit: UPLOAD_BODY_LIMIT_BYTES,
      response: stored,
      problems: ['forbidden', 'domain-rule-violated', 'payload-too-large'],
      async handler({ params, body, context }) {
        const principal = await access.principal(context, params.organisationId);
        const where = { facilityId: params.facilityId, serviceUserId: params.serviceUserId };
        await access.check(principal, 'write', partOf(principal, { ...where, sensitivity: body.sensitivity }));
        const content = decodedContent(body.contentBase64, body.mediaType, {
          field: 'contentBase64',
          maxBytes: MAX_DOCUMENT_BYTES,
          what: 'Le document',
        });
        const documentId =
          body.documentId ?? uuidv5(`${access.commandId(principal, context)}#upload`, DOCUMENT_ID_NAMESPACE);
        const decided: DocumentCommand = {
          type: 'StoreDocument',
          documentId,
          ...where,
          kind: body.kind,
          title: body.title,
          sensitivity: body.sensitivity,
          source: 'uploaded',
          authorId: principal.professionalId,
          storedAt: clock().toISOString(),
          content: {
            contentSha256: sha256Hex(content),
            byteLength: content.length,
            mediaType: body.mediaType,
            fileName: body.fileName,
          },
        };
        await refuseEarly(principal, context, documentId, decided);
        await blobs.put({ organisationId: params.organisationId, serviceUserId: where.serviceUserId }, content);
        const { revision } = await command(principal, context, { documentId, ...where }, decided);
        return {
          status: 201,
          body: { documentId, version: 1, contentSha256: decided.content.contentSha256, revision },
          revision,
          headers: { Location: documentPath(principal.organisationId, where, documentId) },
        };
      },
    }),

    defineQuery({
      path: BASE,
      summary:
        'Les documents de l’usager dans cet établissement, les plus récents d’abord, réduits à ce que le lecteur peut lire (lecture tracée)',
      tags: [TAG],
      params: usagerParams,
      query: z.object({ kind: documentKindSchema.optional() }),
      response: z.object({ documents: z.array(summaryView) }),
      problems: ['forbidden'],
      async handler({ params, query, context }) {
        const principal = await access.principal(context, params.organisationId);
        const where = { facilityId: params.facilityId, serviceUserId: params.serviceUserId };
        const readable: SensitivityClass[] = [];
        for (const sensitivity of SENSITIVITY_CLASSES) {
          if (await mayDo(access, principal, 'read', partOf(principal, { ...where, sensitivity }))) {
            readable.push(sensitivity);
          }
        }
        if (readable.length === 0) {
          // nothing here is open to the reader: the policy says why
          await access.check(principal, 'read', partOf(principal, { ...where, sensitivity: 'administrative' }));
        }
        const documents = (
          await documentsOfServiceUser(knex, documentsSchema, { organisationId: params.organisationId, ...where })
        ).filter(
          (document) =>
            readable.includes(document.sensitivity) && (query.kind === undefined || document.kind === query.kind),
        );
        await traceRead(principal, context, where, 'documents', readable);
        return { body: { documents } };
      },
    }),

    defineQuery({
      path: `${BASE}/:documentId`,
      summary: 'Un document : ses métadonnées, ses versions et ses signatures (lecture tracée)',
      tags: [TAG],
      params: documentParams,
      response: detailView,
      problems: ['forbidden', 'not-found'],
      async handler({ params, context }) {
        const principal = await access.principal(context, params.organisationId);
        const document = await documentOf(params);
        await access.check(principal, 'read', partOf(principal, document));
        await traceRead(principal, context, document, 'document', [document.sensitivity]);
        const { organisationId: _, ...view } = document;
        return { body: view, revision: document.revision };
      },
    }),

    defineQuery({
      path: `${BASE}/:documentId/versions/:version/content`,
      summary:
        'Le contenu d’une version du document, tel qu’il a été enregistré (son intégrité est vérifiée à chaque lecture ; lecture tracée)',
      description:
        'Les octets du fichier, avec son type (application/pdf, image/png, image/jpeg ou text/plain) ; l’ETag est son empreinte SHA-256.',
      tags: [TAG],
      params: versionParams,
      produces: 'application/octet-stream',
      response: z.custom<Buffer>(),
      problems: ['forbidden', 'not-found', 'internal-error'],
      async handler({ params, context }) {
        const principal = await access.principal(context, params.organisationId);
        const document = await documentOf(params);
        await access.check(principal, 'read', partOf(principal, document));
        const version = document.versions.find((candidate) => candidate.version === params.version);
        if (version === undefined) throw new HttpProblem('not-found', 'Ce document n’a pas de version de ce numéro.');
        await traceRead(principal, context, document, 'document-content', [document.sensitivity]);
        let content: Buffer;
        try {
          content = await blobs.get(document, version.contentSha256);
        } catch (error) {
          throw contentProblem(error, context);
        }
        return {
          body: content,
          etag: version.contentSha256,
          headers: {
            'Content-Type': version.mediaType,
            'Content-Disposition': `attachment; filename="${asciiFileName(version.fileName)}"; filename*=UTF-8''${rfc5987(version.fileName)}`,
          },
        };
      },
    }),

    defineCommand({
      path: `${BASE}/:documentId/versions`,
      summary:
        'Ajouter une version au document (refusé, en conflit, une fois le document signé : rédigez alors un avenant ou un nouveau document)',
      tags: [TAG],
      status: 201,
      params: documentParams,
      body: z.object({
        fileName,
        mediaType: documentMediaTypeSchema,
        contentBase64: base64Content(MAX_DOCUMENT_BYTES),
      }),
      bodyLimit: UPLOAD_BODY_LIMIT_BYTES,
      response: stored,
      problems: ['forbidden', 'not-found', 'domain-rule-violated', 'payload-too-large'],
      async handler({ params, body, expectedRevision, context }) {
        const principal = await access.principal(context, params.organisationId);
        const document = await documentOf(params);
        await access.check(principal, 'write', partOf(principal, document));
        const content = decodedContent(body.contentBase64, body.mediaType, {
          field: 'contentBase64',
          maxBytes: MAX_DOCUMENT_BYTES,
          what: 'La nouvelle version',
        });
        const decided: DocumentCommand = {
          type: 'AddDocumentVersion',
          documentId: document.documentId,
          authorId: principal.professionalId,
          addedAt: clock().toISOString(),
          content: {
            contentSha256: sha256Hex(content),
            byteLength: content.length,
            mediaType: body.mediaType,
            fileName: body.fileName,
          },
        };
        try {
          await refuseEarly(principal, context, document.documentId, decided);
          await blobs.put(document, content);
          const { state, revision } = await command(principal, context, document, decided, expectedRevision);
          const version = state.status === 'stored' ? (state.versions.at(-1)?.version ?? 0) : 0;
          return {
            status: 201,
            body: { documentId: document.documentId, version, contentSha256: decided.content.contentSha256, revision },
            revision,
          };
        } catch (error) {
          return frozenAsConflict(error);
        }
      },
    }),

    defineCommand({
      path: `${BASE}/:documentId/signatures`,
      summary:
        'Signer une version précise du document, avec l’empreinte du contenu présenté : le professionnel connecté, ou l’usager en sa présence (signature manuscrite, code à usage unique de son portail, accord exprimé)',
      description:
        'Sans `signer` (ou `professional`), le professionnel connecté signe. Avec `signer: serviceUser`, il recueille la signature de l’usager : `method: handwritten` avec `signatureImageBase64` (PNG), `method: oneTimeCode` avec `code` (les 6 chiffres de l’application d’authentification du portail de l’usager), ou `method: inPerson`.',
      tags: [TAG],
      status: 201,
      params: documentParams,
      body: z.object({
        version: z.int().min(1),
        contentSha256: sha256HexSchema,
        signer: z.enum(['professional', 'serviceUser']).optional(),
        method: signatureMethodSchema.optional(),
        signatureImageBase64: base64Content(MAX_SIGNATURE_IMAGE_BYTES).optional(),
        code: z
          .string()
          .regex(/^\d{6}$/, 'code à 6 chiffres attendu')
          .optional(),
      }),
      response: accepted.extend({ signatureIndex: z.int(), signedSha256: z.string() }),
      problems: ['forbidden', 'not-found', 'domain-rule-violated'],
      async handler({ params, body, expectedRevision, context }) {
        const principal = await access.principal(context, params.organisationId);
        const document = await documentOf(params);
        await access.check(principal, 'write', partOf(principal, document));
        const invalid = (field: string, message: string) =>
          new HttpProblem('validation-failed', message, {
            extensions: { errors: [{ path: `body.${field}`, message }] },
          });
        let signer: DocumentSigner;
        let image: Buffer | undefined;
        if ((body.signer ?? 'professional') === 'professional') {
          const extra = (['method', 'signatureImageBase64', 'code'] as const).find(
            (field) => body[field] !== undefined,
          );
          if (extra !== undefined) {
            throw invalid(
              extra,
              'Le professionnel signe en son nom, connecté : ce champ ne sert qu’à la signature de l’usager.',
            );
          }
          signer = {
            kind: 'professional',
            professionalId: principal.professionalId,
            role: access.rolesIn(principal, document.facilityId).join(',') || 'aucun',
          };
        } else {
          if (body.method === undefined) {
            throw invalid('method', 'Indiquez comment l’usager signe : handwritten, oneTimeCode ou inPerson.');
          }
          if (body.method !== 'handwritten' && body.signatureImageBase64 !== undefined) {
            throw invalid('signatureImageBase64', 'Seule une signature manuscrite est accompagnée d’une image.');
          }
          if (body.method !== 'oneTimeCode' && body.code !== undefined) {
            throw invalid('code', 'Seule une signature par code à usage unique est accompagnée d’un code.');
          }
          const witnessed = { method: body.method, witnessedBy: principal.professionalId };
          if (body.method === 'handwritten') {
            if (body.signatureImageBase64 === undefined) {
              throw invalid('signatureImageBase64', 'Joignez l’image (PNG) de la signature manuscrite de l’usager.');
            }
            image = decodedContent(body.signatureImageBase64, 'image/png', {
              field: 'signatureImageBase64',
              maxBytes: MAX_SIGNATURE_IMAGE_BYTES,
              what: 'L’image de la signature',
            });
            signer = { kind: 'serviceUser', ...witnessed, signatureImageSha256: sha256Hex(image) };
          } else if (body.method === 'oneTimeCode') {
            if (body.code === undefined) {
              throw invalid('code', 'Saisissez le code à usage unique affiché par l’application de l’usager.');
            }
            // the account is known once the code is checked, after the early decision: a stand-in until then
            signer = { kind: 'serviceUser', ...witnessed, portalAccountId: '00000000-0000-4000-8000-000000000000' };
          } else {
            signer = { kind: 'serviceUser', ...witnessed };
          }
        }
        const decided = (signedBy: DocumentSigner): DocumentCommand => ({
          type: 'SignDocument',
          documentId: document.documentId,
          version: body.version,
          contentSha256: body.contentSha256,
          signedAt: clock().toISOString(),
          signer: signedBy,
        });
        // the version, the hash, the signer and the revision seen are checked before a code is tried or an image kept
        const handled = await refuseEarly(principal, context, document.documentId, decided(signer), expectedRevision);
        if (!handled && signer.kind === 'serviceUser' && signer.method === 'oneTimeCode' && body.code !== undefined) {
          const now = clock();
          const used = await accountOfCode(principal, context, document.serviceUserId, body.code, now);
          // The code's step is consumed before the signature is appended, on purpose: the two
          // streams cannot be written in one transaction, and the other order would leave, if the
          // second write failed, a signature whose code can still sign again (the very replay this
          // prevents). In this order a failure after the first write leaves the step used and the
          // document unsigned: the same request retried (same Idempotency-Key) goes through, or
          // the usager gives the next code. Nothing the signature could refuse is left to decide
          // by then but a concurrent change of the document.
          await consumeCode(principal, context, document.documentId, document.serviceUserId, used, now);
          signer = { ...signer, portalAccountId: used.accountId };
        }
        if (image !== undefined) await blobs.put(document, image);
        const { state, revision } = await command(principal, context, document, decided(signer), expectedRevision);
        const signatureIndex = state.status === 'stored' ? state.signatures.length - 1 : 0;
        return { status: 201, body: { revision, signatureIndex, signedSha256: body.contentSha256 }, revision };
      },
    }),

    defineQuery({
      path: `${BASE}/:documentId/signatures/:index/verification`,
      summary:
        'Vérifier une signature : l’empreinte du contenu enregistré, recalculée maintenant, est-elle celle qui a été signée ? (lecture tracée)',
      tags: [TAG],
      params: signatureParams,
      response: z.object({
        valid: z.boolean(),
        signedSha256: z.string(),
        actualSha256: z.string().nullable(),
        content: z.enum(['intact', 'altered', 'missing']),
        documentId: z.string(),
        version: z.int(),
        signatureIndex: z.int(),
        signedAt: z.string(),
        signer: documentSignerSchema,
        signatureImage: z.object({ sha256: z.string(), intact: z.boolean() }).optional(),
        checkedAt: z.string(),
        detail: z.string(),
      }),
      problems: ['forbidden', 'not-found'],
      async handler({ params, context }) {
        const principal = await access.principal(context, params.organisationId);
        const document = await documentOf(params);
        await access.check(principal, 'read', partOf(principal, document));
        const signature = document.signatures.find((candidate) => candidate.index === params.index);
        if (signature === undefined)
          throw new HttpProblem('not-found', 'Ce document n’a pas de signature de ce numéro.');
        const version = document.versions.find((candidate) => candidate.version === signature.version);
        await traceRead(principal, context, document, 'document-signature-verification', [document.sensitivity]);
        const checked = await storedBytes(blobs, document, version?.contentSha256 ?? signature.contentSha256);
        const valid =
          checked.bytes !== undefined &&
          version?.contentSha256 === signature.contentSha256 &&
          verifySignedContent(signature, checked.bytes).valid;
        const imageSha256 =
          signature.signer.kind === 'professional' ? undefined : signature.signer.signatureImageSha256;
        const image =
          imageSha256 === undefined
            ? undefined
            : { sha256: imageSha256, intact: (await storedBytes(blobs, document, imageSha256)).content === 'intact' };
        return {
          body: {
            valid,
            signedSha256: signature.contentSha256,
            actualSha256: checked.actualSha256,
            content: checked.content,
            documentId: document.documentId,
            version: signature.version,
            signatureIndex: signature.index,
            signedAt: signature.signedAt,
            signer: signature.signer,
            ...(image === undefined ? {} : { signatureImage: image }),
            checkedAt: clock().toISOString(),
            detail: valid
              ? `La signature est valide : le contenu enregistré de la version ${signature.version} est exactement celui qui a été signé.`
              : checked.content === 'missing'
                ? 'La signature ne peut pas être vérifiée : le contenu signé est introuvable dans le stockage.'
                : 'La signature n’est pas valide : le contenu enregistré a changé depuis la signature.',
          },
        };
      },
    }),

    defineCommand({
      path: `${BASE}/:documentId/share`,
      summary: 'Partager le document avec l’usager (il le voit sur son portail et dans l’export de son dossier)',
      tags: [TAG],
      params: documentParams,
      body: z.object({}),
      response: accepted.extend({ sharedWithServiceUser: z.boolean() }),
      problems: ['forbidden', 'not-found', 'domain-rule-violated'],
      async handler({ params, expectedRevision, context }) {
        const principal = await access.principal(context, params.organisationId);
        const document = await documentOf(params);
        await access.check(principal, 'write', partOf(principal, document));
        const { revision } = await command(
          principal,
          context,
          document,
          {
            type: 'ShareDocumentWithServiceUser',
            documentId: document.documentId,
            sharedBy: principal.professionalId,
            sharedAt: clock().toISOString(),
          },
          expectedRevision,
        );
        return { body: { revision, sharedWithServiceUser: true }, revision };
      },
    }),

    defineCommand({
      path: `${BASE}/:documentId/share/withdrawal`,
      summary: 'Retirer le partage du document avec l’usager',
      tags: [TAG],
      params: documentParams,
      body: z.object({ reason: z.string().trim().min(1).max(500).optional() }),
      response: accepted.extend({ sharedWithServiceUser: z.boolean() }),
      problems: ['forbidden', 'not-found', 'domain-rule-violated'],
      async handler({ params, body, expectedRevision, context }) {
        const principal = await access.principal(context, params.organisationId);
        const document = await documentOf(params);
        await access.check(principal, 'write', partOf(principal, document));
        const { revision } = await command(
          principal,
          context,
          document,
          {
            type: 'WithdrawDocumentShare',
            documentId: document.documentId,
            withdrawnBy: principal.professionalId,
            withdrawnAt: clock().toISOString(),
            ...(body.reason === undefined ? {} : { reason: body.reason }),
          },
          expectedRevision,
        );
        return { body: { revision, sharedWithServiceUser: false }, revision };
      },
    }),
  ];
}

export interface StoreGeneratedDocumentRequest {
  principal: Principal;
  context: RequestContext;
  organisationId: string;
  facilityId: string;
  serviceUserId: string;
  kind: GeneratedDocumentKind;
  title: string;
  sensitivity: SensitivityClass;
  pdf: Buffer;
  fileName: string;
  /** Defaults to one derived from the request's command id, the kind and the file name (a retry stores one document). */
  documentId?: string;
}

/**
 * Stores a PDF the record generated (a contract, a DIPC, a certificate...) as a document of the
 * usager, authored by the professional who asked for it: the access check of writing that
 * sensitivity in that ESSMS, the bytes in the blob store, then the event.
 */
export async function storeGeneratedDocument(
  deps: Pick<DocumentsDependencies, 'store' | 'blobs' | 'access' | 'clock'>,
  request: StoreGeneratedDocumentRequest,
): Promise<{ documentId: string; version: number; contentSha256: string; byteLength: number; revision: number }> {
  const { principal, context, facilityId, serviceUserId } = request;
  if (principal.organisationId !== request.organisationId) {
    throw new HttpProblem('forbidden', 'Ce dossier relève d’un autre organisme gestionnaire.');
  }
  const where = { facilityId, serviceUserId };
  await deps.access.check(principal, 'write', {
    organisationId: request.organisationId,
    ...where,
    sensitivity: request.sensitivity,
  });
  if (request.pdf.length === 0 || request.pdf.subarray(0, 5).toString('latin1') !== '%PDF-') {
    throw new TypeError('storeGeneratedDocument stores PDFs: the bytes given are not one');
  }
  const commandId = deps.access.commandId(principal, context);
  const documentId =
    request.documentId ?? uuidv5(`${commandId}#generated#${request.kind}#${request.fileName}`, DOCUMENT_ID_NAMESPACE);
  const decided: DocumentCommand = {
    type: 'StoreDocument',
    documentId,
    ...where,
    kind: request.kind,
    title: request.title,
    sensitivity: request.sensitivity,
    source: 'generated',
    authorId: principal.professionalId,
    storedAt: deps.clock().toISOString(),
    content: {
      contentSha256: sha256Hex(request.pdf),
      byteLength: request.pdf.length,
      mediaType: 'application/pdf',
      fileName: request.fileName,
    },
  };
  await decideWithoutAppending(deps.store, request.organisationId, documentId, commandId, decided);
  await deps.blobs.put({ organisationId: request.organisationId, serviceUserId }, request.pdf);
  const { revision } = await professionalCommand(deps.store, deps.access, documentDecider, {
    principal,
    context,
    streamId: documentStreamId(request.organisationId, documentId),
    command: decided,
    where,
  });
  return {
    documentId,
    version: 1,
    contentSha256: decided.content.contentSha256,
    byteLength: decided.content.byteLength,
    revision,
  };
}

/**
 * Decides on the stream as it stands, appending nothing; a command already handled (a retry) is
 * let through, and answered `true`. With `expectedRevision`, a stream that has moved on since the
 * caller read it is refused here, as the append would refuse it.
 */
async function decideWithoutAppending(
  store: EventStore<Knex.Transaction>,
  organisationId: string,
  documentId: string,
  commandId: string,
  decided: DocumentCommand,
  expectedRevision?: number,
): Promise<boolean> {
  const streamId = documentStreamId(organisationId, documentId);
  const events = await store.readStream(streamId);
  if (events.some((event) => event.metadata.causationId === commandId)) return true;
  const revision = events.at(-1)?.streamRevision;
  if (expectedRevision !== undefined && expectedRevision !== revision) {
    throw new WrongExpectedRevisionError(streamId, expectedRevision, revision);
  }
  documentDecider.decide(
    decided,
    foldEvents(
      documentDecider,
      events.map((event) => ({ type: event.type, data: event.data }) as DocumentEvent),
    ),
  );
  return false;
}

/** Whether the policy lets the principal do it, as the routes' check decides (archived records included). */
async function mayDo(
  access: ProfessionalAccess,
  principal: Principal,
  action: 'read' | 'write',
  part: { organisationId: string; facilityId: string; serviceUserId: string; sensitivity: SensitivityClass },
): Promise<boolean> {
  try {
    await access.check(principal, action, part);
    return true;
  } catch (error) {
    if (error instanceof HttpProblem && error.kind === 'forbidden') return false;
    throw error;
  }
}

/** The bytes kept under an address, if whole, and the hash of what is kept there now, whatever it should be. */
async function storedBytes(
  blobs: SealedBlobStore,
  owner: BlobOwner,
  sha256: string,
): Promise<{ bytes?: Buffer; actualSha256: string | null; content: 'intact' | 'altered' | 'missing' }> {
  try {
    const bytes = await blobs.get(owner, sha256);
    return { bytes, actualSha256: sha256Hex(bytes), content: 'intact' };
  } catch (error) {
    if (error instanceof BlobIntegrityError) return { actualSha256: error.actualSha256, content: 'altered' };
    if (error instanceof BlobNotFoundError) return { actualSha256: null, content: 'missing' };
    throw error;
  }
}

/** The stored bytes could not be given: never the bytes of another content, never silently. */
function contentProblem(error: unknown, context: RequestContext): unknown {
  if (error instanceof BlobIntegrityError) {
    context.log.error({ sha256: error.sha256, actualSha256: error.actualSha256 }, 'document content altered');
    return new HttpProblem(
      'internal-error',
      'Le contenu enregistré de ce document ne correspond plus à son empreinte : il a été altéré ou endommagé, et n’est donc pas transmis. Prévenez l’administrateur en lui donnant l’identifiant de corrélation.',
      { extensions: { reason: 'contentAltered' } },
    );
  }
  if (error instanceof BlobNotFoundError) {
    context.log.error({ sha256: error.sha256 }, 'document content missing');
    return new HttpProblem(
      'internal-error',
      'Le contenu de ce document est introuvable dans le stockage. Prévenez l’administrateur en lui donnant l’identifiant de corrélation.',
      { extensions: { reason: 'contentMissing' } },
    );
  }
  return error;
}

function documentPath(
  organisationId: string,
  where: { facilityId: string; serviceUserId: string },
  documentId: string,
): string {
  return `/organisations/${encodeURIComponent(organisationId)}/facilities/${encodeURIComponent(where.facilityId)}/usagers/${encodeURIComponent(where.serviceUserId)}/documents/${documentId}`;
}

/** The file name for `filename*=` (RFC 5987): percent-encoded UTF-8, `'()*` included. */
function rfc5987(name: string): string {
  return encodeURIComponent(name).replace(
    /['()*]/g,
    (character) => `%${character.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

/** The file name for the plain `filename=` parameter: ASCII, no quote nor backslash. */
function asciiFileName(name: string): string {
  return name
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[^\x20-\x7e]|["\\]/g, '_');
}
