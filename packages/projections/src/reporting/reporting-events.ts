import type {
  ActCorrected,
  ActRecorded,
  Admitted,
  AgeBand,
  AnonymityLifted,
  AnonymousServiceUserRegistered,
  AnonymousTraits,
  DmpSubmissionAccepted,
  DmpSubmissionRequested,
  DocumentStored,
  ExamPrescribed,
  ExitCorrected,
  ExitRecorded,
  IdentityDocumentChecked,
  IdentityStatus,
  IdentityTraitsCorrected,
  InsRetrieved,
  LineCountered,
  MedicineDispensed,
  MedicinePrescribed,
  RapidTest,
  RapidTestResult,
  SecureMessageSent,
  ServiceUserRegistered,
  StrictTraits,
  SyringesCollected,
  TsoProduct,
  UsageProfileRecorded,
  VisitCorrected,
  VisitRecorded,
  VisitService,
  VisitSetting,
} from '@dui-pds/domain';
import { isErased, type RecordedEvent } from '@dui-pds/eventstore';

/**
 * The catalogue of reporting events: what an external reporting tool (activity reports, RECAP,
 * ESMS numérique indicators) receives, one published name and version per kind of fact. The
 * payloads carry codes, counts and days, never a name, a trait, free text, a NIR or an INS: the
 * usager is a pseudonymous subject key, computed by the caller (`subjectKeyOf`). Identifiers of
 * acts, accompaniments, prescriptions, documents, DMP submissions, MSSanté messages and ledger
 * lines are the system's random ids, kept so that a correction, a cancellation or an answer can be
 * matched with what it is about.
 *
 * A payload changes only with a new version (`act.recorded` v2 beside v1); docs/reporting-events.md
 * documents each one.
 */
export const REPORTING_EVENT_VERSIONS = {
  'usager.registered': 1,
  'usager.profile-updated': 1,
  'identity-status.recorded': 1,
  'accompaniment.admitted': 1,
  'accompaniment.exited': 1,
  'accompaniment.exit-corrected': 1,
  'act.recorded': 1,
  'act.corrected': 1,
  'act.cancelled': 1,
  'prescription.recorded': 1,
  'medicine.dispensed': 1,
  'pharmacy-line.countered': 1,
  'document.stored': 1,
  'document.shared': 1,
  'portal.login': 1,
  'dmp-submission.requested': 1,
  'dmp-submission.accepted': 1,
  'mssante-message.sent': 1,
  'visit.recorded': 1,
  'visit.corrected': 1,
  'visit.cancelled': 1,
  'syringes.collected': 1,
  'syringe-collection.cancelled': 1,
  'usage-profile.recorded': 1,
} as const;

export type ReportingEventType = keyof typeof REPORTING_EVENT_VERSIONS;

