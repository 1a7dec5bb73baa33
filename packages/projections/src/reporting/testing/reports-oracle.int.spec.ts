import { migrateEventStore, PostgresEventStore, type RecordedEvent } from '@dui-pds/eventstore';
import { dropSchemasStartingWith, testPostgres, uniqueSchema } from '@dui-pds/eventstore/testing';
import { expect } from 'chai';
import fc from 'fast-check';
import type { Knex } from 'knex';
import { ProjectionRuntime } from '../../runtime/projection-runtime.js';
import { REPORTING_OUTBOX, reportingOutboxProjection } from '../reporting-outbox-projection.js';
import { deriveReportingPseudonymKey, reportingSubjectKey } from '../reporting-pseudonym.js';
import { caarudActivityReport } from '../reports/caarud-activity-report.js';
import { csapaActivityReport } from '../reports/csapa-activity-report.js';
import { esmsNumeriqueIndicators } from '../reports/esms-numerique-indicators.js';
import { recapExtract } from '../reports/recap-extract.js';
import type { ReportScope } from '../reports/report-types.js';
import { appendActivityYear, type GeneratedStream, generateActivityYear } from './activity-year-generator.js';

/**
 * Acceptance of the reports (issue 9): a generated year of a CSAPA and a CAARUD goes into a store,
 * the reporting outbox is rebuilt from it, and every figure of every report, per ESSMS and for the
 * organisme gestionnaire, for the year and a quarter, equals what the oracle below computes from
 * the raw domain events (`store.readAll`), with plain loops over the definitions of
 * report-types.ts and no knowledge of the outbox. A second, small organisation with the same
 * FINESS numbers shares the store: none of its facts may show in the first one's reports.
 */

const YEAR = 2025;
const ORGANISATION = 'og-oracle';
const OTHER_ORGANISATION = 'og-oracle-other';
const CSAPA = '750000001';
const CAARUD = '750000002';
const pseudonymKey = deriveReportingPseudonymKey(Buffer.from('oracle master key, 32 bytes long'));
const TSO_PRODUCTS = ['methadone-syrup', 'methadone-capsules', 'buprenorphine-hd'];

const parisDay = new Intl.DateTimeFormat('en-CA', {
  timeZone: 'Europe/Paris',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
});
const dayOfInstant = (instant: string) => parisDay.format(new Date(instant));

// ---------------------------------------------------------------------------------------------
// The oracle: the raw events of one organisation, folded into plain records, then counted.
// ---------------------------------------------------------------------------------------------

interface Subject {
  anonymous: boolean;
  sex: string | null;
  birthYear: number | null;
  /** In log order: the status an identity event led to, and its day. */
  statuses: { day: string; status: string }[];
}
interface Act {
  subject: string;
  facility: string;
  day: string;
  profession: string;
  collective: boolean;
  cancelled: boolean;
}
interface Visit {
  subject: string | undefined;
  facility: string;
  day: string;
  setting: string;
  services: string[];
  supplies: { supplyCode: string; quantity: number }[];
  syringesCollected: number;
  rapidTests: { test: string; result: string }[];
  cancelled: boolean;
}
interface Profile {
  subject: string;
  facility: string;
  year: number;
  fields: Record<string, string | null>;
}
/** A fact about a usager, in an ESSMS, on a day: what makes a record active (ESMS numérique). */
interface Touch {
  subject: string;
  facility: string | undefined;
  day: string;
}

interface Raw {
  subjects: Map<string, Subject>;
  acts: Map<string, Act>;
  admissions: { subject: string; facility: string; day: string }[];
  exits: Map<string, { facility: string; day: string; reason: string }>;
  medicines: { subject: string; facility: string; day: string; tsoProduct: string | undefined }[];
  exams: { subject: string; facility: string; day: string; category: string }[];
  dispensations: Map<string, { subject: string; facility: string; day: string; productId: string; units: number }>;
  countered: Set<string>;
  products: Map<string, string | null>;
  profiles: Profile[];
  visits: Map<string, Visit>;
  collections: Map<string, { facility: string; day: string; quantity: number; cancelled: boolean }>;
  documents: { facility: string; day: string }[];
  logins: { subject: string; facility: string | undefined; day: string }[];
  /** DMP submissions by id: the ESSMS that requested each, and the day the DMP accepted it, if it did. */
  dmpSubmissions: Map<string, { facility: string; replacement: boolean; acceptedOn: string | undefined }>;
  /** Submissions the DMP refused: fed nothing. */
  dmpRefused: Set<string>;
  /** MSSanté messages that left; those the server never took are counted apart. */
  messagesSent: { facility: string; day: string }[];
  messagesNotSent: number;
  touches: Touch[];
}

