import {
  type AccompanimentPrintOptions,
  careCertificatePdf,
  type EstablishmentOnDocument,
  freedomOfMovementAnnexPdf,
  type MeasureOnPrint,
  personalisedProjectPdf,
  printedIns,
  qualifiedIdentity,
  renderSummarySheetPdf,
  stayContractAmendmentPdf,
  stayContractPdf,
  trustedPersonAttestationPdf,
  type UsagerOnDocument,
} from '@dui-pds/documents';
import {
  type CareCertificateIssued,
  foldEvents,
  type GeneratedDocumentKind,
  type SensitivityClass,
  type ServiceUserIdentityEvent,
  type StayContract,
  type StayContractAmendmentDrafted,
  type StayContractEvent,
  type StayContractKind,
  type StayContractVersion,
  serviceUserIdentityDecider,
  serviceUserStreamId,
  stayContractDecider,
  stayContractStreamId,
} from '@dui-pds/domain';
import { type EventStore, isErased } from '@dui-pds/eventstore';
import {
  type FreedomOfMovementMeasureView,
  hiddenPartsOf,
  measuresOfServiceUser,
  personalisedProject,
  personalisedProjectsOf,
  personalisedProjectVersion,
  readableSheet,
  SHEET_PART_SENSITIVITY,
  type SheetPart,
  serviceUserIdentity,
  summarySheetOf,
  trustedPersonsOf,
} from '@dui-pds/projections';
import type { Knex } from 'knex';
import { HttpProblem, validationProblem } from '../../../server/index.js';
import { parisDay } from '../../paris-day.js';

/** Where the documents' facts are read: the event store, and the read schemas of the projections. */
export interface GenerationSources {
  knex: Knex;
  store: EventStore<Knex.Transaction>;
  schemas: {
    serviceUsers: string;
    stayContracts: string;
    freedomOfMovement: string;
    trustedPersons: string;
    personalisedProjects: string;
    summarySheets: string;
  };
  /** The ESSMS' names and addresses by FINESS (`DUI_FACILITIES`), printed on every page. */
  facilities: Readonly<Record<string, { name: string; address?: string }>>;
}

export interface GenerationRequest {
  organisationId: string;
  /** The ESSMS that issues the document. */
  facilityId: string;
  serviceUserId: string;
  kind: GeneratedDocumentKind;
  /**
   * The contract (contract, DIPC, amendment, and the annex of that contract), the project, the
   * designation of the personne de confiance, or the certificate. By default: the usager's latest
   * contract in the ESSMS, latest project there, designation in force, latest certificate; the
   * annex without a contract lists the measures in force.
   */
  sourceId?: string;
  /** The amendment's number (1 for the first); by default the one waiting for its signature, else the last signed. */
  amendmentNumber?: number;
  /** The project's version; by default the last validated one, else the draft. */
  version?: number;
  /** The name the person gives for the named certificate of care: never kept in the record. */
  nameOnCertificate?: string;
  /** Who asks for the document (a professional id), printed under the title. */
  requestedBy?: string;
  /**
   * For the summary sheet: what the requester may read (`decideAccess`), so that the parts they
   * may not are left out and said to be. Without it, the whole sheet.
   */
  mayRead?: (facilityId: string, sensitivity: SensitivityClass) => boolean;
}

export interface GeneratedDocument {
  pdf: Buffer;
  /** A French title, without the usager's name: it is stored and listed beside the document. */
  title: string;
  fileName: string;
  sensitivity: SensitivityClass;
  /**
   * False for the named certificate of care: the name an anonymous usager gives for it must not
   * be kept in the record, so the PDF is handed over, never stored.
   */
  storable: boolean;
}

/**
 * Generates one document of the accompaniment as a French PDF, from the read models (and the
 * streams, for what no read model holds: the content of a contract's versions, the certificates).
 * Throws `HttpProblem` not-found when the usager or the source is absent (or belongs to another
 * usager), conflict when the source does not fit the kind asked, validation-failed when the
 * request lacks what the kind needs. No access check is made here: the caller makes it.
 */