/** The payloads, per reporting event type (version 1). */
export interface ReportingPayloads {
  'usager.registered': { anonymous: boolean; sex: 'F' | 'M' | 'I' | null; birthYear: number | null };
  /** Sex or birth year changed (traits corrected, INS retrieved, anonymity lifted). */
  'usager.profile-updated': { anonymous: false; sex: 'F' | 'M' | 'I'; birthYear: number };
  /** The INS identity status after an identity event (RNIV): the last one per subject is current. */
  'identity-status.recorded': { status: IdentityStatus };
  'accompaniment.admitted': { accompanimentId: string };
  'accompaniment.exited': { accompanimentId: string; exitReason: string; destination: string };
  'accompaniment.exit-corrected': {
    accompanimentId: string;
    exitDay: string;
    exitReason: string;
    destination: string;
  };
  'act.recorded': {
    actId: string;
    actType: string;
    profession: string;
    collective: boolean;
    durationMinutes: number;
  };
  'act.corrected': { actId: string; performedOn: string | null; durationMinutes: number | null };
  'act.cancelled': { actId: string };
  'prescription.recorded': {
    prescriptionId: string;
    kind: 'medicine' | 'exam';
    tso: boolean;
    tsoProduct: TsoProduct | null;
    examCategory: string | null;
    durationDays: number | null;
  };
  'medicine.dispensed': {
    lineId: string;
    prescriptionId: string;
    /** The TSO product, or `other` for any other medicine of the ledger. */
    productFamily: TsoProduct | 'other';
    units: number;
  };
  'pharmacy-line.countered': { lineId: string };
  'document.stored': { documentId: string; kind: string; source: string };
  'document.shared': { documentId: string };
  'portal.login': Record<string, never>;
  /**
   * A version of a document about to be sent to the usager's DMP (TD2.1), from the ESSMS that sends
   * it; `replaces` names the accepted submission a replacement (RPLC) supersedes. Never the masking,
   * which says what the usager asked to hide.
   */
  'dmp-submission.requested': { submissionId: string; documentId: string; version: number; replaces: string | null };
  /**
   * The DMP registered a submission: the document is in the usager's DMP from that day. A refusal,
   * or a submission the DMP never answered, gives nothing: it fed nothing.
   */
  'dmp-submission.accepted': { submissionId: string };
  /**
   * A message that left the ESSMS's MSSanté mailbox: how many professionals it went to, whether
   * also to the usager's Mon espace santé mailbox, how many documents, whether they carried the
   * INS. Never an address, a name or a title.
   */
  'mssante-message.sent': {
    messageId: string;
    professionalRecipients: number;
    toServiceUser: boolean;
    documents: number;
    insIncluded: boolean;
  };
  /**
   * A CAARUD passage. An identified usager's carries their subject key; an unidentified passage
   * none, only the sex and age band staff noted, if any (counted apart in ASA-CAARUD).
   */
  'visit.recorded': {
    visitId: string;
    setting: VisitSetting;
    services: VisitService[];
    identified: boolean;
    anonymous: { sex: 'F' | 'M' | 'X' | null; ageBand: AgeBand | null } | null;
    supplies: { supplyCode: string; quantity: number }[];
    syringesCollected: number;
    rapidTests: { test: RapidTest; result: RapidTestResult }[];
  };
  /** The fields a correction replaces, whole; absent ones are unchanged (the reason stays in the record). */
  'visit.corrected': {
    visitId: string;
    occurredOn: string | null;
    setting: VisitSetting | null;
    services: VisitService[] | null;
    supplies: { supplyCode: string; quantity: number }[] | null;
    syringesCollected: number | null;
    rapidTests: { test: RapidTest; result: RapidTestResult }[] | null;
    anonymous: { sex: 'F' | 'M' | 'X' | null; ageBand: AgeBand | null } | null;
  };
  'visit.cancelled': { visitId: string };
  /** Used syringes collected outside a passage (collection box, partner pharmacy, public space). */
  'syringes.collected': { collectionId: string; source: string; quantity: number };
  'syringe-collection.cancelled': { collectionId: string };
  /**
   * The usage profile of a usager in a CSAPA for a year, whole: the latest for (subject, ESSMS,
   * year) is the current one, a correction keeping its `profileId` (never the reason).
   */
  'usage-profile.recorded': {
    profileId: string;
    year: number;
    population: UsageProfileRecorded['population'];
    referral: UsageProfileRecorded['referral'];
    housing: UsageProfileRecorded['housing'];
    income: UsageProfileRecorded['income'];
    mainProduct: UsageProfileRecorded['mainProduct'];
    useLevel: UsageProfileRecorded['useLevel'];
    injection: UsageProfileRecorded['injection'];
  };
}

/** A reporting event as the mapping makes it; the outbox adds its id, position and tenant. */
export interface ReportingFact<Type extends ReportingEventType = ReportingEventType> {
  type: Type;
  version: number;
  facilityId: string | null;
  /** The day (Europe/Paris) the fact happened. */
  occurredOn: string;
  /** The pseudonymous key of the usager concerned, if any. */
  subjectKey: string | null;
  data: ReportingPayloads[Type];
}

export interface ReportingLookups {
  /** The pseudonymous key of a usager of the event's organisation. */
  subjectKeyOf(serviceUserId: string): string;
  /** The TSO product a ledger product is, `null` for another product, `undefined` when unknown. */
  tsoProductOf(facilityId: string, productId: string): TsoProduct | null | undefined;
}

type Mapper = (event: RecordedEvent, lookups: ReportingLookups) => ReportingFact[];

const parisDay = new Intl.DateTimeFormat('en-CA', {
  timeZone: 'Europe/Paris',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
});

/** The Europe/Paris day of an instant: reports count days, never times. */
export function dayOf(instant: string): string {
  return parisDay.format(new Date(instant));
}

const birthYearOf = (traits: StrictTraits) => Number(traits.birthDate.slice(0, 4));

function fact<Type extends ReportingEventType>(
  type: Type,
  event: RecordedEvent,
  lookups: ReportingLookups,
  fields: { occurredOn: string; facilityId?: string | undefined; serviceUserId?: string | undefined },
  data: ReportingPayloads[Type],
): ReportingFact<Type> {
  const serviceUserId = fields.serviceUserId ?? event.metadata.serviceUserId;
  return {
    type,
    version: REPORTING_EVENT_VERSIONS[type],
    facilityId: fields.facilityId ?? event.metadata.facilityId ?? null,
    occurredOn: fields.occurredOn,
    subjectKey: serviceUserId === undefined ? null : lookups.subjectKeyOf(serviceUserId),
    data,
  };
}