function foldRawEvents(events: readonly RecordedEvent[], organisationId: string): Raw {
  const raw: Raw = {
    subjects: new Map(),
    acts: new Map(),
    admissions: [],
    exits: new Map(),
    medicines: [],
    exams: [],
    dispensations: new Map(),
    countered: new Set(),
    products: new Map(),
    profiles: [],
    visits: new Map(),
    collections: new Map(),
    documents: [],
    logins: [],
    dmpSubmissions: new Map(),
    dmpRefused: new Set(),
    messagesSent: [],
    messagesNotSent: 0,
    touches: [],
  };
  for (const event of events) {
    if (event.metadata.organisationId !== organisationId) continue;
    // biome-ignore lint/suspicious/noExplicitAny: the oracle reads raw data by the domain's field names
    const data = event.data as any;
    const user: string | undefined = event.metadata.serviceUserId;
    const metaFacility = event.metadata.facilityId;
    const metaDay = dayOfInstant(event.metadata.occurredAt);
    const touch = (facility: string | undefined, day: string, subject = user) => {
      if (subject !== undefined) raw.touches.push({ subject, facility, day });
    };
    const ledgerFacility = () => decodeURIComponent(event.streamId.split('/')[2]!);
    switch (event.type) {
      case 'ServiceUserRegistered': {
        const day = dayOfInstant(data.registeredAt);
        raw.subjects.set(data.serviceUserId, {
          anonymous: false,
          sex: data.traits.sex,
          birthYear: Number(data.traits.birthDate.slice(0, 4)),
          statuses: [{ day, status: data.status }],
        });
        touch(data.facilityId, day, data.serviceUserId);
        break;
      }
      case 'AnonymousServiceUserRegistered': {
        raw.subjects.set(data.serviceUserId, {
          anonymous: true,
          sex: data.sex ?? null,
          birthYear: data.birthYear ?? null,
          statuses: [],
        });
        touch(data.facilityId, dayOfInstant(data.registeredAt), data.serviceUserId);
        break;
      }
      case 'InsRetrieved':
      case 'IdentityTraitsCorrected':
      case 'AnonymityLifted': {
        const subject = raw.subjects.get(user!)!;
        const day = dayOfInstant(data.at);
        subject.anonymous = false;
        subject.sex = data.traits.sex;
        subject.birthYear = Number(data.traits.birthDate.slice(0, 4));
        subject.statuses.push({ day, status: data.status });
        touch(metaFacility, day);
        break;
      }
      case 'IdentityDocumentChecked': {
        raw.subjects.get(user!)!.statuses.push({ day: data.checkedOn, status: data.status });
        touch(metaFacility, data.checkedOn);
        break;
      }
      case 'Admitted': {
        const day = dayOfInstant(data.admittedAt);
        raw.admissions.push({ subject: data.serviceUserId, facility: data.facilityId, day });
        touch(data.facilityId, day, data.serviceUserId);
        break;
      }
      case 'ExitRecorded': {
        raw.exits.set(data.accompanimentId, { facility: data.facilityId, day: data.exitDay, reason: data.exitReason });
        touch(data.facilityId, data.exitDay, data.serviceUserId);
        break;
      }
      case 'ExitCorrected': {
        const exit = raw.exits.get(data.accompanimentId)!;
        exit.day = data.exit.exitDay;
        exit.reason = data.exit.exitReason;
        touch(metaFacility, metaDay);
        break;
      }
      case 'ActRecorded': {
        const day = dayOfInstant(data.performedAt);
        raw.acts.set(data.actId, {
          subject: data.serviceUserId,
          facility: data.facilityId,
          day,
          profession: data.performedBy.profession,
          collective: data.interventionId !== undefined,
          cancelled: false,
        });
        touch(data.facilityId, day, data.serviceUserId);
        break;
      }
      case 'ActCorrected': {
        if (data.performedAt !== undefined) raw.acts.get(data.actId)!.day = dayOfInstant(data.performedAt);
        touch(metaFacility, metaDay);
        break;
      }
      case 'ActCancelled': {
        raw.acts.get(data.actId)!.cancelled = true;
        touch(metaFacility, metaDay);
        break;
      }
      case 'MedicinePrescribed': {
        raw.medicines.push({
          subject: data.serviceUserId,
          facility: data.facilityId,
          day: data.prescribedOn,
          tsoProduct: data.tsoProduct,
        });
        touch(data.facilityId, data.prescribedOn, data.serviceUserId);
        break;
      }
      case 'ExamPrescribed': {
        raw.exams.push({
          subject: data.serviceUserId,
          facility: data.facilityId,
          day: data.prescribedOn,
          category: data.category,
        });
        touch(data.facilityId, data.prescribedOn, data.serviceUserId);
        break;
      }
      case 'LedgerMonthOpened': {
        for (const product of data.products) {
          raw.products.set(`${ledgerFacility()}/${product.productId}`, product.tsoProduct ?? null);
        }
        break;
      }
      case 'MedicineDispensed': {
        raw.dispensations.set(data.lineId, {
          subject: data.serviceUserId,
          facility: ledgerFacility(),
          day: data.dispensedOn,
          productId: data.productId,
          units: data.units,
        });
        touch(ledgerFacility(), data.dispensedOn, data.serviceUserId);
        break;
      }
      case 'LineCountered':
        raw.countered.add(data.counteredLineId);
        break;
      case 'UsageProfileRecorded': {
        const { profileId: _, serviceUserId, facilityId, year, reason: __, ...fields } = data;
        raw.profiles.push({ subject: serviceUserId, facility: facilityId, year, fields });
        touch(facilityId, metaDay, serviceUserId);
        break;
      }
      case 'VisitRecorded': {
        raw.visits.set(data.visitId, {
          subject: data.serviceUserId,
          facility: data.facilityId,
          day: data.occurredOn,
          setting: data.setting,
          services: data.services,
          supplies: data.supplies,
          syringesCollected: data.syringesCollected,
          rapidTests: data.rapidTests,
          cancelled: false,
        });
        touch(data.facilityId, data.occurredOn, data.serviceUserId);
        break;
      }
      case 'VisitCorrected': {
        const visit = raw.visits.get(data.visitId)!;
        if (data.occurredOn !== undefined) visit.day = data.occurredOn;
        for (const field of ['setting', 'services', 'supplies', 'syringesCollected', 'rapidTests'] as const) {
          if (data[field] !== undefined) (visit as unknown as Record<string, unknown>)[field] = data[field];
        }
        touch(metaFacility, metaDay);
        break;
      }
      case 'VisitCancelled': {
        raw.visits.get(data.visitId)!.cancelled = true;
        touch(metaFacility, metaDay);
        break;
      }
      case 'SyringesCollected':
        raw.collections.set(data.collectionId, {
          facility: data.facilityId,
          day: data.collectedOn,
          quantity: data.quantity,
          cancelled: false,
        });
        break;
      case 'SyringeCollectionCancelled':
        raw.collections.get(data.collectionId)!.cancelled = true;
        break;
      case 'DocumentStored': {
        const day = dayOfInstant(data.storedAt);
        raw.documents.push({ facility: data.facilityId, day });
        touch(data.facilityId, day, data.serviceUserId);
        break;
      }
      case 'PortalLoginSucceeded': {
        const day = dayOfInstant(data.at);
        raw.logins.push({ subject: user!, facility: metaFacility, day });
        touch(metaFacility, day);
        break;
      }
      case 'DmpSubmissionRequested': {
        raw.dmpSubmissions.set(data.submissionId, {
          facility: data.facilityId,
          replacement: data.replaces !== undefined,
          acceptedOn: undefined,
        });
        touch(data.facilityId, dayOfInstant(data.requestedAt), data.serviceUserId);
        break;
      }
      case 'DmpSubmissionAccepted': {
        const day = dayOfInstant(data.acceptedAt);
        raw.dmpSubmissions.get(data.submissionId)!.acceptedOn = day;
        touch(metaFacility, day);
        break;
      }
      case 'DmpSubmissionRefused':
        raw.dmpRefused.add(data.submissionId);
        break;
      case 'SecureMessageSent': {
        const day = dayOfInstant(data.sentAt);
        raw.messagesSent.push({ facility: data.facilityId, day });
        touch(data.facilityId, day, data.serviceUserId);
        break;
      }
      case 'SecureMessageSendingFailed':
        raw.messagesNotSent++;
        break;
    }
  }
  return raw;
}

