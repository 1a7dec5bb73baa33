import {
  type AcknowledgementKind,
  accompanimentExitStreamId,
  actStreamId,
  admissionApplicationStreamId,
  documentStreamId,
  EXIT_DESTINATIONS,
  EXIT_REASONS,
  harmReductionSupplyCatalogueStreamId,
  nirKey,
  pharmacyLedgerStreamId,
  portalAccountStreamId,
  prescriptionStreamId,
  type Role,
  type SecureMessageRecipient,
  sentSecureMessageStreamId,
  serviceUserDmpStreamId,
  serviceUserStreamId,
  syringeCollectionStreamId,
  type TsoProduct,
  usageProfileStreamId,
  visitStreamId,
} from '@dui-pds/domain';
import type { EventMetadata, EventStore, EventToAppend } from '@dui-pds/eventstore';

/**
 * A seeded, realistic year of activity of one CSAPA and one CAARUD of an organisme gestionnaire,
 * as the domain events the shell would have appended: the dataset of the reports' oracle test and
 * of the `report_csapa_year_ms` bench. Test code: the same seed gives the same events.
 *
 * What it holds, so that every rule of the report definitions has something to bite on:
 * - usagers registered the year before (not new) or during the year, identified (PROV, then a
 *   document check and an INSi call for some: VALI, RECUP, QUAL) or anonymous (CSAPA anonymity,
 *   CAARUD pseudonyms), with or without sex and birth year;
 * - CSAPA accompaniments started the year before or during it, exits (some corrected),
 *   re-admissions, transfers between the CSAPA and the CAARUD both ways, entourage;
 * - acts by five professions, collective sessions, corrections (some moving an act to another
 *   quarter) and cancellations, acts the year before, acts a few minutes around midnight UTC on
 *   days where the Paris day differs;
 * - TSO (methadone syrup and capsules, BHD) prescribed every two or four weeks, dispensed at the
 *   CSAPA for most, some dispensations countered, other medicines; screening exams;
 * - usage profiles of the year and of the year before, some corrected (same profile id);
 * - CAARUD passages identified and unidentified, by setting, with services, supplies, syringes
 *   collected, rapid tests, corrections (setting, day, supplies) and cancellations; syringes
 *   collected outside passages, some cancelled;
 * - documents stored and portal logins;
 * - a qualified usager's health documents sent to the DMP: accepted, refused, unanswered, accepted
 *   days after a retry (across a period's end), replaced by a new version; usagers opposed to it;
 * - MSSanté messages to professionals and to qualified usagers' Mon espace santé, with their
 *   acknowledgements, and a few that never left (the server unavailable).
 * Acts fill the year up to `targetEvents`: the year has at least that many events.
 */
export interface ActivityYearOptions {
  seed: number;
  year: number;
  organisationId: string;
  /** FINESS of the CSAPA and of the CAARUD. */
  csapa: string;
  caarud: string;
  serviceUsers?: number;
  targetEvents?: number;
}

export interface GeneratedStream {
  streamId: string;
  /** In stream order: append them as they are. */
  events: EventToAppend[];
}

export const TSO_LEDGER_PRODUCTS: readonly { productId: string; tsoProduct: TsoProduct | undefined }[] = [
  { productId: 'MTD-SIROP-40', tsoProduct: 'methadone-syrup' },
  { productId: 'MTD-GEL-40', tsoProduct: 'methadone-capsules' },
  { productId: 'BHD-8', tsoProduct: 'buprenorphine-hd' },
  { productId: 'DIAZ-10', tsoProduct: undefined },
];

const SUPPLY_CODES = [
  'seringue-1ml',
  'kit-base',
  'pipe-crack',
  'kit-sniff',
  'preservatif',
  'naloxone-nasale',
  'eau-ppi',
] as const;

/** The kinds of stored documents the DMP and MSSanté carry (a CDA type exists for them), by LOINC type code. */
const EXCHANGED_DOCUMENT_TYPES: Readonly<Record<string, string>> = {
  medicalReport: '11488-4',
  examResult: '11502-2',
  administrative: '51851-4',
};
/** What feeds a DMP: health documents, not administrative ones. */
const DMP_DOCUMENT_KINDS: readonly string[] = ['medicalReport', 'examResult'];
/** Fictitious MSSanté mailboxes of the professionals the ESSMS write to. */
const PROFESSIONAL_MAILBOXES = [
  'dr.martin@medecin.exemple.mssante.fr',
  'dr.benali@medecin.exemple.mssante.fr',
  'cmp.secretariat@ght.exemple.mssante.fr',
  'labo.biologie@labo.exemple.mssante.fr',
  'dr.nguyen@medecin.exemple.mssante.fr',
  'urgences@chu.exemple.mssante.fr',
] as const;

const ACT_TYPES: readonly {
  profession: Role;
  code: string;
  label: string;
  sensitivity: 'medical' | 'psychological' | 'social';
}[] = [
  { profession: 'doctor', code: 'consultation-medicale', label: 'Consultation médicale', sensitivity: 'medical' },
  { profession: 'nurse', code: 'soin-infirmier', label: 'Soin infirmier', sensitivity: 'medical' },
  {
    profession: 'psychologist',
    code: 'entretien-psychologique',
    label: 'Entretien psychologique',
    sensitivity: 'psychological',
  },
  { profession: 'socialWorker', code: 'entretien-social', label: 'Entretien social', sensitivity: 'social' },
  { profession: 'educator', code: 'entretien-educatif', label: 'Entretien éducatif', sensitivity: 'social' },
];

const DAY_MS = 86_400_000;

