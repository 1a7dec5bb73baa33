import type { SealedBlobStore } from '@dui-pds/documents';
import {
  DomainRuleViolation,
  foldEvents,
  type Principal,
  type Role,
  SENSITIVITY_CLASSES,
  type SecureMessageIdentity,
  type SecureMessageRecipient,
  type SensitivityClass,
  type SentSecureMessageCommand,
  type SentSecureMessageEvent,
  sentSecureMessageDecider,
  sentSecureMessageStreamId,
} from '@dui-pds/domain';
import type { EventStore } from '@dui-pds/eventstore';
import {
  type DocumentView,
  directoryEntryById,
  documentById,
  documentsOfServiceUser,
  examResultsOf,
  sentSecureMessagesOf,
  serviceUserIdentity,
} from '@dui-pds/projections';
import {
  buildMssanteMessage,
  type MssanteDocument,
  oidOfUuid,
  patientMssanteAddress,
  SecureMessageRefused,
  SecureMessagingUnavailable,
  xdsDocumentEntryOf,
} from '@dui-pds/segur-adapters';
import type { Knex } from 'knex';
import { v5 as uuidv5 } from 'uuid';
import { z } from 'zod';
import type { AccessLog } from '../../app/access-log.js';
import type { MssanteMailbox } from '../../app/mssante-mailbox.js';
import type { AuthenticatedProfessional } from '../../auth/professional-identity.js';
import { defineCommand, defineQuery, HttpProblem, type RouteDefinition } from '../../server/index.js';
import type { RequestContext } from '../../server/request-context.js';
import { type CdaSources, cdaOfStoredDocument } from '../cda/cda-of-stored-document.js';
import type { ProfessionalAccess } from '../professional-access.js';
import { professionalCommand } from '../professional-command.js';
import { identifier, organisationParams } from '../route-parameters.js';
import type { MssanteInboxSchedule } from './mssante-inbox-schedule.js';

const TAG = 'MSSanté';
const BASE = '/organisations/:organisationId/facilities/:facilityId/usagers/:serviceUserId';
/** The namespace of message ids derived from command ids (UUID v5): never change it. */
const MESSAGE_ID_NAMESPACE = '5b0e7c3d-9a14-4f2e-8d61-3c7b2a9e4f10';
/** Who may have the inbox read now: those who file mail and documents. */
const INBOX_ROLES: readonly Role[] = ['doctor', 'nurse', 'secretary', 'director', 'administrator'];
const SOFTWARE = { name: 'DUI-PDS', version: '0.1.0' } as const;

const usagerParams = organisationParams.extend({ facilityId: identifier, serviceUserId: identifier });

const recipientView = z.object({
  address: z.string(),
  kind: z.enum(['professional', 'serviceUser']),
  name: z.string().optional(),
  directoryEntryId: z.string().optional(),
  status: z.enum(['sent', 'delivered', 'read', 'failed']),
});
const messageView = z.object({
  messageId: z.string(),
  internetMessageId: z.string(),
  from: z.string(),
  recipients: z.array(recipientView),
  documents: z.array(z.object({ documentId: z.string(), version: z.int(), title: z.string(), typeCode: z.string() })),
  insIncluded: z.boolean(),
  sentBy: z.string(),
  sentAt: z.string(),
  status: z.enum(['sent', 'delivered', 'read', 'failed']),
  failureReason: z.enum(['refused', 'unavailable']).nullable(),
  acknowledgements: z.array(
    z.object({
      recipient: z.string(),
      kind: z.string(),
      source: z.enum(['dsn', 'mdn']),
      receivedAt: z.string(),
      errorCode: z.string().nullable(),
      errorLabel: z.string().nullable(),
    }),
  ),
  revision: z.int(),
});
const examResultView = z.object({
  documentId: z.string(),
  effectiveAt: z.string().nullable(),
  receivedAt: z.string(),
  sender: z.string(),
  producer: z.string().nullable(),
  title: z.string(),
  typeCode: z.string().nullable(),
  typeLabel: z.string().nullable(),
});

export interface MssanteDependencies {
  store: EventStore<Knex.Transaction>;
  knex: Knex;
  schemas: { secureMessaging: string; serviceUsers: string; directory: string; documents: string };
  blobs: SealedBlobStore;
  access: ProfessionalAccess;
  accessLog: AccessLog;
  /** Where a stored document's CDA is drawn from. */
  cda: CdaSources;
  /** The organisation's mailbox; undefined where none is configured (503). */
  mailbox: MssanteMailbox | undefined;
  inbox: MssanteInboxSchedule | undefined;
  clock: () => Date;
}