const inScope = (scope: ReportScope, facility: string | undefined) =>
  scope.facilityId === undefined || facility === scope.facilityId;
const inPeriod = (scope: ReportScope, day: string) => day >= scope.from && day <= scope.to;
const add = (counts: Record<string, number>, code: string, by = 1) => {
  counts[code] = (counts[code] ?? 0) + by;
};
const yearOf = (scope: ReportScope) => Number(scope.to.slice(0, 4));

function oracleAgeBand(birthYear: number | null, year: number): string {
  if (birthYear === null) return 'unknown';
  const age = year - birthYear;
  if (age < 18) return 'under18';
  if (age < 25) return '18-24';
  if (age < 30) return '25-29';
  if (age < 40) return '30-39';
  if (age < 50) return '40-49';
  if (age < 60) return '50-59';
  return '60plus';
}

function countedActs(raw: Raw, scope: ReportScope): Act[] {
  return [...raw.acts.values()].filter(
    (act) => !act.cancelled && inScope(scope, act.facility) && inPeriod(scope, act.day),
  );
}

/** The latest profile of the year of the period's end, per subject, in the ESSMS of the scope. */
function currentProfiles(raw: Raw, scope: ReportScope, facility = scope.facilityId): Map<string, Profile> {
  const current = new Map<string, Profile>();
  for (const profile of raw.profiles) {
    if (profile.year === yearOf(scope) && (facility === undefined || profile.facility === facility)) {
      current.set(profile.subject, profile);
    }
  }
  return current;
}

