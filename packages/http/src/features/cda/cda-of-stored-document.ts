import { BlobIntegrityError, BlobNotFoundError, type SealedBlobStore } from '@dui-pds/documents';
import type { Role, SensitivityClass } from '@dui-pds/domain';
import { documentById, type SheetAccompaniment, serviceUserIdentity, summarySheetOf } from '@dui-pds/projections';
import {
  buildCdaDocument,
  type CdaDocumentInput,
  CdaInputRefused,
  type CdaProfessional,
  cdaDocumentTypeOf,
  ESSMS_PRACTICE_SETTING,
  oidOfUuid,
  PDS_FACILITY_TYPE,
  PROFESSION_OF_ROLE,
  professionalIdOf,
  structureIdOfFiness,
} from '@dui-pds/segur-adapters';
import type { Knex } from 'knex';
import { HttpProblem } from '../../server/index.js';
import { cdaPatientOf } from './cda-patient.js';

/** Where a stored document's CDA is drawn from. */
export interface CdaSources {
  knex: Knex;
  schemas: { documents: string; serviceUsers: string; summarySheets: string };
  blobs: SealedBlobStore;
  /** The ESSMS' names and addresses by FINESS (`DUI_FACILITIES`). */
  facilities: Readonly<Record<string, { name: string; address?: string }>>;
  /** The installation's OID root (`DUI_OID_ROOT`): the usagers' local ids and the accompaniments' ids. */
  oidRoot: string;
}

export interface CdaOfStoredDocumentRequest {
  organisationId: string;
  serviceUserId: string;
  documentId: string;
  /** The latest version by default. */
  version?: number;
  /** The professional who sends the document: its author and legal authenticator in the header. */
  author: {
    professionalId: string;
    displayName: string;
    familyName?: string;
    givenName?: string;
    /** Their role in the document's ESSMS: the profession the header names. */
    role?: Role;
  };
}

/** How sensitive, in HL7's words: what only clinicians read is restricted, a psychologist's very restricted. */
const CONFIDENTIALITY_OF_SENSITIVITY: Readonly<Record<SensitivityClass, 'N' | 'R' | 'V'>> = {
  administrative: 'N',
  social: 'N',
  medical: 'R',
  psychological: 'V',
};

/**
 * A stored document of the record as a CDA R2 level 1 document (its PDF wrapped, with the CI-SIS
 * header), and the input it was built from (for the XDS metadata). The usager's identity gives the
 * patient (the INS for QUAL only; an anonymous usager is refused, 409), the accompaniment in the
 * document's ESSMS gives the service event and the encounter. Only a PDF version is wrapped (409
 * otherwise). No access check is made here: the caller makes it, and traces the read.
 */