/**
 * MSSanté: send stored documents of a usager to professionals' MSSanté addresses from the
 * directory, or to the usager's Mon espace santé (a qualified identity only), as CDA documents in
 * an IHE XDM archive, with acknowledgements asked for; follow each message's acknowledgements;
 * have the inbox read now (it is also read every few minutes); list the exam results received.
 * Nothing leaves for an anonymous usager (409, before any message is built).
 */
export function mssanteRoutes(deps: MssanteDependencies): RouteDefinition[] {
  const { knex, schemas, access, accessLog, clock, store } = deps;

  /** The mailbox of this organisation, or 503 (none configured, or another organisation's). */
  const mailboxFor = (organisationId: string): MssanteMailbox => {
    if (deps.mailbox === undefined || deps.mailbox.organisationId !== organisationId) {
      throw new HttpProblem(
        'service-unavailable',
        'La messagerie MSSanté n’est pas configurée pour cet organisme : aucun message ne peut être envoyé ni reçu.',
      );
    }
    return deps.mailbox;
  };

  const readableSensitivities = async (principal: Principal, where: { facilityId: string; serviceUserId: string }) => {
    const readable: SensitivityClass[] = [];
    for (const sensitivity of SENSITIVITY_CLASSES) {
      try {
        await access.check(principal, 'read', { organisationId: principal.organisationId, ...where, sensitivity });
        readable.push(sensitivity);
      } catch (error) {
        if (!(error instanceof HttpProblem && error.kind === 'forbidden')) throw error;
      }
    }
    return readable;
  };

  /** The directory entries and Mon espace santé named, as recipients with their MSSanté addresses. */
  const recipientsOf = async (
    params: z.output<typeof usagerParams>,
    asked: readonly ({ directoryEntryId: string } | { monEspaceSante: true })[],
    identity: SecureMessageIdentity,
  ): Promise<SecureMessageRecipient[]> => {
    const recipients: SecureMessageRecipient[] = [];
    for (const recipient of asked) {
      if ('monEspaceSante' in recipient) {
        if (identity.kind !== 'identified' || identity.status !== 'QUAL' || identity.insValue === undefined) {
          throw new HttpProblem(
            'conflict',
            'La messagerie de Mon espace santé n’est adressée qu’à un usager dont l’identité est qualifiée (INS qualifiée).',
            { extensions: { code: 'SECURE_MESSAGE_PATIENT_ADDRESS_NOT_QUALIFIED' } },
          );
        }
        recipients.push({
          address: patientMssanteAddress({ value: identity.insValue }).toLowerCase(),
          kind: 'serviceUser',
        });
        continue;
      }
      const entry = await directoryEntryById(knex, schemas.directory, {
        organisationId: params.organisationId,
        entryId: recipient.directoryEntryId,
      });
      if (entry === undefined || entry.serviceUserId !== params.serviceUserId || entry.status !== 'active') {
        throw new HttpProblem('not-found', 'Aucun correspondant actif de cet usager sous cet identifiant.');
      }
      const address = entry.contact.email?.toLowerCase();
      if (entry.kind === 'relative' || address === undefined || !isMssanteTrustedAddress(address)) {
        throw new DomainRuleViolation(
          'SECURE_MESSAGE_NOT_A_MSSANTE_ADDRESS',
          `${entry.name} n’a pas d’adresse de messagerie sécurisée de santé (…@…mssante.fr) : renseignez-la depuis l’Annuaire Santé.`,
        );
      }
      recipients.push({ address, kind: 'professional', name: entry.name, directoryEntryId: entry.entryId });
    }
    return recipients;
  };

  /** Decides the send on the message's stream without appending: a refusal comes before any byte is built. */
  const refuseEarly = async (organisationId: string, command: SentSecureMessageCommand) => {
    const events = await store.readStream(sentSecureMessageStreamId(organisationId, command.messageId));
    try {
      sentSecureMessageDecider.decide(
        command,
        foldEvents(
          sentSecureMessageDecider,
          events.map((event) => ({ type: event.type, data: event.data }) as SentSecureMessageEvent),
        ),
      );
    } catch (error) {
      if (error instanceof DomainRuleViolation && error.code === 'SECURE_MESSAGE_ANONYMOUS_USAGER') {
        throw new HttpProblem('conflict', error.message, { extensions: { code: error.code } });
      }
      throw error;
    }
  };

  const record = (
    principal: Principal,
    context: RequestContext,
    where: { facilityId: string; serviceUserId: string },
    command: SentSecureMessageCommand,
  ) =>
    professionalCommand(store, access, sentSecureMessageDecider, {
      principal,
      context,
      streamId: sentSecureMessageStreamId(principal.organisationId, command.messageId),
      command,
      where,
    });

  return [
    defineCommand({
      path: `${BASE}/mssante/messages`,
      summary:
        'Envoyer des documents du dossier par MSSanté à des correspondants de l’annuaire ou à la messagerie de Mon espace santé de l’usager (identité qualifiée)',
      description:
        'Chaque document part en CDA R2 (niveau 1) dans une archive IHE_XDM.ZIP, avec son PDF ; l’objet et les en-têtes suivent le référentiel MSSanté (X-MSS-CODECDA, X-MSS-INS). Des accusés de remise (DSN) et de lecture (MDN) sont demandés. Rien n’est envoyé pour un usager anonyme (409). Sans messagerie configurée : 503.',
      tags: [TAG],
      status: 201,
      params: usagerParams,
      body: z.object({
        /** Chosen by the client, or derived from the Idempotency-Key. */
        messageId: z.uuid().optional(),
        recipients: z
          .array(
            z.union([
              z.strictObject({ directoryEntryId: z.uuid() }),
              z.strictObject({ monEspaceSante: z.literal(true) }),
            ]),
          )
          .min(1)
          .max(10),
        documents: z
          .array(z.strictObject({ documentId: z.uuid(), version: z.int().min(1).max(999_999).optional() }))
          .min(1)
          .max(10),
        text: z.string().trim().max(5_000).optional(),
        /** For Mon espace santé: the usager may not answer (X-MSS-MES: FIN). */
        replyBlocked: z.boolean().optional(),
      }),
      response: messageView
        .pick({ messageId: true, internetMessageId: true, recipients: true, insIncluded: true, status: true })
        .extend({
          revision: z.int(),
        }),
      problems: ['forbidden', 'not-found', 'conflict', 'domain-rule-violated', 'service-unavailable'],
      async handler({ params, body, context }) {
        const principal = await access.principal(context, params.organisationId);
        const where = { facilityId: params.facilityId, serviceUserId: params.serviceUserId };
        // what is sent is shared outside: whoever may write each document's class about the usager
        const documents: DocumentView[] = [];
        for (const asked of body.documents) {
          const document = await documentById(knex, schemas.documents, params.organisationId, asked.documentId);
          if (
            document === undefined ||
            document.serviceUserId !== params.serviceUserId ||
            document.facilityId !== params.facilityId
          ) {
            throw new HttpProblem(
              'not-found',
              'Aucun document de cet usager dans cet établissement sous cet identifiant.',
            );
          }
          await access.check(principal, 'write', {
            organisationId: params.organisationId,
            ...where,
            sensitivity: document.sensitivity,
          });
          documents.push(document);
        }
        const summary = await serviceUserIdentity(knex, schemas.serviceUsers, {
          organisationId: params.organisationId,
          serviceUserId: params.serviceUserId,
        });
        if (summary === undefined)
          throw new HttpProblem('not-found', 'Aucun usager de cet organisme sous cet identifiant.');
        const identity: SecureMessageIdentity = summary.anonymous
          ? { kind: 'anonymous' }
          : {
              kind: 'identified',
              status: summary.identityStatus ?? 'PROV',
              ...(summary.ins === null ? {} : { insValue: summary.ins.value }),
            };
        const messageId =
          body.messageId ?? uuidv5(`${access.commandId(principal, context)}#mssante`, MESSAGE_ID_NAMESPACE);
        const insIncluded =
          identity.kind === 'identified' && identity.status === 'QUAL' && identity.insValue !== undefined;
        const versions = body.documents.map(
          (asked, index) => asked.version ?? (documents[index] as DocumentView).latestVersion.version,
        );
        const draft = (
          recipients: SecureMessageRecipient[],
          from: string,
          internetMessageId: string,
          typeCodes: readonly string[] = [],
        ): Extract<SentSecureMessageCommand, { type: 'SendSecureMessage' }> => ({
          type: 'SendSecureMessage',
          messageId,
          internetMessageId,
          serviceUserId: params.serviceUserId,
          facilityId: params.facilityId,
          from,
          recipients,
          documents: documents.map((document, index) => ({
            documentId: document.documentId,
            version: versions[index] as number,
            title: document.title,
            typeCode: typeCodes[index] ?? 'inconnu',
          })),
          identity,
          insIncluded,
          sentBy: principal.professionalId,
          sentAt: clock().toISOString(),
        });
        // an anonymous usager: refused before anything else is looked at
        if (identity.kind === 'anonymous')
          await refuseEarly(params.organisationId, draft([], 'nul@part.invalid', `<${messageId}@mssante.invalid>`));
        const recipients = await recipientsOf(params, body.recipients, identity);
        const mailbox = mailboxFor(params.organisationId);
        const internetMessageId = `<${messageId}@${mailbox.messaging.address.split('@')[1]}>`;

        const professional = context.response.locals.professional as AuthenticatedProfessional | undefined;
        const role = principal.roles.find((grant) => grant.facilityId === params.facilityId)?.role;
        const mssanteDocuments: MssanteDocument[] = [];
        for (const [index, document] of documents.entries()) {
          const { xml, input } = await cdaOfStoredDocument(deps.cda, {
            organisationId: params.organisationId,
            serviceUserId: params.serviceUserId,
            documentId: document.documentId,
            version: versions[index] as number,
            author: {
              professionalId: principal.professionalId,
              displayName: professional?.displayName ?? principal.professionalId,
              ...(role === undefined ? {} : { role }),
            },
          });
          const version = document.versions.find((candidate) => candidate.version === versions[index]);
          mssanteDocuments.push({
            cda: xml,
            input,
            entry: xdsDocumentEntryOf(input),
            pdfFileName: version?.fileName ?? 'document.pdf',
          });
        }
        const command = draft(
          recipients,
          mailbox.messaging.address,
          internetMessageId,
          mssanteDocuments.map((document) => document.input.type.code),
        );
        await refuseEarly(params.organisationId, command);

        const mail = buildMssanteMessage({
          messageId: internetMessageId,
          to: recipients.map((recipient) => recipient.address),
          documents: mssanteDocuments,
          text:
            body.text ??
            `Veuillez trouver ci-joint ${mssanteDocuments.length > 1 ? 'les documents' : 'le document'} de la personne accompagnée, au format CDA dans l’archive IHE_XDM.ZIP.`,
          submission: { id: oidOfUuid(messageId), sourceId: deps.cda.oidRoot, submissionTime: clock() },
          sender: {
            organisation: deps.cda.facilities[params.facilityId]?.name ?? `ESSMS ${params.facilityId}`,
            software: SOFTWARE.name,
            softwareVersion: SOFTWARE.version,
            contact: mailbox.messaging.address,
          },
          ...(mailbox.productReference === undefined ? {} : { productReference: mailbox.productReference }),
          ...(body.replyBlocked === undefined ? {} : { replyBlocked: body.replyBlocked }),
          acknowledgements: true,
        });
        try {
          await mailbox.messaging.send(mail);
        } catch (error) {
          if (!(error instanceof SecureMessageRefused || error instanceof SecureMessagingUnavailable)) throw error;
          const refused = error instanceof SecureMessageRefused;
          const { sentAt: _, ...fields } = command;
          await record(principal, context, where, {
            ...fields,
            type: 'RecordSecureMessageSendingFailure',
            failedAt: clock().toISOString(),
            reason: refused ? 'refused' : 'unavailable',
          });
          throw refused
            ? new DomainRuleViolation(
                'SECURE_MESSAGE_REFUSED',
                'Le serveur de messagerie MSSanté a refusé ce message (un destinataire inconnu de l’espace de confiance ?). L’échec est tracé.',
              )
            : new HttpProblem(
                'service-unavailable',
                'Le serveur de messagerie MSSanté ne répond pas : le message n’est pas parti. Réessayez plus tard.',
              );
        }
        const { revision } = await record(principal, context, where, command);
        return {
          status: 201,
          body: {
            messageId,
            internetMessageId,
            recipients: recipients.map((recipient) => ({ ...recipient, status: 'sent' as const })),
            insIncluded,
            status: 'sent' as const,
            revision,
          },
          revision,
        };
      },
    }),

    defineQuery({
      path: `${BASE}/mssante/messages`,
      summary:
        'Les messages MSSanté envoyés pour l’usager depuis cet établissement, avec l’état de chaque destinataire (envoyé, remis, lu, en échec) et les accusés reçus (lecture tracée)',
      tags: [TAG],
      params: usagerParams,
      response: z.object({ messages: z.array(messageView) }),
      problems: ['forbidden'],
      async handler({ params, context }) {
        const principal = await access.principal(context, params.organisationId);
        const where = { facilityId: params.facilityId, serviceUserId: params.serviceUserId };
        const readable = await readableSensitivities(principal, where);
        if (readable.length === 0) {
          access.check(principal, 'read', {
            organisationId: params.organisationId,
            ...where,
            sensitivity: 'administrative',
          });
        }
        // a message is shown to whoever may read every document it carried
        const sensitivityOf = new Map(
          (
            await documentsOfServiceUser(knex, schemas.documents, { organisationId: params.organisationId, ...where })
          ).map((document) => [document.documentId, document.sensitivity]),
        );
        const messages = (
          await sentSecureMessagesOf(knex, schemas.secureMessaging, { organisationId: params.organisationId, ...where })
        )
          .filter((message) =>
            message.documents.every((document) =>
              readable.includes(sensitivityOf.get(document.documentId) ?? 'medical'),
            ),
          )
          .map(({ serviceUserId: _, facilityId: __, ...message }) => message);
        await accessLog.recordReadBy(principal, context.correlationId, {
          ...where,
          resource: 'mssante-messages',
          sensitivities: readable,
          purpose: 'care',
        });
        return { body: { messages } };
      },
    }),

    defineQuery({
      path: `${BASE}/exam-results`,
      summary:
        'Les résultats d’examens reçus par MSSanté et classés dans le dossier (biologie, imagerie), les plus récents d’abord (lecture tracée)',
      description: 'Chaque résultat renvoie à son document (contenu : …/documents/{documentId}/versions/1/content).',
      tags: [TAG],
      params: usagerParams,
      response: z.object({ examResults: z.array(examResultView) }),
      problems: ['forbidden'],
      async handler({ params, context }) {
        const principal = await access.principal(context, params.organisationId);
        const where = { facilityId: params.facilityId, serviceUserId: params.serviceUserId };
        access.check(principal, 'read', { organisationId: params.organisationId, ...where, sensitivity: 'medical' });
        const examResults = (
          await examResultsOf(knex, schemas.secureMessaging, { organisationId: params.organisationId, ...where })
        ).map(({ serviceUserId: _, facilityId: __, ...result }) => result);
        await accessLog.recordReadBy(principal, context.correlationId, {
          ...where,
          resource: 'exam-results',
          sensitivities: ['medical'],
          purpose: 'care',
        });
        return { body: { examResults } };
      },
    }),

    defineCommand({
      path: '/organisations/:organisationId/mssante/inbox/polls',
      summary:
        'Relever maintenant la boîte MSSanté de l’organisme : classer les documents reçus dans les dossiers, renvoyer les accusés d’erreur, enregistrer les accusés reçus',
      description:
        'La boîte est aussi relevée toutes les quelques minutes (DUI_MSSANTE_POLL_MINUTES). Sans messagerie configurée pour cet organisme : 503.',
      tags: [TAG],
      params: organisationParams,
      body: z.object({}),
      response: z.object({
        handled: z.int(),
        failed: z.int(),
        filed: z.int(),
        rejected: z.int(),
        acknowledgements: z.int(),
        ignored: z.int(),
      }),
      problems: ['forbidden', 'service-unavailable'],
      async handler({ params, context }) {
        const principal = await access.principal(context, params.organisationId);
        if (!principal.roles.some((grant) => INBOX_ROLES.includes(grant.role))) {
          throw new HttpProblem(
            'forbidden',
            'Relever la messagerie MSSanté est réservé aux médecins, infirmiers, secrétaires, à la direction et aux administrateurs.',
          );
        }
        mailboxFor(params.organisationId);
        if (deps.inbox === undefined)
          throw new HttpProblem('service-unavailable', 'La messagerie MSSanté n’est pas configurée.');
        try {
          return { body: await deps.inbox.poll() };
        } catch (error) {
          if (error instanceof SecureMessagingUnavailable) {
            throw new HttpProblem(
              'service-unavailable',
              'Le serveur de messagerie MSSanté ne répond pas : réessayez plus tard.',
            );
          }
          throw error;
        }
      },
    }),
  ];
}

/** The MSSanté trust space's domains: `mssante.fr` and its subdomains (the operators', `patient.mssante.fr`). */
function isMssanteTrustedAddress(address: string): boolean {
  const domain = address.split('@')[1] ?? '';
  return domain === 'mssante.fr' || domain.endsWith('.mssante.fr');
}