const PROFILE_FIELDS = ['referral', 'housing', 'income', 'mainProduct', 'useLevel', 'injection'] as const;

function oracleCsapa(raw: Raw, scope: ReportScope) {
  const acts = countedActs(raw, scope);
  const fileActive = new Set(acts.map((act) => act.subject));
  const profiles = currentProfiles(raw, scope);
  const patients = [...fileActive].filter(
    (subject) => (profiles.get(subject)?.fields.population ?? 'patient') === 'patient',
  );
  const admitted = new Set(
    raw.admissions
      .filter((admission) => inScope(scope, admission.facility) && inPeriod(scope, admission.day))
      .map((admission) => admission.subject),
  );
  const bySex: Record<string, number> = {};
  const byAgeBand: Record<string, number> = {};
  const byField: Record<string, Record<string, number>> = Object.fromEntries(PROFILE_FIELDS.map((f) => [f, {}]));
  for (const subject of patients) {
    const traits = raw.subjects.get(subject)!;
    add(bySex, traits.sex ?? 'unknown');
    add(byAgeBand, oracleAgeBand(traits.birthYear, yearOf(scope)));
    for (const field of PROFILE_FIELDS) add(byField[field]!, profiles.get(subject)?.fields[field] ?? 'unknown');
  }
  const actsByProfession: Record<string, number> = {};
  for (const act of acts) add(actsByProfession, act.profession);
  const collective = acts.filter((act) => act.collective);
  const tso: Record<string, { prescribedPatients: number; dispensedPatients: number; unitsDispensed: number }> = {};
  for (const product of TSO_PRODUCTS) {
    const prescribed = new Set(
      raw.medicines
        .filter((m) => m.tsoProduct === product && inScope(scope, m.facility) && inPeriod(scope, m.day))
        .map((m) => m.subject),
    );
    const dispensed = [...raw.dispensations]
      .filter(
        ([lineId, d]) =>
          !raw.countered.has(lineId) &&
          raw.products.get(`${d.facility}/${d.productId}`) === product &&
          inScope(scope, d.facility) &&
          inPeriod(scope, d.day),
      )
      .map(([, d]) => d);
    tso[product] = {
      prescribedPatients: prescribed.size,
      dispensedPatients: new Set(dispensed.map((d) => d.subject)).size,
      unitsDispensed: dispensed.reduce((sum, d) => sum + d.units, 0),
    };
  }
  const examsByCategory: Record<string, number> = {};
  for (const exam of raw.exams) {
    if (inScope(scope, exam.facility) && inPeriod(scope, exam.day)) add(examsByCategory, exam.category);
  }
  const byReason: Record<string, number> = {};
  for (const exit of raw.exits.values()) {
    if (inScope(scope, exit.facility) && inPeriod(scope, exit.day)) add(byReason, exit.reason);
  }
  return {
    kind: 'csapa',
    fileActive: {
      total: fileActive.size,
      patients: patients.length,
      entourage: fileActive.size - patients.length,
      newPatients: [...fileActive].filter((subject) => admitted.has(subject)).length,
    },
    patients: {
      bySex,
      byAgeBand,
      byReferral: byField.referral,
      byHousing: byField.housing,
      byIncome: byField.income,
      byMainProduct: byField.mainProduct,
      byUseLevel: byField.useLevel,
      byInjection: byField.injection,
    },
    actsByProfession,
    groups: { collectiveActs: collective.length, participants: new Set(collective.map((act) => act.subject)).size },
    tso,
    examsByCategory,
    exits: { total: Object.values(byReason).reduce((sum, n) => sum + n, 0), byReason },
  };
}