/** The ESSMS of a pharmacy ledger's event, from its stream (`pharmacy-ledger/<og>/<finess>/<month>`). */
export function ledgerFacilityOf(event: Pick<RecordedEvent, 'streamId' | 'metadata'>): string {
  const [, , facility] = event.streamId.split('/');
  return facility === undefined ? (event.metadata.facilityId ?? '') : decodeURIComponent(facility);
}

const occurred = (event: RecordedEvent) => dayOf(event.metadata.occurredAt);

function identityChange(
  event: RecordedEvent,
  lookups: ReportingLookups,
  data: { traits?: StrictTraits; status: IdentityStatus },
  at: string,
): ReportingFact[] {
  const occurredOn = dayOf(at);
  const facts: ReportingFact[] = [];
  if (data.traits) {
    facts.push(
      fact(
        'usager.profile-updated',
        event,
        lookups,
        { occurredOn },
        {
          anonymous: false,
          sex: data.traits.sex,
          birthYear: birthYearOf(data.traits),
        },
      ),
    );
  }
  facts.push(fact('identity-status.recorded', event, lookups, { occurredOn }, { status: data.status }));
  return facts;
}

/**
 * The domain events the outbox maps, by type. A new kind of fact (the CAARUD passages, for
 * instance) is one more entry here and one more type in the catalogue above.
 */