export async function generateAccompanimentDocument(
  sources: GenerationSources,
  request: GenerationRequest,
  now: Date,
): Promise<GeneratedDocument> {
  const options: AccompanimentPrintOptions = {
    establishment: establishmentOf(sources, request.facilityId),
    printedAt: now,
    ...(request.requestedBy ? { printedBy: request.requestedBy } : {}),
  };
  switch (request.kind) {
    case 'stayContract':
    case 'dipc':
      return contractDocument(sources, request, options);
    case 'stayContractAmendment':
      return amendmentDocument(sources, request, options);
    case 'freedomOfMovementAnnex':
      return annexDocument(sources, request, options, parisDay.format(now));
    case 'trustedPersonAttestation':
      return attestationDocument(sources, request, options);
    case 'personalisedProject':
      return projectDocument(sources, request, options);
    case 'summarySheet':
      return summarySheetDocument(sources, request, now);
    case 'careCertificate':
      return certificateDocument(sources, request, options);
  }
}

function establishmentOf(sources: GenerationSources, facilityId: string): EstablishmentOnDocument {
  const known = sources.facilities[facilityId];
  if (!known) return { facilityId, name: `ESSMS FINESS ${facilityId}` };
  return { facilityId, name: known.name, ...(known.address ? { address: known.address } : {}) };
}

/**
 * The usager as documents name them: the displayed name, with the INS of a qualified identity, or
 * only the pseudonym of an anonymous usager.
 */
async function usagerOf(sources: GenerationSources, request: GenerationRequest): Promise<UsagerOnDocument> {
  const identity = await serviceUserIdentity(sources.knex, sources.schemas.serviceUsers, request);
  if (!identity) throw new HttpProblem('not-found', 'Cet usager n’existe pas.');
  if (identity.anonymous) {
    return { anonymous: true, pseudonym: identity.pseudonym ?? identity.serviceUserId };
  }
  const name = identity.usedName ?? identity.birthName ?? '';
  const firstName = identity.usedFirstName ?? identity.birthFirstNames[0] ?? '';
  const qualified = qualifiedIdentity(identity);
  return {
    anonymous: false,
    name: `${name} ${firstName}`.trim() || `Usager ${identity.serviceUserId}`,
    ...(identity.birthDate ? { birthDate: identity.birthDate } : {}),
    ...(identity.postalAddress ? { postalAddress: identity.postalAddress } : {}),
    ...(qualified ? { ins: await printedIns(qualified) } : {}),
  };
}

type KnownContract = Extract<StayContract, { status: 'draft' | 'handed-over' | 'signed' | 'closed' }> & {
  contractId: string;
  kind: StayContractKind;
  admittedOn: string;
  /** When each amendment was drafted, by version: the state keeps it only for the pending one. */
  amendmentsDraftedOn: ReadonlyMap<number, string>;
};

/** The contract asked for, or the usager's latest in the ESSMS, as its stream tells it. */
async function contractOf(sources: GenerationSources, request: GenerationRequest): Promise<KnownContract> {
  const contractId = request.sourceId ?? (await latestContractId(sources, request));
  const events = await sources.store.readStream(stayContractStreamId(request.organisationId, contractId));
  const contract = foldEvents(
    stayContractDecider,
    events.map((event) => ({ type: event.type, data: event.data }) as StayContractEvent),
  );
  if (
    contract.status === 'none' ||
    contract.erased ||
    contract.serviceUserId !== request.serviceUserId ||
    contract.kind === undefined ||
    contract.admittedOn === undefined
  ) {
    throw new HttpProblem('not-found', 'Ce contrat de séjour ou DIPC n’existe pas.');
  }
  if (contract.facilityId !== request.facilityId) {
    throw new HttpProblem('conflict', 'Ce contrat relève d’un autre ESSMS : générez-le depuis celui-ci.');
  }
  const amendmentsDraftedOn = new Map<number, string>();
  for (const event of events) {
    if (event.type === 'StayContractAmendmentDrafted' && !isErased(event.data)) {
      const drafted = event.data as StayContractAmendmentDrafted;
      amendmentsDraftedOn.set(drafted.version, drafted.draftedOn);
    }
  }
  return { ...(contract as Omit<KnownContract, 'amendmentsDraftedOn'>), amendmentsDraftedOn };
}