function oracleCaarud(raw: Raw, scope: ReportScope) {
  const everInScope = [...raw.visits.values()].filter((visit) => !visit.cancelled && inScope(scope, visit.facility));
  const visits = everInScope.filter((visit) => inPeriod(scope, visit.day));
  const identified = visits.filter((visit) => visit.subject !== undefined);
  const firstPassage = new Map<string, string>();
  for (const visit of everInScope) {
    if (visit.subject === undefined) continue;
    const first = firstPassage.get(visit.subject);
    if (first === undefined || visit.day < first) firstPassage.set(visit.subject, visit.day);
  }
  const fileActive = new Set(identified.map((visit) => visit.subject!));
  const passagesBySetting: Record<string, number> = {};
  const unidentifiedBySetting: Record<string, number> = {};
  const servicesGiven: Record<string, number> = {};
  const suppliesHandedOut: Record<string, number> = {};
  const rapidTests: Record<string, number> = {};
  let duringPassages = 0;
  for (const visit of visits) {
    add(passagesBySetting, visit.setting);
    if (visit.subject === undefined) add(unidentifiedBySetting, visit.setting);
    for (const service of visit.services) add(servicesGiven, service);
    for (const line of visit.supplies) add(suppliesHandedOut, line.supplyCode, line.quantity);
    for (const test of visit.rapidTests) add(rapidTests, `${test.test}.${test.result}`);
    duringPassages += visit.syringesCollected;
  }
  let outsidePassages = 0;
  for (const collection of raw.collections.values()) {
    if (!collection.cancelled && inScope(scope, collection.facility) && inPeriod(scope, collection.day)) {
      outsidePassages += collection.quantity;
    }
  }
  return {
    kind: 'caarud',
    fileActive: {
      total: fileActive.size,
      newUsers: [...fileActive].filter((subject) => inPeriod(scope, firstPassage.get(subject)!)).length,
    },
    passages: { total: visits.length, identified: identified.length, unidentified: visits.length - identified.length },
    passagesBySetting,
    unidentifiedBySetting,
    servicesGiven,
    suppliesHandedOut,
    syringesCollected: { duringPassages, outsidePassages, total: duringPassages + outsidePassages },
    rapidTests,
  };
}

function oracleRecap(raw: Raw, scope: ReportScope) {
  const records = [];
  const facilities = [...new Set([...raw.acts.values()].map((act) => act.facility))]
    .filter((facility) => inScope(scope, facility))
    .sort();
  for (const facility of facilities) {
    const facilityScope = { ...scope, facilityId: facility };
    const acts = countedActs(raw, facilityScope);
    const profiles = currentProfiles(raw, facilityScope, facility);
    const actsOf = new Map<string, number>();
    for (const act of acts) actsOf.set(act.subject, (actsOf.get(act.subject) ?? 0) + 1);
    for (const [subject, count] of actsOf) {
      const profile = profiles.get(subject);
      if ((profile?.fields.population ?? 'patient') !== 'patient') continue;
      const traits = raw.subjects.get(subject)!;
      // the TSO product of the latest TSO fact of the year: by day, then in log order
      let tso: { day: string; product: string } | undefined;
      const consider = (day: string, product: string) => {
        if (tso === undefined || day >= tso.day) tso = { day, product };
      };
      for (const m of raw.medicines) {
        if (m.subject === subject && m.facility === facility && m.tsoProduct && inPeriod(scope, m.day)) {
          consider(m.day, m.tsoProduct);
        }
      }
      for (const [lineId, d] of raw.dispensations) {
        const product = raw.products.get(`${d.facility}/${d.productId}`);
        if (d.subject === subject && d.facility === facility && product && !raw.countered.has(lineId)) {
          if (inPeriod(scope, d.day)) consider(d.day, product);
        }
      }
      records.push({
        year: Number(scope.from.slice(0, 4)),
        facilityId: facility,
        subjectKey: reportingSubjectKey(pseudonymKey, ORGANISATION, subject),
        sex: traits.sex ?? 'unknown',
        birthYear: traits.birthYear,
        population: 'patient',
        ...Object.fromEntries(PROFILE_FIELDS.map((field) => [field, profile?.fields[field] ?? 'unknown'])),
        tsoProduct: tso?.product ?? null,
        acts: count,
        newInYear: raw.admissions.some(
          (a) => a.subject === subject && a.facility === facility && inPeriod(scope, a.day),
        ),
      });
    }
  }
  records.sort((a, b) =>
    a.facilityId === b.facilityId ? (a.subjectKey < b.subjectKey ? -1 : 1) : a.facilityId < b.facilityId ? -1 : 1,
  );
  return { kind: 'recap', records };
}