const MAPPERS: Readonly<Record<string, Mapper>> = {
  ServiceUserRegistered(event, lookups) {
    const data = event.data as ServiceUserRegistered;
    return [
      fact(
        'usager.registered',
        event,
        lookups,
        { occurredOn: dayOf(data.registeredAt), facilityId: data.facilityId, serviceUserId: data.serviceUserId },
        { anonymous: false, sex: data.traits.sex, birthYear: birthYearOf(data.traits) },
      ),
      fact(
        'identity-status.recorded',
        event,
        lookups,
        { occurredOn: dayOf(data.registeredAt), facilityId: data.facilityId, serviceUserId: data.serviceUserId },
        { status: data.status },
      ),
    ];
  },
  AnonymousServiceUserRegistered(event, lookups) {
    const data = event.data as AnonymousServiceUserRegistered;
    return [
      fact(
        'usager.registered',
        event,
        lookups,
        { occurredOn: dayOf(data.registeredAt), facilityId: data.facilityId, serviceUserId: data.serviceUserId },
        { anonymous: true, sex: data.sex ?? null, birthYear: data.birthYear ?? null },
      ),
    ];
  },
  IdentityTraitsCorrected(event, lookups) {
    const data = event.data as IdentityTraitsCorrected;
    return identityChange(event, lookups, data, data.at);
  },
  InsRetrieved(event, lookups) {
    const data = event.data as InsRetrieved;
    return identityChange(event, lookups, { traits: data.traits, status: data.status }, data.at);
  },
  IdentityDocumentChecked(event, lookups) {
    const data = event.data as IdentityDocumentChecked;
    return [fact('identity-status.recorded', event, lookups, { occurredOn: data.checkedOn }, { status: data.status })];
  },
  AnonymityLifted(event, lookups) {
    const data = event.data as AnonymityLifted;
    return identityChange(event, lookups, { traits: data.traits, status: data.status }, data.at);
  },
  Admitted(event, lookups) {
    const data = event.data as Admitted;
    return [
      fact(
        'accompaniment.admitted',
        event,
        lookups,
        { occurredOn: dayOf(data.admittedAt), facilityId: data.facilityId, serviceUserId: data.serviceUserId },
        { accompanimentId: data.accompanimentId },
      ),
    ];
  },
  ExitRecorded(event, lookups) {
    const data = event.data as ExitRecorded;
    return [
      fact(
        'accompaniment.exited',
        event,
        lookups,
        { occurredOn: data.exitDay, facilityId: data.facilityId, serviceUserId: data.serviceUserId },
        { accompanimentId: data.accompanimentId, exitReason: data.exitReason, destination: data.destination },
      ),
    ];
  },
  ExitCorrected(event, lookups) {
    const data = event.data as ExitCorrected;
    return [
      fact(
        'accompaniment.exit-corrected',
        event,
        lookups,
        { occurredOn: occurred(event) },
        {
          accompanimentId: data.accompanimentId,
          exitDay: data.exit.exitDay,
          exitReason: data.exit.exitReason,
          destination: data.exit.destination,
        },
      ),
    ];
  },
  ActRecorded(event, lookups) {
    const data = event.data as ActRecorded;
    return [
      fact(
        'act.recorded',
        event,
        lookups,
        { occurredOn: dayOf(data.performedAt), facilityId: data.facilityId, serviceUserId: data.serviceUserId },
        {
          actId: data.actId,
          actType: data.actType.code,
          profession: data.performedBy.profession,
          collective: data.interventionId !== undefined,
          durationMinutes: data.durationMinutes,
        },
      ),
    ];
  },
  ActCorrected(event, lookups) {
    const data = event.data as ActCorrected;
    const performedOn = data.performedAt === undefined ? null : dayOf(data.performedAt);
    return [
      fact(
        'act.corrected',
        event,
        lookups,
        { occurredOn: occurred(event) },
        { actId: data.actId, performedOn, durationMinutes: data.durationMinutes ?? null },
      ),
    ];
  },
  ActCancelled(event, lookups) {
    const { actId } = event.data as { actId: string };
    return [fact('act.cancelled', event, lookups, { occurredOn: occurred(event) }, { actId })];
  },
  MedicinePrescribed(event, lookups) {
    const data = event.data as MedicinePrescribed;
    return [
      fact(
        'prescription.recorded',
        event,
        lookups,
        { occurredOn: data.prescribedOn, facilityId: data.facilityId, serviceUserId: data.serviceUserId },
        {
          prescriptionId: data.prescriptionId,
          kind: 'medicine',
          tso: data.tsoProduct !== undefined,
          tsoProduct: data.tsoProduct ?? null,
          examCategory: null,
          durationDays: data.durationDays,
        },
      ),
    ];
  },
  ExamPrescribed(event, lookups) {
    const data = event.data as ExamPrescribed;
    return [
      fact(
        'prescription.recorded',
        event,
        lookups,
        { occurredOn: data.prescribedOn, facilityId: data.facilityId, serviceUserId: data.serviceUserId },
        {
          prescriptionId: data.prescriptionId,
          kind: 'exam',
          tso: false,
          tsoProduct: null,
          examCategory: data.category,
          durationDays: null,
        },
      ),
    ];
  },
  MedicineDispensed(event, lookups) {
    const data = event.data as MedicineDispensed;
    const facilityId = ledgerFacilityOf(event);
    return [
      fact(
        'medicine.dispensed',
        event,
        lookups,
        { occurredOn: data.dispensedOn, facilityId, serviceUserId: data.serviceUserId },
        {
          lineId: data.lineId,
          prescriptionId: data.prescriptionId,
          productFamily: lookups.tsoProductOf(facilityId, data.productId) ?? 'other',
          units: data.units,
        },
      ),
    ];
  },
  LineCountered(event, lookups) {
    const data = event.data as LineCountered;
    return [
      fact(
        'pharmacy-line.countered',
        event,
        lookups,
        { occurredOn: data.on, facilityId: ledgerFacilityOf(event) },
        { lineId: data.counteredLineId },
      ),
    ];
  },
  DocumentStored(event, lookups) {
    const data = event.data as DocumentStored;
    return [
      fact(
        'document.stored',
        event,
        lookups,
        { occurredOn: dayOf(data.storedAt), facilityId: data.facilityId, serviceUserId: data.serviceUserId },
        { documentId: data.documentId, kind: data.kind, source: data.source },
      ),
    ];
  },
  DocumentSharedWithServiceUser(event, lookups) {
    const data = event.data as { documentId: string; sharedAt: string };
    return [
      fact('document.shared', event, lookups, { occurredOn: dayOf(data.sharedAt) }, { documentId: data.documentId }),
    ];
  },
  PortalLoginSucceeded(event, lookups) {
    const data = event.data as { at: string };
    return [fact('portal.login', event, lookups, { occurredOn: dayOf(data.at) }, {})];
  },
  DmpSubmissionRequested(event, lookups) {
    const data = event.data as DmpSubmissionRequested;
    return [
      fact(
        'dmp-submission.requested',
        event,
        lookups,
        { occurredOn: dayOf(data.requestedAt), facilityId: data.facilityId, serviceUserId: data.serviceUserId },
        {
          submissionId: data.submissionId,
          documentId: data.documentId,
          version: data.version,
          replaces: data.replaces?.submissionId ?? null,
        },
      ),
    ];
  },
  DmpSubmissionAccepted(event, lookups) {
    // the answer names its submission only: the ESSMS and the usager are the request's, which the
    // shell records the answer under (its metadata); the reports take the ESSMS from the request
    const data = event.data as DmpSubmissionAccepted;
    return [
      fact(
        'dmp-submission.accepted',
        event,
        lookups,
        { occurredOn: dayOf(data.acceptedAt) },
        { submissionId: data.submissionId },
      ),
    ];
  },
  SecureMessageSent(event, lookups) {
    const data = event.data as SecureMessageSent;
    const toServiceUser = data.recipients.some((recipient) => recipient.kind === 'serviceUser');
    return [
      fact(
        'mssante-message.sent',
        event,
        lookups,
        { occurredOn: dayOf(data.sentAt), facilityId: data.facilityId, serviceUserId: data.serviceUserId },
        {
          messageId: data.messageId,
          professionalRecipients: data.recipients.filter((recipient) => recipient.kind === 'professional').length,
          toServiceUser,
          documents: data.documents.length,
          insIncluded: data.insIncluded,
        },
      ),
    ];
  },
  VisitRecorded(event, lookups) {
    const data = event.data as VisitRecorded;
    const identified = 'serviceUserId' in data;
    return [
      fact(
        'visit.recorded',
        event,
        lookups,
        {
          occurredOn: data.occurredOn,
          facilityId: data.facilityId,
          ...(identified ? { serviceUserId: data.serviceUserId } : {}),
        },
        {
          visitId: data.visitId,
          setting: data.setting,
          services: data.services,
          identified,
          anonymous: identified ? null : anonymousProfile(data.anonymous),
          supplies: data.supplies.map(({ supplyCode, quantity }) => ({ supplyCode, quantity })),
          syringesCollected: data.syringesCollected,
          rapidTests: data.rapidTests.map(({ test, result }) => ({ test, result })),
        },
      ),
    ];
  },
  VisitCorrected(event, lookups) {
    const data = event.data as VisitCorrected;
    return [
      fact(
        'visit.corrected',
        event,
        lookups,
        { occurredOn: occurred(event) },
        {
          visitId: data.visitId,
          occurredOn: data.occurredOn ?? null,
          setting: data.setting ?? null,
          services: data.services ?? null,
          supplies: data.supplies?.map(({ supplyCode, quantity }) => ({ supplyCode, quantity })) ?? null,
          syringesCollected: data.syringesCollected ?? null,
          rapidTests: data.rapidTests?.map(({ test, result }) => ({ test, result })) ?? null,
          anonymous: data.anonymous === undefined ? null : anonymousProfile(data.anonymous),
        },
      ),
    ];
  },
  VisitCancelled(event, lookups) {
    const { visitId } = event.data as { visitId: string };
    return [fact('visit.cancelled', event, lookups, { occurredOn: occurred(event) }, { visitId })];
  },
  SyringesCollected(event, lookups) {
    const data = event.data as SyringesCollected;
    return [
      fact(
        'syringes.collected',
        event,
        lookups,
        { occurredOn: data.collectedOn, facilityId: data.facilityId },
        { collectionId: data.collectionId, source: data.source, quantity: data.quantity },
      ),
    ];
  },
  SyringeCollectionCancelled(event, lookups) {
    const { collectionId } = event.data as { collectionId: string };
    return [fact('syringe-collection.cancelled', event, lookups, { occurredOn: occurred(event) }, { collectionId })];
  },
  UsageProfileRecorded(event, lookups) {
    const data = event.data as UsageProfileRecorded;
    return [
      fact(
        'usage-profile.recorded',
        event,
        lookups,
        { occurredOn: occurred(event), facilityId: data.facilityId, serviceUserId: data.serviceUserId },
        {
          profileId: data.profileId,
          year: data.year,
          population: data.population,
          referral: data.referral,
          housing: data.housing,
          income: data.income,
          mainProduct: data.mainProduct,
          useLevel: data.useLevel,
          injection: data.injection,
        },
      ),
    ];
  },
};

function anonymousProfile(traits: AnonymousTraits): { sex: 'F' | 'M' | 'X' | null; ageBand: AgeBand | null } {
  return { sex: traits.sex ?? null, ageBand: traits.ageBand ?? null };
}

/** The domain event types the outbox maps to reporting events. */
export const REPORTED_EVENT_TYPES: readonly string[] = Object.keys(MAPPERS);

/**
 * The reporting events a domain event gives (none for most). An event of a forgotten usager gives
 * none: its data is gone, and what it gave while readable holds no personal data and stays.
 */
export function reportingFactsOf(event: RecordedEvent, lookups: ReportingLookups): ReportingFact[] {
  const mapper = MAPPERS[event.type];
  if (!mapper || isErased(event.data)) return [];
  return mapper(event, lookups);
}