/** The usager's contract in the ESSMS: the latest admission's, an open one before a closed one. */
async function latestContractId(sources: GenerationSources, request: GenerationRequest): Promise<string> {
  const sheet = await summarySheetOf(sources.knex, sources.schemas.summarySheets, request);
  const contracts = (sheet?.contracts ?? [])
    .filter((contract) => contract.facilityId === request.facilityId)
    .sort(
      (a, b) =>
        Number(a.status === 'closed') - Number(b.status === 'closed') || b.admittedOn.localeCompare(a.admittedOn),
    );
  const latest = contracts[0];
  if (!latest) throw new HttpProblem('not-found', 'Aucun contrat de séjour ni DIPC pour cet usager dans cet ESSMS.');
  return latest.contractId;
}

const KIND_NAMES: Readonly<Record<StayContractKind, string>> = {
  'stay-contract': 'un contrat de séjour',
  dipc: 'un DIPC',
};

async function contractDocument(
  sources: GenerationSources,
  request: GenerationRequest,
  options: AccompanimentPrintOptions,
): Promise<GeneratedDocument> {
  const wanted: StayContractKind = request.kind === 'dipc' ? 'dipc' : 'stay-contract';
  const [contract, usager] = await Promise.all([contractOf(sources, request), usagerOf(sources, request)]);
  if (contract.kind !== wanted) {
    throw new HttpProblem(
      'conflict',
      `Ce document est ${KIND_NAMES[contract.kind]}, pas ${KIND_NAMES[wanted]} : demandez le bon type de document.`,
    );
  }
  const first = contract.versions[0];
  const content = first ?? contract.draft;
  if (!content) throw new HttpProblem('not-found', 'Le contenu de ce document n’est plus lisible.');
  const signature = first ? signatureOf(first) : undefined;
  const pdf = await stayContractPdf(
    {
      usager,
      kind: contract.kind,
      admittedOn: contract.admittedOn,
      ...(contract.closure ? { endedOn: contract.closure.closedOn } : {}),
      ...(contract.handedOverOn ? { handedOverOn: contract.handedOverOn } : {}),
      ...(contract.refusal ? { refusal: contract.refusal } : {}),
      objectives: content.objectives,
      services: content.services,
      annexes: content.annexes,
      ...(signature ? { signature } : {}),
      amendments: contract.versions.slice(1).map((version) => ({
        number: version.version - 1,
        signedOn: version.signedOn,
      })),
    },
    options,
  );
  const name = wanted === 'dipc' ? 'Document individuel de prise en charge' : 'Contrat de séjour';
  const slug = wanted === 'dipc' ? 'dipc' : 'contrat-de-sejour';
  return {
    pdf,
    title: first ? `${name} — version 1 signée le ${frenchDayOf(first.signedOn)}` : `${name} — projet à signer`,
    fileName: first ? `${slug}-v1.pdf` : `${slug}-projet.pdf`,
    sensitivity: 'administrative',
    storable: true,
  };
}