function oracleEsms(raw: Raw, scope: ReportScope) {
  const active = new Set(
    raw.touches.filter((t) => inScope(scope, t.facility) && inPeriod(scope, t.day)).map((t) => t.subject),
  );
  const identified = [...active].filter((subject) => !raw.subjects.get(subject)!.anonymous);
  const qualified = identified.filter((subject) => {
    const known = raw.subjects.get(subject)!.statuses.filter((status) => status.day <= scope.to);
    return known.at(-1)?.status === 'QUAL';
  });
  const logins = raw.logins.filter((login) => inScope(scope, login.facility) && inPeriod(scope, login.day));
  return {
    kind: 'esms-numerique',
    activeRecords: active.size,
    identifiedRecords: identified.length,
    qualifiedInsRecords: qualified.length,
    qualifiedInsShare: identified.length === 0 ? 0 : qualified.length / identified.length,
    documentsStored: raw.documents.filter((d) => inScope(scope, d.facility) && inPeriod(scope, d.day)).length,
    // a document counts when the DMP accepted it, on that day, in the ESSMS that sent it; a
    // replacement is one more; a refused or unanswered submission is none
    documentsSentToDmp: [...raw.dmpSubmissions.values()].filter(
      (submission) =>
        submission.acceptedOn !== undefined &&
        inScope(scope, submission.facility) &&
        inPeriod(scope, submission.acceptedOn),
    ).length,
    mssanteMessages: raw.messagesSent.filter((m) => inScope(scope, m.facility) && inPeriod(scope, m.day)).length,
    portalLogins: logins.length,
    portalUsers: new Set(logins.map((login) => login.subject)).size,
  };
}

/**
 * The figures of a report, without what is not a figure (scope, time of computation) and with
 * counts of zero dropped: a report lists every code of the vocabulary, the oracle only those seen.
 */
function figures(report: unknown): unknown {
  if (Array.isArray(report)) return report.map(figures);
  if (typeof report !== 'object' || report === null) return report;
  const kept: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(report)) {
    if (key === 'scope' || key === 'computedAt' || value === 0) continue;
    const figure = figures(value);
    if (typeof figure === 'object' && figure !== null && !Array.isArray(figure) && Object.keys(figure).length === 0) {
      continue;
    }
    kept[key] = figure;
  }
  return kept;
}

// ---------------------------------------------------------------------------------------------