export async function cdaOfStoredDocument(
  deps: CdaSources,
  request: CdaOfStoredDocumentRequest,
): Promise<{ xml: string; input: CdaDocumentInput; fileName: string }> {
  const { organisationId, serviceUserId } = request;
  const document = await documentById(deps.knex, deps.schemas.documents, organisationId, request.documentId);
  if (document === undefined || document.serviceUserId !== serviceUserId) {
    throw new HttpProblem('not-found', 'Aucun document de cet usager sous cet identifiant.');
  }
  const version =
    request.version === undefined
      ? document.latestVersion
      : document.versions.find((candidate) => candidate.version === request.version);
  if (version === undefined) throw new HttpProblem('not-found', 'Ce document n’a pas de version de ce numéro.');
  if (version.mediaType !== 'application/pdf') {
    throw new HttpProblem(
      'conflict',
      'Cette version n’est pas un PDF : seul un PDF peut être transmis au DMP ou par MSSanté sous forme de document CDA.',
      { extensions: { code: 'BODY_NOT_PDF' } },
    );
  }
  const type = cdaDocumentTypeOf(document.kind);
  if (type === undefined) {
    throw new HttpProblem(
      'conflict',
      'Ce type de document n’a pas de code dans la nomenclature des documents de santé (CI-SIS) : précisez sa nature avant de le transmettre.',
      { extensions: { code: 'NO_DOCUMENT_TYPE' } },
    );
  }
  const identity = await serviceUserIdentity(deps.knex, deps.schemas.serviceUsers, { organisationId, serviceUserId });
  if (identity === undefined) throw new HttpProblem('not-found', 'Aucun usager de cet organisme sous cet identifiant.');
  const patient = cdaPatientOf(identity, {
    root: `${deps.oidRoot}.1`,
    extension: `${organisationId}/${serviceUserId}`,
  });
  const content = await pdfOf(deps.blobs, { organisationId, serviceUserId }, version.contentSha256);

  const finess = document.facilityId;
  const facility = {
    finess,
    name: deps.facilities[finess]?.name ?? `ESSMS ${finess}`,
    facilityType: PDS_FACILITY_TYPE,
    practiceSetting: ESSMS_PRACTICE_SETTING,
    ...(deps.facilities[finess]?.address === undefined ? {} : { address: deps.facilities[finess]?.address }),
  };
  const authoredAt = new Date(version.addedAt);
  const sheet = await summarySheetOf(deps.knex, deps.schemas.summarySheets, { organisationId, serviceUserId });
  const accompaniment = accompanimentOf(sheet?.accompaniments ?? [], finess, authoredAt);
  const start = accompaniment === undefined ? new Date(document.storedAt) : instantOf(accompaniment.admittedAt);
  const end = accompaniment?.exit === undefined ? undefined : instantOf(accompaniment.exit.day);
  const professional = professionalOf(request.author, finess);
  const setId = oidOfUuid(document.documentId);
  const input: CdaDocumentInput = {
    id: { root: `${setId}.${version.version}` },
    setId: { root: setId },
    versionNumber: version.version,
    type,
    title: document.title,
    effectiveTime: authoredAt,
    confidentiality: CONFIDENTIALITY_OF_SENSITIVITY[document.sensitivity],
    patient,
    author: { ...professional, time: authoredAt },
    custodian: { id: structureIdOfFiness(finess), name: facility.name },
    // the version's time, not now: the same version gives the same bytes, as XDS wants of one uniqueId
    legalAuthenticator: { ...professional, time: authoredAt },
    serviceEvent: { start, ...(end === undefined || end < start ? {} : { end }) },
    encounter: {
      ...(accompaniment === undefined
        ? {}
        : { id: { root: `${deps.oidRoot}.2`, extension: `${organisationId}/${accompaniment.accompanimentId}` } }),
      start,
      ...(end === undefined || end < start ? {} : { end }),
      facility,
    },
    body: { mediaType: 'application/pdf', content },
    ...(version.version > 1 ? { replaces: { root: `${setId}.${version.version - 1}` } } : {}),
  };
  try {
    return { xml: buildCdaDocument(input), input, fileName: cdaFileName(version.fileName) };
  } catch (error) {
    if (error instanceof CdaInputRefused) {
      throw new HttpProblem('conflict', error.message, { extensions: { code: error.code } });
    }
    throw error;
  }
}

/** The accompaniment in the ESSMS when the document was written: the last admitted before, else the first after. */
function accompanimentOf(
  accompaniments: readonly SheetAccompaniment[],
  facilityId: string,
  at: Date,
): SheetAccompaniment | undefined {
  const here = accompaniments
    .filter((accompaniment) => accompaniment.facilityId === facilityId)
    .sort((one, other) => instantOf(one.admittedAt).getTime() - instantOf(other.admittedAt).getTime());
  return here.filter((accompaniment) => instantOf(accompaniment.admittedAt) <= at).at(-1) ?? here[0];
}

/** An instant, or a day (an exit's) read at noon in Paris, so that it prints as that day. */
function instantOf(text: string): Date {
  return /^\d{4}-\d{2}-\d{2}$/.test(text) ? new Date(`${text}T12:00:00+01:00`) : new Date(text);
}

function professionalOf(author: CdaOfStoredDocumentRequest['author'], finess: string): CdaProfessional {
  const profession = author.role === undefined ? undefined : PROFESSION_OF_ROLE[author.role];
  return {
    id: professionalIdOf(author.professionalId, finess),
    familyName: author.familyName ?? author.displayName,
    ...(author.givenName === undefined ? {} : { givenName: author.givenName }),
    ...(profession === undefined ? {} : { profession }),
  };
}

async function pdfOf(
  blobs: SealedBlobStore,
  owner: { organisationId: string; serviceUserId: string },
  sha256: string,
): Promise<Buffer> {
  try {
    return await blobs.get(owner, sha256);
  } catch (error) {
    if (error instanceof BlobIntegrityError || error instanceof BlobNotFoundError) {
      throw new HttpProblem(
        'internal-error',
        'Le contenu enregistré de ce document est introuvable ou altéré : il n’est pas transmis. Prévenez l’administrateur.',
        { extensions: { reason: error instanceof BlobIntegrityError ? 'contentAltered' : 'contentMissing' } },
      );
    }
    throw error;
  }
}

/** `projet.pdf` → `projet.cda.xml`. */
function cdaFileName(fileName: string): string {
  return `${fileName.replace(/\.pdf$/i, '')}.cda.xml`;
}