async function amendmentDocument(
  sources: GenerationSources,
  request: GenerationRequest,
  options: AccompanimentPrintOptions,
): Promise<GeneratedDocument> {
  const [contract, usager] = await Promise.all([contractOf(sources, request), usagerOf(sources, request)]);
  const pending = contract.pendingAmendment;
  const signedAmendments = contract.versions.slice(1);
  const number =
    request.amendmentNumber ?? (pending ? pending.version - 1 : (signedAmendments.at(-1)?.version ?? 1) - 1);
  if (request.amendmentNumber === undefined && number < 1) {
    throw new HttpProblem('conflict', 'Ce document n’a aucun avenant, signé ou en projet.');
  }
  const version = number + 1;
  const signed = contract.versions.find((candidate) => candidate.version === version);
  const amendment = signed ?? (pending?.version === version ? pending : undefined);
  const before = contract.versions.find((candidate) => candidate.version === version - 1);
  const contractSignedOn = contract.versions[0]?.signedOn;
  if (!amendment || !before || !contractSignedOn) {
    throw new HttpProblem('conflict', `L’avenant n° ${number} de ce document n’existe pas.`);
  }
  const content = (of: { objectives: string[]; services: string[]; annexes: StayContractVersion['annexes'] }) => ({
    objectives: of.objectives,
    services: of.services,
    annexes: of.annexes,
  });
  const pdf = await stayContractAmendmentPdf(
    {
      usager,
      contractKind: contract.kind,
      number,
      admittedOn: contract.admittedOn,
      contractSignedOn,
      draftedOn:
        contract.amendmentsDraftedOn.get(version) ??
        ('draftedOn' in amendment ? amendment.draftedOn : amendment.signedOn),
      reason: amendment.reason ?? '',
      before: content(before),
      after: content(amendment),
      ...(signed ? { signature: signatureOf(signed) } : {}),
    },
    options,
  );
  const of = contract.kind === 'dipc' ? 'au DIPC' : 'au contrat de séjour';
  return {
    pdf,
    title: signed
      ? `Avenant n° ${number} ${of} — signé le ${frenchDayOf(signed.signedOn)}`
      : `Avenant n° ${number} ${of} — projet à signer`,
    fileName: `avenant-${number}-${contract.kind === 'dipc' ? 'dipc' : 'contrat-de-sejour'}.pdf`,
    sensitivity: 'administrative',
    storable: true,
  };
}

function signatureOf(version: StayContractVersion) {
  return {
    signedOn: version.signedOn,
    directorId: version.directorId,
    ...(version.signedForUsagerBy ? { signedForUsagerBy: version.signedForUsagerBy } : {}),
    ...(version.legalRepresentative ? { legalRepresentative: version.legalRepresentative } : {}),
  };
}

/**
 * The annex lists the measures its contract's version in force names, or, without a contract,
 * the measures in force (decided, not lifted) of the usager in the ESSMS. Medical data: it
 * prints the multidisciplinary assessment each measure rests on.
 */
async function annexDocument(
  sources: GenerationSources,
  request: GenerationRequest,
  options: AccompanimentPrintOptions,
  today: string,
): Promise<GeneratedDocument> {
  const [usager, measures] = await Promise.all([
    usagerOf(sources, request),
    measuresOfServiceUser(sources.knex, sources.schemas.freedomOfMovement, { ...request, today }),
  ]);
  let listed: FreedomOfMovementMeasureView[];
  let contract: { kind: StayContractKind; signedOn?: string } | undefined;
  if (request.sourceId === undefined) {
    listed = measures.filter((measure) => measure.status === 'decided');
    if (listed.length === 0) {
      throw new HttpProblem('conflict', 'Aucune mesure relative à la liberté d’aller et venir n’est en vigueur.');
    }
  } else {
    const known = await contractOf(sources, request);
    const content = known.versions.at(-1) ?? known.draft;
    const annex = content?.annexes.find((candidate) => candidate.kind === 'freedom-of-movement');
    if (annex?.kind !== 'freedom-of-movement') {
      throw new HttpProblem('conflict', 'Ce document n’a pas d’annexe relative à la liberté d’aller et venir.');
    }
    listed = annex.measureIds.flatMap((measureId) => measures.filter((measure) => measure.measureId === measureId));
    if (listed.length === 0) throw new HttpProblem('not-found', 'Les mesures de cette annexe n’existent plus.');
    const signedOn = known.versions.at(-1)?.signedOn;
    contract = { kind: known.kind, ...(signedOn ? { signedOn } : {}) };
  }
  const pdf = await freedomOfMovementAnnexPdf(
    { usager, ...(contract ? { contract } : {}), measures: listed.map(measureOnPrint) },
    options,
  );
  return {
    pdf,
    title: 'Annexe au contrat de séjour — liberté d’aller et venir',
    fileName: 'annexe-liberte-d-aller-et-venir.pdf',
    sensitivity: 'medical',
    storable: true,
  };
}