describe('The activity reports, figure by figure, against an oracle over the raw events', function () {
  this.timeout(180_000);
  let knex: Knex;
  let schema: string;
  let runtime: ProjectionRuntime;
  let outbox: string;
  let raw: Raw;
  let streams: GeneratedStream[];
  const timings: Record<string, number> = {};

  const scopes = (from: string, to: string): [string, ReportScope][] => [
    ['the CSAPA', { organisationId: ORGANISATION, facilityId: CSAPA, from, to }],
    ['the CAARUD', { organisationId: ORGANISATION, facilityId: CAARUD, from, to }],
    ['the organisme gestionnaire', { organisationId: ORGANISATION, from, to }],
  ];
  const periods: [string, string, string][] = [
    ['the year', `${YEAR}-01-01`, `${YEAR}-12-31`],
    ['the second quarter', `${YEAR}-04-01`, `${YEAR}-06-30`],
  ];

  before(async () => {
    let started = performance.now();
    streams = generateActivityYear({
      seed: 2025,
      year: YEAR,
      organisationId: ORGANISATION,
      csapa: CSAPA,
      caarud: CAARUD,
    });
    const other = generateActivityYear({
      seed: 7,
      year: YEAR,
      organisationId: OTHER_ORGANISATION,
      csapa: CSAPA,
      caarud: CAARUD,
      serviceUsers: 60,
      targetEvents: 4_000,
    });
    timings.generateMs = performance.now() - started;

    knex = testPostgres(12);
    schema = uniqueSchema('reports_oracle');
    await migrateEventStore(knex, { schema });
    // a plain store: the oracle and the outbox read the same clear events
    const store = new PostgresEventStore(knex, { schema });
    started = performance.now();
    await appendActivityYear(store, [...streams, ...other], 512);
    timings.appendMs = performance.now() - started;

    runtime = new ProjectionRuntime({
      knex,
      store,
      schema,
      projections: [reportingOutboxProjection({ pseudonymKey })],
    });
    await runtime.migrate();
    started = performance.now();
    // the rebuild analyses its tables before the switch: without statistics, the ASA-CAARUD query
    // was seen to run for minutes instead of a quarter of a second
    await runtime.rebuild(REPORTING_OUTBOX);
    timings.rebuildMs = performance.now() - started;
    outbox = runtime.readSchema(REPORTING_OUTBOX);

    started = performance.now();
    const events: RecordedEvent[] = [];
    for (let after: bigint | undefined; ; ) {
      const page = await store.readAll({ after, maxCount: 20_000 });
      if (page.length === 0) break;
      events.push(...page);
      after = page.at(-1)!.globalPosition;
    }
    raw = foldRawEvents(events, ORGANISATION);
    timings.readAndFoldMs = performance.now() - started;
  });
  after(async () => {
    await runtime?.close();
    await dropSchemasStartingWith(knex, schema);
    await knex.destroy();
    console.log(
      `      (oracle test: ${Object.entries(timings)
        .map(([name, ms]) => `${name} ${Math.round(ms)}`)
        .join(', ')})`,
    );
  });

  it('runs on a realistic year: 1,600 usagers, 200,000 events, anonymous users, TSO, exits, transfers', () => {
    const events = streams.flatMap((stream) => stream.events);
    expect(events.length).to.be.at.least(200_000);
    expect(raw.subjects.size).to.equal(1_600);
    expect([...raw.subjects.values()].filter((subject) => subject.anonymous).length).to.be.above(200);
    expect(raw.medicines.filter((m) => m.tsoProduct !== undefined).length).to.be.above(1_000);
    expect(raw.exits.size).to.be.above(200);
    const inBoth = new Set([...raw.acts.values()].filter((a) => a.facility === CSAPA).map((a) => a.subject));
    const visitors = new Set([...raw.visits.values()].map((v) => v.subject).filter((s) => s !== undefined));
    expect([...visitors].filter((subject) => inBoth.has(subject)).length).to.be.above(100);
  });

  it('exchanges with the DMP and by MSSanté from both ESSMS, with what must not be counted among them', () => {
    const submissions = [...raw.dmpSubmissions.entries()];
    const accepted = submissions.filter(([, submission]) => submission.acceptedOn !== undefined);
    for (const facility of [CSAPA, CAARUD]) {
      expect(accepted.filter(([, s]) => s.facility === facility).length, `accepted in ${facility}`).to.be.above(10);
      expect(raw.messagesSent.filter((m) => m.facility === facility).length, `sent from ${facility}`).to.be.above(50);
    }
    // refusals, submissions never answered, replacements, and messages that never left exist
    expect(raw.dmpRefused.size).to.be.above(0);
    const unanswered = submissions.filter(([id, s]) => s.acceptedOn === undefined && !raw.dmpRefused.has(id));
    expect(unanswered.length).to.be.above(0);
    expect(accepted.filter(([, s]) => s.replacement).length).to.be.above(0);
    expect(raw.messagesNotSent).to.be.above(0);
  });

  for (const [periodName, from, to] of periods) {
    for (const [scopeName, scope] of scopes(from, to)) {
      it(`CSAPA report of ${scopeName} for ${periodName}`, async () => {
        const report = await csapaActivityReport(knex, outbox, scope);
        expect(figures(report)).to.deep.equal(figures(oracleCsapa(raw, scope)));
      });
      it(`ASA-CAARUD report of ${scopeName} for ${periodName}`, async () => {
        const report = await caarudActivityReport(knex, outbox, scope);
        expect(figures(report)).to.deep.equal(figures(oracleCaarud(raw, scope)));
      });
      it(`ESMS numérique indicators of ${scopeName} for ${periodName}`, async () => {
        const report = await esmsNumeriqueIndicators(knex, outbox, scope);
        expect(figures(report)).to.deep.equal(figures(oracleEsms(raw, scope)));
      });
    }
  }
  for (const [scopeName, scope] of scopes(`${YEAR}-01-01`, `${YEAR}-12-31`)) {
    it(`RECAP extract of ${scopeName} for the year`, async () => {
      const report = await recapExtract(knex, outbox, scope);
      expect(figures(report)).to.deep.equal(figures(oracleRecap(raw, scope)));
    });
  }

  describe('the invariants of DOMAIN.md', () => {
    const year = scopes(`${YEAR}-01-01`, `${YEAR}-12-31`);

    it('file active = distinct users with at least one act in the period, patients and entourage together', async () => {
      for (const [, scope] of year) {
        const report = await csapaActivityReport(knex, outbox, scope);
        const users = new Set(countedActs(raw, scope).map((act) => act.subject));
        expect(report.fileActive.total).to.equal(users.size);
        expect(report.fileActive.patients + report.fileActive.entourage).to.equal(users.size);
        // a usager admitted but never seen in the year is not in it
        const admittedOnly = raw.admissions.filter((a) => inScope(scope, a.facility) && !users.has(a.subject));
        if (scope.facilityId === CSAPA) expect(admittedOnly.length).to.be.above(0);
      }
    });

    it('"new" = episode started in the period: admitted in the period, or first passage in the period', async () => {
      const [, csapa] = year[0]!;
      const report = await csapaActivityReport(knex, outbox, csapa);
      const startedBefore = raw.admissions.filter((a) => a.facility === CSAPA && a.day < csapa.from);
      expect(startedBefore.length, 'accompaniments open since the year before').to.be.above(100);
      expect(report.fileActive.newPatients).to.be.above(0).and.below(report.fileActive.total);
      const [, caarud] = year[1]!;
      const asa = await caarudActivityReport(knex, outbox, caarud);
      expect(asa.fileActive.newUsers).to.be.above(0).and.below(asa.fileActive.total);
    });

    it('one main product per patient per year: each breakdown adds up to the patients, RECAP has one record each', async () => {
      for (const [, scope] of year) {
        const report = await csapaActivityReport(knex, outbox, scope);
        for (const counts of Object.values(report.patients)) {
          expect(Object.values(counts).reduce((sum, n) => sum + n, 0)).to.equal(report.fileActive.patients);
        }
        const recap = await recapExtract(knex, outbox, scope);
        const keys = recap.records.map((record) => `${record.facilityId}/${record.subjectKey}/${record.year}`);
        expect(new Set(keys).size).to.equal(keys.length);
        if (scope.facilityId !== undefined) expect(recap.records).to.have.length(report.fileActive.patients);
      }
      // corrected profiles exist, so "latest" is what is tested
      const perKey = new Map<string, number>();
      for (const p of raw.profiles)
        perKey.set(`${p.subject}/${p.year}`, (perKey.get(`${p.subject}/${p.year}`) ?? 0) + 1);
      expect([...perKey.values()].filter((n) => n > 1).length).to.be.above(20);
    });

    it('anonymous users are counted once, through their pseudonymous key', async () => {
      const [, caarud] = year[1]!;
      const report = await caarudActivityReport(knex, outbox, caarud);
      const anonymousVisitors = new Map<string, number>();
      for (const visit of raw.visits.values()) {
        if (visit.cancelled || visit.subject === undefined || !raw.subjects.get(visit.subject)!.anonymous) continue;
        anonymousVisitors.set(visit.subject, (anonymousVisitors.get(visit.subject) ?? 0) + 1);
      }
      expect([...anonymousVisitors.values()].filter((n) => n > 1).length).to.be.above(50);
      const identifiedVisitors = new Set(
        [...raw.visits.values()]
          .filter((v) => !v.cancelled && v.subject !== undefined && inPeriod(caarud, v.day))
          .map((v) => v.subject),
      );
      expect(report.fileActive.total).to.equal(identifiedVisitors.size);
      expect(report.passages.identified).to.be.above(report.fileActive.total * 5);
      const recap = await recapExtract(knex, outbox, year[0]![1]);
      const anonymousKeys = [...raw.subjects]
        .filter(([, subject]) => subject.anonymous)
        .map(([id]) => reportingSubjectKey(pseudonymKey, ORGANISATION, id));
      const recapKeys = recap.records.map((record) => record.subjectKey);
      expect(recapKeys.filter((key) => anonymousKeys.includes(key)).length).to.be.above(10);
    });

    it('for any period and scope, the CSAPA, CAARUD and ESMS numérique figures equal the oracle’s (property)', async () => {
      const yearStart = Date.UTC(YEAR, 0, 1);
      const day = (offset: number) => new Date(yearStart + offset * 86_400_000).toISOString().slice(0, 10);
      await fc.assert(
        fc.asyncProperty(
          fc.integer({ min: 0, max: 364 }),
          fc.integer({ min: 0, max: 120 }),
          fc.constantFrom<string | undefined>(CSAPA, CAARUD, undefined),
          async (start, length, facilityId) => {
            const scope: ReportScope = {
              organisationId: ORGANISATION,
              ...(facilityId === undefined ? {} : { facilityId }),
              from: day(start),
              to: day(Math.min(364, start + length)),
            };
            expect(figures(await csapaActivityReport(knex, outbox, scope))).to.deep.equal(
              figures(oracleCsapa(raw, scope)),
            );
            expect(figures(await caarudActivityReport(knex, outbox, scope))).to.deep.equal(
              figures(oracleCaarud(raw, scope)),
            );
            expect(figures(await esmsNumeriqueIndicators(knex, outbox, scope))).to.deep.equal(
              figures(oracleEsms(raw, scope)),
            );
          },
        ),
        { numRuns: 8, seed: 9 },
      );
    });
  });
});