/** mulberry32: small, fast, and the same sequence on every platform. */
class Random {
  #state: number;
  constructor(seed: number) {
    this.#state = seed >>> 0;
  }
  next(): number {
    this.#state = (this.#state + 0x6d2b79f5) >>> 0;
    let t = this.#state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  }
  /** `min` when the range is empty: a window that closed leaves the day it opened. */
  int(min: number, max: number): number {
    return max < min ? min : min + Math.floor(this.next() * (max - min + 1));
  }
  chance(probability: number): boolean {
    return this.next() < probability;
  }
  pick<T>(values: readonly T[]): T {
    return values[Math.floor(this.next() * values.length)]!;
  }
  weighted<T>(choices: readonly (readonly [T, number])[]): T {
    const total = choices.reduce((sum, [, weight]) => sum + weight, 0);
    let draw = this.next() * total;
    for (const [value, weight] of choices) {
      draw -= weight;
      if (draw < 0) return value;
    }
    return choices.at(-1)![0];
  }
  /** A version 4 UUID, from the seeded sequence. */
  uuid(): string {
    const hex = Array.from({ length: 32 }, () => Math.floor(this.next() * 16).toString(16));
    hex[12] = '4';
    hex[16] = ((Number.parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16);
    const s = hex.join('');
    return `${s.slice(0, 8)}-${s.slice(8, 12)}-${s.slice(12, 16)}-${s.slice(16, 20)}-${s.slice(20)}`;
  }
  hex(length: number): string {
    return Array.from({ length }, () => Math.floor(this.next() * 16).toString(16)).join('');
  }
}

/** Days as numbers since the epoch (UTC midnight), and back to ISO days. */
const dayNumber = (day: string) => Math.round(Date.parse(`${day}T00:00:00Z`) / DAY_MS);
const isoDay = (n: number) => new Date(n * DAY_MS).toISOString().slice(0, 10);
/** A time of a working day, with the Paris winter offset: the Paris day is the ISO day either way. */
const instantOn = (day: number, random: Random) =>
  `${isoDay(day)}T${String(random.int(8, 18)).padStart(2, '0')}:${String(random.int(0, 59)).padStart(2, '0')}:00+01:00`;

interface Usager {
  serviceUserId: string;
  anonymous: boolean;
  sex: 'F' | 'M' | 'I' | undefined;
  birthYear: number | undefined;
  birthDate: string;
  registeredOn: number;
  registeredIn: string;
  entourage: boolean;
  opioids: boolean;
  /** The day the identity became qualified (QUAL) and its INS, if it did. */
  qualifiedOn?: number;
  ins?: string;
}

interface StoredDocument {
  documentId: string;
  facilityId: string;
  kind: string;
  storedOn: number;
  /** Its stream, still open: a new version goes in it. */
  stream: GeneratedStream;
}

/** An instant `ms` after another one. */
const later = (instant: string, ms: number) => new Date(Date.parse(instant) + ms).toISOString();

interface Episode {
  usager: Usager;
  facilityId: string;
  accompanimentId: string;
  start: number;
  /** The exit day, if any. */
  end: number | undefined;
  /** How much of the act volume goes to it. */
  weight: number;
}

interface CaarudFollow {
  usager: Usager;
  first: number;
  last: number;
  passages: number;
}

export function generateActivityYear(options: ActivityYearOptions): GeneratedStream[] {
  const { seed, year, organisationId, csapa, caarud } = options;
  const serviceUsers = options.serviceUsers ?? 1_600;
  const targetEvents = options.targetEvents ?? 200_000;
  const random = new Random(seed);
  const streams: GeneratedStream[] = [];
  const yearStart = dayNumber(`${year}-01-01`);
  const yearEnd = dayNumber(`${year}-12-31`);
  const previousYearStart = dayNumber(`${year - 1}-01-01`);
  const professionalOf = (role: Role) => `pro-${role}-${random.int(1, 4)}`;

  const metadata = (facilityId: string, occurredAt: string, role: Role, serviceUserId?: string): EventMetadata => ({
    organisationId,
    facilityId,
    actor: { kind: 'professional', id: professionalOf(role), role },
    occurredAt,
    ...(serviceUserId === undefined ? {} : { serviceUserId }),
  });
  const event = (type: string, data: unknown, meta: EventMetadata): EventToAppend => ({
    id: random.uuid(),
    type,
    data,
    metadata: meta,
  });
  const dayInstant = (day: number) => `${isoDay(day)}T12:00:00+01:00`;

  // the supplies the CAARUD hands out, as its catalogue holds them
  streams.push({
    streamId: harmReductionSupplyCatalogueStreamId(organisationId),
    events: SUPPLY_CODES.map((code) =>
      event(
        'HarmReductionSupplyAdded',
        { code, label: `Matériel ${code}`, unit: 'unité' },
        metadata(caarud, dayInstant(previousYearStart), 'director'),
      ),
    ),
  });

  const usagers: Usager[] = [];
  const episodes: Episode[] = [];
  const follows: CaarudFollow[] = [];

  for (let index = 0; index < serviceUsers; index++) {
    const followed = random.weighted([
      ['csapa', 0.55],
      ['caarud', 0.27],
      ['both', 0.18],
    ] as const);
    const anonymous = random.chance(followed === 'csapa' ? 0.08 : followed === 'caarud' ? 0.5 : 0.25);
    const sex = random.weighted([
      ['M', 0.68],
      ['F', 0.3],
      ['I', 0.02],
    ] as const);
    const age = random.int(15, 78);
    const birthDate = `${year - age}-${String(random.int(1, 12)).padStart(2, '0')}-${String(random.int(1, 28)).padStart(2, '0')}`;
    const before = random.chance(0.35);
    const registeredOn = before ? random.int(previousYearStart, yearStart - 30) : random.int(yearStart, yearEnd - 20);
    const startsIn = followed === 'caarud' ? caarud : followed === 'csapa' ? csapa : random.pick([csapa, caarud]);
    const usager: Usager = {
      serviceUserId: random.uuid(),
      anonymous,
      sex: anonymous ? (random.chance(0.8) ? sex : undefined) : sex,
      birthYear: anonymous ? (random.chance(0.7) ? year - age : undefined) : year - age,
      birthDate,
      registeredOn,
      registeredIn: startsIn,
      entourage: followed === 'csapa' && random.chance(0.12),
      opioids: false,
    };
    usager.opioids = !usager.entourage && followed !== 'caarud' && random.chance(0.3);
    usagers.push(usager);
    streams.push(identityStream(usager));

    if (followed === 'caarud') {
      follows.push(caarudFollow(usager, registeredOn, yearEnd));
    } else if (followed === 'csapa') {
      csapaEpisodes(usager, registeredOn);
    } else if (startsIn === caarud) {
      // from the CAARUD to the CSAPA: reoriented for care
      const transfer = random.int(Math.max(registeredOn, yearStart) + 20, yearEnd - 10);
      follows.push(caarudFollow(usager, registeredOn, transfer));
      csapaEpisodes(usager, transfer, true);
    } else {
      // from the CSAPA to the CAARUD, or followed by both
      const last = csapaEpisodes(usager, registeredOn);
      const from = last ?? random.int(Math.max(registeredOn, yearStart), yearEnd - 5);
      follows.push(caarudFollow(usager, Math.min(from, yearEnd - 5), yearEnd));
    }
  }

  function identityStream(usager: Usager): GeneratedStream {
    const { serviceUserId } = usager;
    const at = instantOn(usager.registeredOn, random);
    const meta = (when: string) => metadata(usager.registeredIn, when, 'secretary', serviceUserId);
    if (usager.anonymous) {
      return {
        streamId: serviceUserStreamId(organisationId, serviceUserId),
        events: [
          event(
            'AnonymousServiceUserRegistered',
            {
              serviceUserId,
              facilityId: usager.registeredIn,
              pseudonym: `ANO-${random.hex(10).toUpperCase()}`,
              ...(usager.sex === undefined ? {} : { sex: usager.sex }),
              ...(usager.birthYear === undefined ? {} : { birthYear: usager.birthYear }),
              registeredAt: at,
            },
            meta(at),
          ),
        ],
      };
    }
    const traits = {
      birthName: `NOM${random.int(1, 99_999)}`,
      birthFirstNames: [random.pick(['MARIE', 'JEAN', 'FATIMA', 'KARIM', 'LUCIE', 'THOMAS', 'AMINATA'])],
      birthDate: usager.birthDate,
      sex: usager.sex!,
      birthplaceCode: random.pick(['75056', '13055', '69123', '2A004', '99134']),
    };
    const events = [
      event(
        'ServiceUserRegistered',
        { serviceUserId, facilityId: usager.registeredIn, traits, registeredAt: at, status: 'PROV' },
        meta(at),
      ),
    ];
    let day = usager.registeredOn;
    let validated = false;
    if (random.chance(0.35) && day < yearEnd - 2) {
      day = random.int(day + 1, Math.min(day + 60, yearEnd - 1));
      validated = true;
      events.push(
        event(
          'IdentityDocumentChecked',
          {
            checkId: random.uuid(),
            kind: random.pick(['national-id-card', 'passport', 'residence-permit']),
            checkedOn: isoDay(day),
            checkedBy: professionalOf('secretary'),
            outcome: 'consistent',
            validates: true,
            status: 'VALI',
          },
          meta(dayInstant(day)),
        ),
      );
    }
    if (random.chance(0.55) && day < yearEnd - 2) {
      day = random.int(day + 1, Math.min(day + 90, yearEnd - 1));
      const first13 = `${traits.sex === 'F' ? 2 : 1}${traits.birthDate.slice(2, 4)}${traits.birthDate.slice(5, 7)}75056${String(random.int(1, 999)).padStart(3, '0')}`;
      const at = instantOn(day, random);
      const ins = `${first13}${nirKey(first13)}`;
      if (validated) Object.assign(usager, { qualifiedOn: day, ins });
      events.push(
        event(
          'InsRetrieved',
          {
            ins: { value: ins, oid: '1.2.250.1.213.1.4.10' },
            traits,
            operation: 'search',
            at,
            status: validated ? 'QUAL' : 'RECUP',
          },
          meta(at),
        ),
      );
    }
    return { streamId: serviceUserStreamId(organisationId, serviceUserId), events };
  }

  /** The CSAPA accompaniments of a usager from `from`; the day of the last exit, if the last one ended. */
  function csapaEpisodes(usager: Usager, from: number, reoriented = false): number | undefined {
    let start = from < yearStart && random.chance(0.2) ? random.int(yearStart, yearEnd - 30) : from;
    let lastExit: number | undefined;
    for (let count = 0; count < 3; count++) {
      const exits = random.chance(count === 0 ? 0.3 : 0.2) && start < yearEnd - 15;
      const end = exits ? random.int(Math.max(start + 10, yearStart), yearEnd - 1) : undefined;
      const episode: Episode = {
        usager,
        facilityId: csapa,
        accompanimentId: random.uuid(),
        start,
        end,
        weight: (usager.entourage ? 0.3 : 1) * (usager.opioids ? 1.6 : 1) * (0.2 + random.next() * 1.8),
      };
      // a few accompaniments without any act in the year: admitted, never seen
      if (random.chance(0.03)) episode.weight = 0;
      episodes.push(episode);
      streams.push(admission(episode, reoriented && count === 0));
      if (end === undefined) return undefined;
      streams.push(exit(episode, end, reoriented));
      lastExit = end;
      if (!random.chance(0.3) || end > yearEnd - 40) return lastExit;
      start = random.int(end + 15, Math.min(end + 120, yearEnd - 10));
      if (start >= yearEnd - 10) return lastExit;
    }
    return lastExit;
  }

  function admission(episode: Episode, fromCaarud: boolean): GeneratedStream {
    const applicationId = random.uuid();
    const { serviceUserId } = episode.usager;
    const receivedOn = Math.max(episode.start - random.int(0, 20), episode.usager.registeredOn);
    const receivedAt = instantOn(receivedOn, random);
    const admittedAt = instantOn(episode.start, random);
    return {
      streamId: admissionApplicationStreamId(applicationId),
      events: [
        event(
          'ApplicationReceived',
          {
            applicationId,
            serviceUserId,
            facilityIds: [episode.facilityId],
            receivedAt,
            source: fromCaarud ? 'CAARUD' : random.pick(['Démarche personnelle', 'Médecin traitant', 'SPIP']),
            priority: random.pick(['urgent', 'high', 'normal']),
          },
          metadata(episode.facilityId, receivedAt, 'secretary', serviceUserId),
        ),
        event(
          'Admitted',
          {
            facilityId: episode.facilityId,
            accompanimentId: episode.accompanimentId,
            admittedAt,
            applicationId,
            serviceUserId,
          },
          metadata(episode.facilityId, admittedAt, 'director', serviceUserId),
        ),
      ],
    };
  }

  function exit(episode: Episode, end: number, reoriented: boolean): GeneratedStream {
    const { serviceUserId } = episode.usager;
    const exitReason = reoriented ? 'reoriented' : random.pick(EXIT_REASONS);
    const details = {
      exitDay: isoDay(end),
      exitReason,
      destination: exitReason === 'death' ? 'not-applicable' : random.pick(EXIT_DESTINATIONS),
    };
    const events = [
      event(
        'ExitRecorded',
        { ...details, accompanimentId: episode.accompanimentId, serviceUserId, facilityId: episode.facilityId },
        metadata(episode.facilityId, dayInstant(end), 'socialWorker', serviceUserId),
      ),
    ];
    if (random.chance(0.15)) {
      // a correction of the day (sometimes into another quarter) or of the reason
      const exitDay = Math.min(yearEnd, Math.max(episode.start, end + random.int(-40, 20)));
      events.push(
        event(
          'ExitCorrected',
          {
            accompanimentId: episode.accompanimentId,
            reason: 'Erreur de saisie',
            exit: {
              ...details,
              exitDay: isoDay(exitDay),
              exitReason: random.chance(0.5) ? random.pick(EXIT_REASONS) : details.exitReason,
              destination: 'unknown',
            },
          },
          metadata(episode.facilityId, dayInstant(Math.max(end, exitDay)), 'socialWorker', serviceUserId),
        ),
      );
    }
    return { streamId: accompanimentExitStreamId(organisationId, episode.accompanimentId), events };
  }

  function caarudFollow(usager: Usager, from: number, until: number): CaarudFollow {
    const first = Math.min(Math.max(from, usager.registeredOn), until);
    return { usager, first, last: until, passages: Math.max(1, Math.round(random.next() ** 2 * 90)) };
  }

  // Usage profiles: one per (usager, CSAPA, year), of the year and of the year before
  const firstEpisodeOf = new Map<string, Episode>();
  for (const episode of episodes) {
    if (!firstEpisodeOf.has(episode.usager.serviceUserId)) firstEpisodeOf.set(episode.usager.serviceUserId, episode);
  }
  for (const episode of firstEpisodeOf.values()) {
    const { usager } = episode;
    for (const profileYear of [year - 1, year]) {
      const first = profileYear === year ? Math.max(episode.start, yearStart) : episode.start;
      const last = profileYear === year ? yearEnd : yearStart - 1;
      if (first > last || !random.chance(profileYear === year ? 0.9 : 0.6)) continue;
      const profileId = random.uuid();
      const streamId = usageProfileStreamId(organisationId, usager.serviceUserId, csapa, profileYear);
      const records = random.chance(0.12) ? 2 : 1;
      const events: EventToAppend[] = [];
      let day = random.int(first, Math.min(last, first + 60));
      for (let record = 0; record < records; record++) {
        events.push(
          event(
            'UsageProfileRecorded',
            {
              profileId,
              serviceUserId: usager.serviceUserId,
              facilityId: csapa,
              year: profileYear,
              ...usageProfileFields(usager),
              ...(record > 0 ? { reason: 'Produit principal précisé' } : {}),
            },
            metadata(csapa, instantOn(day, random), 'doctor', usager.serviceUserId),
          ),
        );
        day = Math.min(last, day + random.int(1, 90));
      }
      streams.push({ streamId, events });
    }
  }

  function usageProfileFields(usager: Usager) {
    const population = usager.entourage ? 'entourage' : 'patient';
    const fields = {
      population,
      referral: random.weighted([
        ['self', 4],
        ['family', 1.5],
        ['physician', 2],
        ['hospital', 1],
        ['socialServices', 1],
        ['justice', 2],
        ['csapaCaarud', 0.7],
        ['school', 0.3],
        ['other', 0.3],
        ['unknown', 0.5],
      ] as const),
      housing: random.weighted([
        ['stable', 5],
        ['precarious', 2],
        ['homeless', 1],
        ['institution', 0.5],
        ['prison', 0.3],
        ['unknown', 0.5],
      ] as const),
      income: random.weighted([
        ['employment', 3],
        ['unemploymentBenefit', 1],
        ['minimumIncome', 2],
        ['disabilityAllowance', 1],
        ['pension', 0.5],
        ['other', 0.3],
        ['none', 0.7],
        ['unknown', 0.5],
      ] as const),
    };
    if (usager.entourage) return { ...fields, mainProduct: null, useLevel: null, injection: null };
    const mainProduct = usager.opioids
      ? 'opioids'
      : random.weighted([
          ['alcohol', 5],
          ['tobacco', 1],
          ['cannabis', 3],
          ['cocaine', 1.2],
          ['crack', 0.5],
          ['amphetamines', 0.2],
          ['mdma', 0.2],
          ['hallucinogens', 0.1],
          ['medicines', 0.3],
          ['gambling', 0.4],
          ['screens', 0.3],
          ['other', 0.2],
          [null, 0.3],
        ] as const);
    return {
      ...fields,
      mainProduct,
      useLevel: random.weighted([
        ['use', 1],
        ['harmfulUse', 2],
        ['dependence', 4],
        [null, 0.3],
      ] as const),
      injection: random.weighted([
        ['never', usager.opioids ? 2 : 8],
        ['past', usager.opioids ? 3 : 0.5],
        ['last30days', usager.opioids ? 2 : 0.2],
        [null, 0.4],
      ] as const),
    };
  }

  // The window of an episode within the year, for what happens during it
  const windowOf = (episode: Episode): [number, number] => [
    Math.max(episode.start, yearStart),
    Math.min(episode.end ?? yearEnd, yearEnd),
  ];

  // TSO and other medicines: prescriptions at the CSAPA, dispensations in its ledger
  const ledgerLines = new Map<string, EventToAppend[]>();
  const ledgerLine = (day: number, type: string, data: unknown, serviceUserId: string | undefined) => {
    const month = isoDay(day).slice(0, 7);
    const lines = ledgerLines.get(month) ?? [];
    ledgerLines.set(month, lines);
    lines.push(event(type, data, metadata(csapa, dayInstant(day), 'pharmacist', serviceUserId)));
  };
  for (const episode of episodes) {
    const { usager } = episode;
    if (usager.entourage || episode.weight === 0) continue;
    const [from, to] = windowOf(episode);
    if (from > to) continue;
    const medicines: { product: (typeof TSO_LEDGER_PRODUCTS)[number]; every: number; dispensed: boolean }[] = [];
    if (usager.opioids) {
      const tso = random.weighted([
        [TSO_LEDGER_PRODUCTS[0]!, 0.45],
        [TSO_LEDGER_PRODUCTS[1]!, 0.2],
        [TSO_LEDGER_PRODUCTS[2]!, 0.35],
      ] as const);
      // some take their TSO in a town pharmacy: prescribed here, dispensed elsewhere
      medicines.push({ product: tso, every: random.pick([14, 28]), dispensed: random.chance(0.75) });
    }
    if (random.chance(0.1)) medicines.push({ product: TSO_LEDGER_PRODUCTS[3]!, every: 28, dispensed: true });
    for (const medicine of medicines) {
      for (let day = from + random.int(0, 6); day <= to; day += medicine.every) {
        const prescriptionId = random.uuid();
        const dailyUnits = medicine.product.tsoProduct === 'buprenorphine-hd' ? random.int(1, 2) : random.int(1, 3);
        const prescribedOn = isoDay(day);
        streams.push({
          streamId: prescriptionStreamId(organisationId, prescriptionId),
          events: [
            event(
              'MedicinePrescribed',
              {
                prescriptionId,
                serviceUserId: usager.serviceUserId,
                facilityId: csapa,
                productId: medicine.product.productId,
                productName: medicine.product.productId,
                ...(medicine.product.tsoProduct ? { tsoProduct: medicine.product.tsoProduct } : {}),
                dose: '40 mg',
                posology: `${dailyUnits} par jour`,
                dailyUnits,
                prescribedOn,
                startsOn: prescribedOn,
                durationDays: medicine.every,
                fractionDays: 7,
                overlapAllowed: false,
                prescriber: {
                  professionalId: professionalOf('doctor'),
                  name: 'Dr Médecin',
                  address: 'CSAPA',
                  setting: 'csapa',
                },
              },
              metadata(csapa, instantOn(day, random), 'doctor', usager.serviceUserId),
            ),
          ],
        });
        if (!medicine.dispensed) continue;
        for (let fraction = day; fraction < Math.min(day + medicine.every, to + 1); fraction += 7) {
          const units = dailyUnits * 7;
          ledgerLine(
            fraction,
            'MedicineDispensed',
            {
              lineId: random.uuid(),
              prescriptionId,
              serviceUserId: usager.serviceUserId,
              productId: medicine.product.productId,
              lots: [{ lot: 'LOT-1', units }],
              units,
              presentedOn: isoDay(fraction),
              dispensedOn: isoDay(fraction),
              coversFrom: isoDay(fraction),
              coversTo: isoDay(fraction + 6),
            },
            usager.serviceUserId,
          );
        }
      }
    }
    // screening and other exams
    for (let exam = random.chance(0.45) ? random.int(1, 4) : 0; exam > 0; exam--) {
      const prescriptionId = random.uuid();
      const day = random.int(from, to);
      const category = random.weighted([
        ['hiv-screening', 3],
        ['hcv-screening', 3],
        ['hbv-screening', 2],
        ['urine-drug-screen', 2],
        ['biology', 2],
        ['ecg', 0.5],
      ] as const);
      streams.push({
        streamId: prescriptionStreamId(organisationId, prescriptionId),
        events: [
          event(
            'ExamPrescribed',
            {
              prescriptionId,
              serviceUserId: usager.serviceUserId,
              facilityId: csapa,
              category,
              examCode: category.toUpperCase(),
              examLabel: `Examen ${category}`,
              prescribedOn: isoDay(day),
              dueOn: isoDay(day + 30),
              prescriber: {
                professionalId: professionalOf('doctor'),
                name: 'Dr Médecin',
                address: 'CSAPA',
                setting: 'csapa',
              },
            },
            metadata(csapa, instantOn(day, random), 'doctor', usager.serviceUserId),
          ),
        ],
      });
    }
  }
  for (const [month, lines] of [...ledgerLines].sort(([a], [b]) => a.localeCompare(b))) {
    const opened = dayNumber(`${month}-01`);
    const events = [
      event(
        'LedgerMonthOpened',
        {
          facilityId: csapa,
          month,
          openedOn: isoDay(opened),
          products: TSO_LEDGER_PRODUCTS.map(({ productId, tsoProduct }) => ({
            productId,
            name: productId,
            productClass: tsoProduct === undefined ? 'listed' : 'narcotic',
            unit: 'unité',
            ...(tsoProduct === undefined ? {} : { tsoProduct }),
          })),
          lots: [],
          lastOrdonnancierNumber: 0,
          prescriptions: [],
        },
        metadata(csapa, dayInstant(opened), 'pharmacist'),
      ),
    ];
    lines.sort((a, b) => a.metadata.occurredAt.localeCompare(b.metadata.occurredAt));
    let ordonnancier = 0;
    for (const line of lines) {
      (line.data as { ordonnancierNumber?: number }).ordonnancierNumber = ++ordonnancier;
      events.push(line);
      if (random.chance(0.01)) {
        const { lineId, dispensedOn } = line.data as { lineId: string; dispensedOn: string };
        events.push(
          event(
            'LineCountered',
            { lineId: random.uuid(), counteredLineId: lineId, reason: 'Erreur de saisie', on: dispensedOn },
            metadata(csapa, line.metadata.occurredAt, 'pharmacist'),
          ),
        );
      }
    }
    streams.push({ streamId: pharmacyLedgerStreamId(organisationId, csapa, month), events });
  }

  // CAARUD passages, identified and unidentified
  const visit = (day: number, serviceUserId: string | undefined): GeneratedStream => {
    const visitId = random.uuid();
    const setting = random.weighted([
      ['premises', 5],
      ['mobileUnit', 2],
      ['street', 1.5],
      ['festiveEvent', 0.7],
      ['partnerPharmacy', 0.5],
      ['other', 0.3],
    ] as const);
    const rapidTests = random.chance(0.04)
      ? ['hiv', 'hcv', 'hbv']
          .filter(() => random.chance(0.6))
          .map((test) =>
            random.weighted([
              [{ test, result: 'negative' }, 10],
              [{ test, result: 'positive' }, 0.5],
              [{ test, result: 'invalid' }, 0.2],
              [{ test, result: 'notGiven' }, 0.2],
            ] as const),
          )
      : [];
    const services = [
      ['reception', 0.8],
      ['hygiene', 0.15],
      ['meal', 0.3],
      ['harmReductionAdvice', 0.5],
      ['socialSupport', 0.1],
      ['care', 0.08],
      ['referral', 0.05],
      ['other', 0.02],
    ]
      .filter(([, p]) => random.chance(p as number))
      .map(([service]) => service as string);
    if (rapidTests.length > 0) services.push('screening');
    const details = {
      occurredOn: isoDay(day),
      setting,
      services,
      supplies: supplies(),
      syringesCollected: random.chance(0.3) ? random.int(1, 60) : 0,
      rapidTests,
    };
    const data =
      serviceUserId === undefined
        ? {
            visitId,
            facilityId: caarud,
            ...details,
            anonymous: {
              ...(random.chance(0.8) ? { sex: random.pick(['F', 'M', 'X'] as const) } : {}),
              ...(random.chance(0.7) ? { ageBand: random.pick(['18-24', '25-34', '35-44', '45-54', '55-plus']) } : {}),
            },
          }
        : { visitId, facilityId: caarud, ...details, serviceUserId };
    const events = [event('VisitRecorded', data, metadata(caarud, instantOn(day, random), 'educator', serviceUserId))];
    if (random.chance(0.04)) {
      const moved = Math.min(yearEnd, Math.max(previousYearStart, day + random.int(-20, 3)));
      const correction = random.pick(['day', 'setting', 'supplies'] as const);
      events.push(
        event(
          'VisitCorrected',
          {
            visitId,
            reason: 'Erreur de saisie',
            ...(correction === 'day' ? { occurredOn: isoDay(moved) } : {}),
            ...(correction === 'setting' ? { setting: 'street' } : {}),
            ...(correction === 'supplies' ? { supplies: supplies(), syringesCollected: random.int(0, 10) } : {}),
          },
          metadata(caarud, dayInstant(Math.max(day, moved)), 'educator', serviceUserId),
        ),
      );
    }
    if (random.chance(0.02)) {
      events.push(
        event(
          'VisitCancelled',
          { visitId, reason: 'Passage saisi deux fois' },
          metadata(caarud, dayInstant(day + 1), 'educator', serviceUserId),
        ),
      );
    }
    return { streamId: visitStreamId(organisationId, visitId), events };
  };
  function supplies() {
    if (!random.chance(0.6)) return [];
    const codes = new Set(Array.from({ length: random.int(1, 3) }, () => random.pick(SUPPLY_CODES)));
    return [...codes].map((supplyCode) => ({ supplyCode, quantity: random.int(1, 30) }));
  }
  for (const follow of follows) {
    // a share of the regulars came the year before too: not new this year
    const from = follow.first < yearStart && random.chance(0.6) ? follow.first : Math.max(follow.first, yearStart);
    for (let passage = 0; passage < follow.passages; passage++) {
      streams.push(visit(random.int(from, follow.last), follow.usager.serviceUserId));
    }
  }
  const identifiedPassages = follows.reduce((sum, follow) => sum + follow.passages, 0);
  for (let passage = Math.round(identifiedPassages * 0.35); passage > 0; passage--) {
    streams.push(visit(random.int(yearStart, yearEnd), undefined));
  }
  // syringes collected outside passages: collection boxes weekly, partner pharmacies monthly
  for (let day = yearStart + 2; day <= yearEnd; day += 7) {
    for (const source of ['collectionBox', ...(day % 28 < 7 ? ['partnerPharmacy'] : [])]) {
      const collectionId = random.uuid();
      const events = [
        event(
          'SyringesCollected',
          { collectionId, facilityId: caarud, collectedOn: isoDay(day), source, quantity: random.int(20, 400) },
          metadata(caarud, dayInstant(day), 'educator'),
        ),
      ];
      if (random.chance(0.05)) {
        events.push(
          event(
            'SyringeCollectionCancelled',
            { collectionId, reason: 'Collecte saisie deux fois' },
            metadata(caarud, dayInstant(day + 1), 'educator'),
          ),
        );
      }
      streams.push({ streamId: syringeCollectionStreamId(organisationId, collectionId), events });
    }
  }

  /**
   * Submissions sent late in the evening (Paris) on the last day of the first quarter and of the
   * year and accepted after midnight, given to the first documents that can take them: the DMP's
   * day, not the request's, puts them in the second quarter or out of the year. (One on 30 June
   * as well would hide a count by the request's day in the second quarter: one in, one out.)
   */
  const dmpAnsweredAfterMidnight: [string, string][] = [
    [`${year}-03-31T21:50:00Z`, `${year}-03-31T22:10:00Z`],
    [`${year}-12-31T22:50:00Z`, `${year}-12-31T23:10:00Z`],
  ];

  // documents, their sending to the DMP and by MSSanté, and portal use
  for (const usager of usagers) {
    const documents = storedDocuments(usager);
    if (!usager.anonymous) {
      feedDmp(usager, documents);
      sendSecureMessages(usager, documents);
    }
    if (usager.anonymous || !random.chance(0.15)) continue;
    const facilityId = usager.registeredIn;
    const accountId = random.uuid();
    const invitedOn = Math.max(usager.registeredOn, yearStart - 30);
    const invitedAt = instantOn(invitedOn, random);
    const events = [
      event(
        'PortalAccountInvited',
        {
          accountId,
          login: `usager-${accountId.slice(0, 8)}`,
          serviceUserId: usager.serviceUserId,
          facilityId,
          holder: 'service-user',
          invitationDigest: random.hex(64),
          expiresAt: instantOn(invitedOn + 7, random),
          invitedBy: professionalOf('secretary'),
          at: invitedAt,
        },
        metadata(facilityId, invitedAt, 'secretary', usager.serviceUserId),
      ),
    ];
    const logins = random.int(1, 20);
    const loginDays = Array.from({ length: logins }, () => random.int(invitedOn + 1, yearEnd)).sort((a, b) => a - b);
    for (const day of loginDays) {
      const at = instantOn(day, random);
      events.push(
        event(
          'PortalLoginSucceeded',
          { accountId, totpStep: Math.floor(Date.parse(at) / 30_000), at },
          {
            organisationId,
            facilityId,
            actor: { kind: 'serviceUser', id: accountId },
            occurredAt: at,
            serviceUserId: usager.serviceUserId,
          },
        ),
      );
    }
    streams.push({ streamId: portalAccountStreamId(organisationId, accountId), events });
  }

  function storedDocuments(usager: Usager): StoredDocument[] {
    const facilityId = usager.registeredIn;
    const documents: StoredDocument[] = [];
    for (let count = random.chance(0.6) ? random.int(1, 3) : 0; count > 0; count--) {
      const documentId = random.uuid();
      const storedOn = random.int(usager.registeredOn, yearEnd);
      const storedAt = instantOn(storedOn, random);
      const kind = random.pick(['medicalReport', 'examResult', 'letter', 'administrative']);
      const stream: GeneratedStream = {
        streamId: documentStreamId(organisationId, documentId),
        events: [
          event(
            'DocumentStored',
            {
              documentId,
              serviceUserId: usager.serviceUserId,
              facilityId,
              kind,
              title: 'Document',
              sensitivity: 'medical',
              source: 'uploaded',
              authorId: professionalOf('doctor'),
              storedAt,
              version: documentVersion(1),
            },
            metadata(facilityId, storedAt, 'doctor', usager.serviceUserId),
          ),
        ],
      };
      streams.push(stream);
      documents.push({ documentId, facilityId, kind, storedOn, stream });
    }
    return documents;
  }

  function documentVersion(version: number) {
    return {
      version,
      contentSha256: random.hex(64),
      byteLength: random.int(1_000, 900_000),
      mediaType: 'application/pdf',
      fileName: 'document.pdf',
    };
  }

  /**
   * A qualified usager's health documents sent to their DMP by the ESSMS that holds them, as the
   * shell records it (service-user-dmp.ts): each request, then the DMP's answer, in one stream per
   * usager in the order they happened. Most are accepted at once; some refused; some never
   * answered; some accepted days later, when the request was retried after the DMP failed to
   * answer (sometimes after a period's end); a few replaced by a new version of the document. A
   * few usagers are opposed to their DMP being fed: nothing of theirs is sent.
   */
  function feedDmp(usager: Usager, documents: readonly StoredDocument[]): void {
    const { qualifiedOn, serviceUserId } = usager;
    if (qualifiedOn === undefined) return;
    // the day after both the document and the qualification, within the year
    const sendable = documents.filter(
      (document) => DMP_DOCUMENT_KINDS.includes(document.kind) && Math.max(document.storedOn, qualifiedOn) < yearEnd,
    );
    if (sendable.length === 0) return;
    const streamId = serviceUserDmpStreamId(organisationId, serviceUserId);
    const facilityId = usager.registeredIn;
    if (random.chance(0.06)) {
      const expressedOn = random.int(qualifiedOn, yearEnd);
      const recordedAt = instantOn(expressedOn, random);
      const opposition = {
        serviceUserId,
        facilityId,
        expressedOn: isoDay(expressedOn),
        recordedBy: professionalOf('secretary'),
        recordedAt,
      };
      const events = [
        event('DmpOppositionRecorded', opposition, metadata(facilityId, recordedAt, 'secretary', serviceUserId)),
      ];
      streams.push({ streamId, events });
      return;
    }
    const moments: { at: string; events: EventToAppend[] }[] = [];
    for (const document of sendable) {
      if (!random.chance(0.85)) continue;
      const first = Math.max(document.storedOn, qualifiedOn) + 1;
      const late = dmpAnsweredAfterMidnight.findIndex(([requestedAt]) => dayNumber(requestedAt.slice(0, 10)) >= first);
      const [requestedAt, answeredAt] =
        late >= 0
          ? dmpAnsweredAfterMidnight.splice(late, 1)[0]!
          : [instantOn(random.int(first, Math.min(first + 30, yearEnd)), random), undefined];
      const submission = dmpSubmission(serviceUserId, document, moments, { version: 1, requestedAt, answeredAt });
      if (submission === undefined || !random.chance(0.12)) continue;
      // a new version of the document, which replaces the one in the DMP (RPLC)
      const acceptedOn = dayNumber(submission.acceptedAt.slice(0, 10));
      if (acceptedOn >= yearEnd - 1) continue;
      const addedAt = instantOn(random.int(acceptedOn + 1, yearEnd), random);
      const authorId = professionalOf('doctor');
      document.stream.events.push(
        event(
          'DocumentVersionAdded',
          { documentId: document.documentId, version: documentVersion(2), authorId, addedAt },
          metadata(document.facilityId, addedAt, 'doctor', serviceUserId),
        ),
      );
      const replacement = { version: 2, requestedAt: later(addedAt, 60_000), replaced: submission };
      dmpSubmission(serviceUserId, document, moments, replacement);
    }
    if (moments.length === 0) return;
    moments.sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
    const checkedAt = moments[0]!.at;
    const check = {
      facilityId,
      checkedBy: professionalOf('doctor'),
      checkedAt,
      dmpExists: true,
      authorisation: 'valid',
    };
    const events = [event('DmpAccessChecked', check, metadata(facilityId, checkedAt, 'doctor', serviceUserId))];
    streams.push({ streamId, events: [...events, ...moments.flatMap((moment) => moment.events)] });
  }

  /** One submission and the DMP's answer, if any; the accepted one, for a replacement of it. */
  function dmpSubmission(
    serviceUserId: string,
    document: StoredDocument,
    moments: { at: string; events: EventToAppend[] }[],
    request: {
      version: number;
      requestedAt: string;
      /** Accepted then, whatever else would have happened. */
      answeredAt?: string | undefined;
      replaced?: { submissionId: string; entryUuid: string };
    },
  ): { submissionId: string; entryUuid: string; acceptedAt: string } | undefined {
    const { version, requestedAt, replaced } = request;
    const { facilityId } = document;
    const meta = (at: string) => metadata(facilityId, at, 'doctor', serviceUserId);
    const submissionId = random.uuid();
    const requested = {
      submissionId,
      serviceUserId,
      facilityId,
      documentId: document.documentId,
      version,
      masking: {
        hiddenFromProfessionals: false,
        hiddenFromPatient: document.kind === 'examResult' && random.chance(0.1),
        hiddenFromLegalRepresentatives: false,
      },
      requestedBy: professionalOf('doctor'),
      requestedAt,
      ...(replaced === undefined ? {} : { replaces: replaced }),
    };
    moments.push({ at: requestedAt, events: [event('DmpSubmissionRequested', requested, meta(requestedAt))] });
    // a replacement is answered at once: the generator keeps "no other replacement pending" simple
    const answer =
      replaced === undefined && request.answeredAt === undefined
        ? random.weighted([
            ['accepted', 85],
            ['acceptedOnRetry', 5],
            ['refused', 6],
            ['none', 4],
          ] as const)
        : 'accepted';
    if (answer === 'none') return undefined;
    const answeredAt =
      request.answeredAt ??
      (answer === 'acceptedOnRetry'
        ? later(requestedAt, random.int(1, 3) * DAY_MS + random.int(0, 3_600_000))
        : later(requestedAt, random.int(2_000, 40_000)));
    if (answer === 'refused') {
      const refusal = {
        submissionId,
        code: random.pick(['XDSRegistryMetadataError', 'XDSUnknownPatientId']),
        label: 'Envoi refusé par le DMP',
        refusedAt: answeredAt,
      };
      moments.push({ at: answeredAt, events: [event('DmpSubmissionRefused', refusal, meta(answeredAt))] });
      return undefined;
    }
    const entryUuid = `urn:uuid:${random.uuid()}`;
    const accepted = {
      submissionId,
      entryUuid,
      uniqueId: `1.2.250.1.999.1.${random.int(1, 9_999_999)}`,
      acceptedAt: answeredAt,
    };
    const events = [event('DmpSubmissionAccepted', accepted, meta(answeredAt))];
    if (replaced !== undefined) {
      const replacement = { submissionId: replaced.submissionId, replacedBy: submissionId, replacedAt: answeredAt };
      events.push(event('DmpSubmissionReplaced', replacement, meta(answeredAt)));
    }
    moments.push({ at: answeredAt, events });
    return { submissionId, entryUuid, acceptedAt: answeredAt };
  }

  /**
   * Documents of an identified usager sent by MSSanté from the ESSMS that holds them, to one or two
   * professionals and, for a qualified identity, sometimes to the usager's Mon espace santé; the
   * INS goes with them only for a qualified identity. The recipients' servers and systems answer
   * (delivered, then read, for some); a few messages never left (the server unavailable).
   */
  function sendSecureMessages(usager: Usager, documents: readonly StoredDocument[]): void {
    const { serviceUserId } = usager;
    for (const document of documents) {
      if (!(document.kind in EXCHANGED_DOCUMENT_TYPES) || document.storedOn >= yearEnd || !random.chance(0.4)) {
        continue;
      }
      const day = random.int(document.storedOn + 1, Math.min(document.storedOn + 45, yearEnd));
      const at = instantOn(day, random);
      const qualified = usager.qualifiedOn !== undefined && usager.qualifiedOn < day;
      const professionals = new Set(
        Array.from({ length: random.chance(0.2) ? 2 : 1 }, () => random.pick(PROFESSIONAL_MAILBOXES)),
      );
      const recipients: SecureMessageRecipient[] = [...professionals].map((address) => ({
        address,
        kind: 'professional',
      }));
      if (qualified && random.chance(0.3)) {
        recipients.push({ address: `${usager.ins}@patient.mssante.fr`, kind: 'serviceUser' });
      }
      const attached = [document];
      const another = documents.find(
        (other) => other !== document && other.kind in EXCHANGED_DOCUMENT_TYPES && other.storedOn < day,
      );
      if (another !== undefined && random.chance(0.2)) attached.push(another);
      const messageId = random.uuid();
      const fields = {
        messageId,
        internetMessageId: `<${messageId}@dui.exemple.mssante.fr>`,
        serviceUserId,
        facilityId: document.facilityId,
        from: `secretariat.${document.facilityId}@og.exemple.mssante.fr`,
        recipients,
        documents: attached.map(({ documentId, kind }) => ({
          documentId,
          version: 1,
          title: 'Compte rendu',
          typeCode: EXCHANGED_DOCUMENT_TYPES[kind]!,
        })),
        insIncluded: qualified,
        sentBy: professionalOf('doctor'),
      };
      const meta = metadata(document.facilityId, at, 'doctor', serviceUserId);
      const streamId = sentSecureMessageStreamId(organisationId, messageId);
      if (random.chance(0.03)) {
        const failed = { ...fields, failedAt: at, reason: 'unavailable' };
        streams.push({ streamId, events: [event('SecureMessageSendingFailed', failed, meta)] });
        continue;
      }
      const events = [event('SecureMessageSent', { ...fields, sentAt: at }, meta)];
      for (const { address } of recipients) {
        if (random.chance(0.9))
          events.push(
            acknowledgement(messageId, address, 'delivered', later(at, 60_000), document.facilityId, serviceUserId),
          );
        if (random.chance(0.4)) {
          events.push(
            acknowledgement(
              messageId,
              address,
              'displayed',
              later(at, random.int(1, 48) * 3_600_000),
              document.facilityId,
              serviceUserId,
            ),
          );
        }
      }
      streams.push({ streamId, events });
    }
  }

  function acknowledgement(
    messageId: string,
    recipient: string,
    kind: AcknowledgementKind,
    receivedAt: string,
    facilityId: string,
    serviceUserId: string,
  ): EventToAppend {
    const acknowledgementId = `<${random.uuid()}@mx.exemple.mssante.fr>`;
    const source = kind === 'delivered' ? 'dsn' : 'mdn';
    return event(
      'SecureMessageAcknowledged',
      { messageId, recipient, kind, source, acknowledgementId, receivedAt },
      {
        organisationId,
        facilityId,
        actor: { kind: 'system', id: 'mssante-inbox' },
        occurredAt: receivedAt,
        serviceUserId,
      },
    );
  }

  // acts: collective sessions, the CAARUD's nurse's, some around midnight UTC, then individual
  // acts until the year holds `targetEvents` (an act comes with its correction or cancellation)
  streams.push(...collectiveSessions());
  const weighted = episodes.filter((episode) => episode.weight > 0 && windowOf(episode)[0] <= windowOf(episode)[1]);
  const cumulative: number[] = [];
  let total = 0;
  for (const episode of weighted) {
    total += episode.weight;
    cumulative.push(total);
  }
  const episodeAt = () => {
    const draw = random.next() * total;
    let low = 0;
    let high = cumulative.length - 1;
    while (low < high) {
      const middle = (low + high) >> 1;
      if (cumulative[middle]! > draw) high = middle;
      else low = middle + 1;
    }
    return weighted[low]!;
  };
  for (const follow of follows.slice(0, 60)) {
    streams.push(act(follow.usager.serviceUserId, caarud, instantOn(random.int(follow.first, follow.last), random)));
  }
  const boundaries = [
    `${year - 1}-12-31T23:30:00Z`,
    `${year}-03-31T22:30:00Z`,
    `${year}-06-30T22:30:00Z`,
    `${year}-12-31T23:30:00Z`,
  ];
  for (const [index, performedAt] of boundaries.entries()) {
    const episode = weighted[index * 7]!;
    streams.push(act(episode.usager.serviceUserId, episode.facilityId, performedAt, false));
  }
  let written = streams.reduce((sum, stream) => sum + stream.events.length, 0);
  while (weighted.length > 0 && written < targetEvents) {
    const episode = episodeAt();
    const [from, to] = windowOf(episode);
    // a few acts of the year before, for those followed then
    const before = episode.start < yearStart && random.chance(0.04);
    const day = before ? random.int(Math.max(episode.start, yearStart - 60), yearStart - 1) : random.int(from, to);
    const individual = act(episode.usager.serviceUserId, episode.facilityId, instantOn(day, random));
    streams.push(individual);
    written += individual.events.length;
  }

  function act(
    serviceUserId: string,
    facilityId: string,
    performedAt: string,
    amend = true,
    interventionId?: string,
  ): GeneratedStream {
    const actId = random.uuid();
    const type = interventionId
      ? {
          profession: random.pick(['educator', 'psychologist'] as const),
          code: 'groupe-parole',
          label: 'Groupe de parole',
          sensitivity: 'social' as const,
        }
      : facilityId === caarud
        ? ACT_TYPES[1]!
        : random.weighted(ACT_TYPES.map((type, index) => [type, [2, 3, 2, 1.5, 2][index]!] as const));
    const meta = (at: string) => metadata(facilityId, at, type.profession, serviceUserId);
    const events = [
      event(
        'ActRecorded',
        {
          actId,
          serviceUserId,
          facilityId,
          actType: { code: type.code, label: type.label, sensitivity: type.sensitivity },
          performedBy: { professionalId: professionalOf(type.profession), profession: type.profession },
          performedAt,
          durationMinutes: random.int(10, 90),
          ...(interventionId ? { interventionId } : {}),
        },
        meta(performedAt),
      ),
    ];
    if (amend && random.chance(0.03)) {
      // the time corrected, sometimes by weeks (into another quarter), or the duration only
      const moved = new Date(
        Math.min(Date.parse(`${year}-12-31T12:00:00Z`), Date.parse(performedAt) + random.int(-40, 5) * DAY_MS),
      ).toISOString();
      events.push(
        event(
          'ActCorrected',
          {
            actId,
            reason: 'Erreur de date',
            ...(random.chance(0.6) ? { performedAt: moved } : { durationMinutes: random.int(10, 120) }),
          },
          meta(performedAt),
        ),
      );
    }
    if (amend && random.chance(0.02)) {
      events.push(event('ActCancelled', { actId, reason: 'Usager erroné' }, meta(performedAt)));
    }
    return { streamId: actStreamId(organisationId, actId), events };
  }

  function collectiveSessions(): GeneratedStream[] {
    const sessionsStreams: GeneratedStream[] = [];
    for (let day = yearStart + 3; day <= yearEnd; day += 7) {
      const present = episodes.filter(
        (episode) => episode.weight > 0 && episode.start <= day && (episode.end ?? yearEnd) >= day,
      );
      const interventionId = random.uuid();
      const performedAt = instantOn(day, random);
      const participants = new Set(Array.from({ length: random.int(3, 9) }, () => random.pick(present)));
      for (const episode of participants) {
        sessionsStreams.push(act(episode.usager.serviceUserId, csapa, performedAt, true, interventionId));
      }
    }
    return sessionsStreams;
  }

  return streams;
}

/** Events per append: a bigger stream (a ledger month) goes in several appends, in order. */
const EVENTS_PER_APPEND = 500;

/**
 * Appends a generated year to a store, `writers` streams at a time: the store batches concurrent
 * appends into one statement, which is what makes 200,000 events take seconds, not minutes.
 */
export async function appendActivityYear(
  store: Pick<EventStore<never>, 'appendToStream'> | Pick<EventStore<unknown>, 'appendToStream'>,
  streams: readonly GeneratedStream[],
  writers = 8,
): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: writers }, async () => {
      // taking the index before any await keeps two writers from taking the same stream
      for (let index = next++; index < streams.length; index = next++) {
        const { streamId, events } = streams[index]!;
        for (let from = 0; from < events.length; from += EVENTS_PER_APPEND) {
          await store.appendToStream(streamId, events.slice(from, from + EVENTS_PER_APPEND), {
            expectedRevision: from === 0 ? 'noStream' : from - 1,
          });
        }
      }
    }),
  );
}