function measureOnPrint(measure: FreedomOfMovementMeasureView): MeasureOnPrint {
  return {
    description: measure.description,
    assessment: measure.assessment,
    proposedBy: measure.proposedBy,
    proposedOn: measure.proposedAt,
    ...(measure.decidedBy ? { decidedBy: measure.decidedBy } : {}),
    ...(measure.decidedAt ? { decidedOn: measure.decidedAt } : {}),
    ...(measure.reviewBy ? { reviewBy: measure.reviewBy } : {}),
    ...(measure.informedAt ? { informedOn: measure.informedAt } : {}),
    ...(measure.informedHow ? { informedHow: measure.informedHow } : {}),
    ...(measure.lastReviewedAt && measure.lastOutcome
      ? { lastReview: { on: measure.lastReviewedAt, outcome: measure.lastOutcome } }
      : {}),
  };
}

async function attestationDocument(
  sources: GenerationSources,
  request: GenerationRequest,
  options: AccompanimentPrintOptions,
): Promise<GeneratedDocument> {
  const [usager, designations] = await Promise.all([
    usagerOf(sources, request),
    trustedPersonsOf(sources.knex, sources.schemas.trustedPersons, request),
  ]);
  const designation =
    request.sourceId === undefined
      ? designations.find((candidate) => candidate.status === 'designated')
      : designations.find((candidate) => candidate.trustedPersonId === request.sourceId);
  if (!designation) {
    throw new HttpProblem(
      'not-found',
      request.sourceId === undefined
        ? 'Aucune personne de confiance n’est désignée pour cet usager.'
        : 'Cette désignation de personne de confiance n’existe pas.',
    );
  }
  if (designation.status === 'revoked') {
    throw new HttpProblem(
      'conflict',
      `Cette désignation a été révoquée${designation.revokedOn ? ` le ${frenchDayOf(designation.revokedOn)}` : ''} : aucune attestation ne peut plus être établie.`,
    );
  }
  const { contact } = designation;
  const pdf = await trustedPersonAttestationPdf(
    {
      usager,
      person: {
        name: designation.name,
        ...(designation.relationship ? { relationship: designation.relationship } : {}),
        ...(contact.phone ? { phone: contact.phone } : {}),
        ...(contact.email ? { email: contact.email } : {}),
        ...(contact.postalAddress ? { postalAddress: contact.postalAddress } : {}),
      },
      scope: designation.scope,
      designatedOn: designation.designatedOn,
      ...(designation.cosignedOn && designation.cosignedHow
        ? { cosigned: { on: designation.cosignedOn, how: designation.cosignedHow } }
        : {}),
      ...(designation.attestationOn && designation.attestationSignedBy
        ? { attestation: { on: designation.attestationOn, directorId: designation.attestationSignedBy } }
        : {}),
      mayConsultRecord: designation.consultationAllowedByUsager,
    },
    options,
  );
  return {
    pdf,
    title: designation.attestationOn
      ? `Attestation de désignation de la personne de confiance du ${frenchDayOf(designation.attestationOn)}`
      : 'Attestation de désignation de la personne de confiance — à signer',
    fileName: 'attestation-personne-de-confiance.pdf',
    sensitivity: 'social',
    storable: true,
  };
}

async function projectDocument(
  sources: GenerationSources,
  request: GenerationRequest,
  options: AccompanimentPrintOptions,
): Promise<GeneratedDocument> {
  const schema = sources.schemas.personalisedProjects;
  const projectId =
    request.sourceId ??
    (await personalisedProjectsOf(sources.knex, schema, request))[0]?.projectId ??
    notFound('Aucun projet personnalisé pour cet usager dans cet ESSMS.');
  const project = await personalisedProject(sources.knex, schema, {
    organisationId: request.organisationId,
    projectId,
  });
  if (!project || project.serviceUserId !== request.serviceUserId) {
    throw new HttpProblem('not-found', 'Ce projet personnalisé n’existe pas.');
  }
  if (project.facilityId !== request.facilityId) {
    throw new HttpProblem('conflict', 'Ce projet relève d’un autre ESSMS : générez-le depuis celui-ci.');
  }
  const validatedVersions = project.versions.filter((version) => version.status === 'validated');
  const number = request.version ?? validatedVersions.at(-1)?.version ?? project.current.version;
  const version = await personalisedProjectVersion(sources.knex, schema, {
    organisationId: request.organisationId,
    projectId,
    version: number,
  });
  if (!version) throw new HttpProblem('conflict', `La version ${number} de ce projet n’existe pas.`);
  const usager = await usagerOf(sources, request);
  const validated =
    version.status === 'validated' && version.validatedOn && version.validatedBy && version.coConstruction
      ? { on: version.validatedOn, by: version.validatedBy, coConstruction: version.coConstruction }
      : undefined;
  const pdf = await personalisedProjectPdf(
    {
      usager,
      version: version.version,
      startedOn: project.startedOn,
      ...(validated ? { validated } : {}),
      earlierVersions: validatedVersions
        .filter((earlier) => earlier.version < version.version && earlier.validatedOn)
        .map((earlier) => ({ version: earlier.version, validatedOn: earlier.validatedOn as string })),
      objectives: version.objectives.map((objective) => ({
        title: objective.title,
        description: objective.description,
        domain: objective.domain,
        actions: objective.actions.map((action) => ({
          what: action.what,
          who: action.who,
          deadline: action.deadline,
          ...(action.completedOn ? { completedOn: action.completedOn } : {}),
        })),
        evaluations: objective.evaluations,
      })),
    },
    options,
  );
  return {
    pdf,
    title: validated
      ? `Projet personnalisé — version ${version.version} validée le ${frenchDayOf(validated.on)}`
      : `Projet personnalisé — version ${version.version} en cours d’élaboration`,
    fileName: `projet-personnalise-v${version.version}.pdf`,
    sensitivity: 'social',
    storable: true,
  };
}

/** The summary sheet, as its own route prints it: reduced to what the requester may read. */
async function summarySheetDocument(
  sources: GenerationSources,
  request: GenerationRequest,
  now: Date,
): Promise<GeneratedDocument> {
  const sheet = await summarySheetOf(sources.knex, sources.schemas.summarySheets, request);
  if (!sheet) throw new HttpProblem('not-found', 'Aucun dossier pour cet usager.');
  const mayRead = request.mayRead ?? (() => true);
  const parts = Object.keys(SHEET_PART_SENSITIVITY) as SheetPart[];
  const hiddenParts = hiddenPartsOf(sheet, mayRead);
  if (hiddenParts.length === parts.length) {
    throw new HttpProblem('forbidden', 'Aucune partie de ce dossier ne vous est accessible.');
  }
  const facilityNames = Object.fromEntries(
    Object.entries(sources.facilities).map(([facilityId, facility]) => [facilityId, facility.name]),
  );
  const pdf = await renderSummarySheetPdf({
    sheet: readableSheet(sheet, mayRead),
    hiddenParts,
    facilityNames,
    printedAt: now,
    printedBy: request.requestedBy ?? 'DUI-PDS',
  });
  const shown = parts.filter((part) => !hiddenParts.includes(part)).map((part) => SHEET_PART_SENSITIVITY[part]);
  return {
    pdf,
    title: `Fiche de synthèse du ${frenchDayOf(parisDay.format(now))}`,
    fileName: 'fiche-de-synthese.pdf',
    sensitivity: strictest(shown),
    storable: true,
  };
}

const STRICTNESS: readonly SensitivityClass[] = ['administrative', 'social', 'medical', 'psychological'];

/** The class of a document that gathers several: the most restricted of them. */
function strictest(classes: readonly SensitivityClass[]): SensitivityClass {
  return classes.reduce<SensitivityClass>(
    (strictest, sensitivity) =>
      STRICTNESS.indexOf(sensitivity) > STRICTNESS.indexOf(strictest) ? sensitivity : strictest,
    'administrative',
  );
}

/**
 * The certificate is read from the usager's stream (no read model holds it), and only for a
 * certificate issued while the usager was anonymous: the certificate L.3414-1 CSP grants them.
 */
async function certificateDocument(
  sources: GenerationSources,
  request: GenerationRequest,
  options: AccompanimentPrintOptions,
): Promise<GeneratedDocument> {
  const nameOnCertificate = request.nameOnCertificate?.trim();
  if (!nameOnCertificate) {
    throw validationProblem('Indiquez le nom à porter sur le certificat : il n’est pas conservé au dossier.', [
      { path: 'nameOnCertificate', message: 'obligatoire pour un certificat nominatif' },
    ]);
  }
  const events = await sources.store.readStream(serviceUserStreamId(request.organisationId, request.serviceUserId));
  if (events.length === 0) throw new HttpProblem('not-found', 'Cet usager n’existe pas.');
  const issued = events.flatMap((event, index) =>
    event.type === 'CareCertificateIssued' &&
    !isErased(event.data) &&
    (request.sourceId === undefined || (event.data as CareCertificateIssued).certificateId === request.sourceId)
      ? [{ index, certificate: event.data as CareCertificateIssued }]
      : [],
  );
  const found = issued.at(-1);
  if (!found) {
    throw new HttpProblem(
      'not-found',
      request.sourceId === undefined
        ? 'Aucun certificat de prise en charge n’a été délivré à cet usager.'
        : 'Ce certificat de prise en charge n’existe pas.',
    );
  }
  const recordThen = foldEvents(
    serviceUserIdentityDecider,
    events.slice(0, found.index).map((event) => ({ type: event.type, data: event.data }) as ServiceUserIdentityEvent),
  );
  if (recordThen.kind !== 'anonymous') {
    throw new HttpProblem(
      'conflict',
      'Le certificat nominatif de prise en charge est celui d’un usager accueilli anonymement : ce certificat a été délivré à un usager identifié.',
    );
  }
  const { certificate } = found;
  const pdf = await careCertificatePdf(
    {
      nameOnCertificate,
      certificateId: certificate.certificateId,
      issuedOn: certificate.issuedOn,
      issuedBy: certificate.issuedBy,
      periodFrom: certificate.periodFrom,
      periodTo: certificate.periodTo,
      purpose: certificate.purpose,
    },
    options,
  );
  return {
    pdf,
    title: `Certificat de prise en charge du ${frenchDayOf(certificate.issuedOn)}`,
    fileName: 'certificat-de-prise-en-charge.pdf',
    sensitivity: 'administrative',
    storable: false,
  };
}

function notFound(detail: string): never {
  throw new HttpProblem('not-found', detail);
}

/** `2026-11-26` → `26/11/2026`, for titles. */
function frenchDayOf(day: string): string {
  return day.split('-').reverse().join('/');
}
