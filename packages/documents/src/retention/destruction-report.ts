import { FrenchPdf, frenchDay, frenchLongDay, frenchMoment, type TableColumn } from '../pdf/french-pdf.js';
import { frenchCsv } from '../pharmacy/csv.js';

/**
 * One record destroyed at the end of its retention. The report outlives the data it describes, so
 * it holds no personal data: the record is named by its id only.
 */
export interface DestroyedRecordLine {
  /** The record's id (a UUID in practice), never a name. */
  serviceUserId: string;
  /** FINESS of the ESSMS that held the record. */
  facilityIds: readonly string[];
  /** ISO instant. */
  destroyedAt: string;
  /** ISO day. */
  lastContactOn: string;
  /** ISO day; none when the usager never stayed. */
  lastStayEndedOn?: string | null;
  holdsMedicalData: boolean;
  /** ISO day. */
  destructionDueOn: string;
  rule: { dataClass: 'medical' | 'social'; legalSource: string; frenchLabel: string };
  documentsPurged: number;
  blobsPurged: number;
  readModelRowsPurged: number;
}

/** A record whose destruction is due but stopped by one or more legal holds. */
export interface SuspendedDestructionLine {
  serviceUserId: string;
  /** ISO day. */
  destructionDueOn: string;
  activeLegalHolds: number;
}

/** What the organisation destroyed over a period, for its DPO (délégué à la protection des données). */
export interface DestructionReport {
  organisation: { id: string; name?: string };
  /** ISO days, both included. */
  period: { from: string; to: string };
  /** ISO instant. */
  generatedAt: string;
  destroyed: readonly DestroyedRecordLine[];
  /** Destructions due but stopped by a legal hold. */
  suspended: readonly SuspendedDestructionLine[];
}

const TITLE = 'Rapport de destruction des dossiers arrivés au terme de leur durée de conservation';
const FOOTER = 'Rapport de destruction pour le délégué à la protection des données — sans donnée personnelle';
const EMPTY_PERIOD = 'Aucun dossier détruit sur la période.';
const NO_SUSPENSION = 'Aucune destruction suspendue par un gel juridique à la date du rapport.';

/**
 * A record id as the API takes it (letters, digits, `_ . : -`; a UUID in practice): never a name
 * with its spaces, the guarantee that no name slipped into the report.
 */
const RECORD_ID = /^[\w.:-]{1,200}$/;

const DATA_CLASS_LABELS: Readonly<Record<DestroyedRecordLine['rule']['dataClass'], string>> = {
  medical: 'Données de santé',
  social: 'Données sociales',
};
/** The same, short enough for a table cell. */
const DATA_CLASS_SHORT_LABELS: Readonly<Record<DestroyedRecordLine['rule']['dataClass'], string>> = {
  medical: 'Santé',
  social: 'Social',
};

/** Widths in points (of 742 in landscape): an ESSMS and its FINESS hold on one line. */
const DESTROYED_COLUMNS: readonly TableColumn[] = [
  { header: 'N°', width: 20, align: 'right' },
  { header: 'Dossier', width: 46 },
  { header: 'ESSMS', width: 170 },
  { header: 'Données de santé', width: 44, align: 'center' },
  { header: 'Dernier contact', width: 50 },
  { header: 'Fin du dernier séjour', width: 50 },
  { header: 'Échéance de destruction', width: 56 },
  { header: 'Détruit le', width: 76 },
  { header: 'Règle', width: 68 },
  { header: 'Documents purgés', width: 52, align: 'right' },
  { header: 'Fichiers purgés', width: 50, align: 'right' },
  { header: 'Lignes des vues purgées', width: 50, align: 'right' },
];

const SUSPENDED_COLUMNS: readonly TableColumn[] = [
  { header: 'N°', width: 3, align: 'right' },
  { header: 'Dossier (identifiant complet)', width: 30 },
  { header: 'Échéance de destruction', width: 15 },
  { header: 'Gels juridiques en cours', width: 15, align: 'right' },
];

/** Full ids side by side, a number and an id per pair: the annex stays short for a long report. */
const IDS_PER_ROW = 3;
const ID_COLUMNS: readonly TableColumn[] = Array.from({ length: IDS_PER_ROW }, () => [
  { header: 'N°', width: 3, align: 'right' as const },
  { header: 'Identifiant complet du dossier', width: 20 },
]).flat();

/**
 * The end-of-retention destruction report as a French A4 landscape PDF: the method and its legal
 * grounds, a summary, one line per destroyed record (named by its id only), the rules applied, the
 * destructions suspended by a legal hold, and the full ids; the organisation on every page.
 * `facilityNames` gives the ESSMS' names by FINESS, where known.
 */
export async function destructionReportPdf(
  report: DestructionReport,
  facilityNames: Readonly<Record<string, string>> = {},
): Promise<Buffer> {
  assertNoPersonalData(report);
  const organisation = organisationName(report.organisation);
  const period = `du ${frenchLongDay(report.period.from)} au ${frenchLongDay(report.period.to)}`;
  const generatedAt = new Date(report.generatedAt);
  const destroyed = sortedDestroyed(report.destroyed);
  const suspended = sortedSuspended(report.suspended);
  const rules = distinctRules(destroyed);

  const pdf = new FrenchPdf(
    { title: TITLE, subject: `${TITLE}, ${period}`, author: organisation, createdAt: generatedAt },
    FOOTER,
    {
      pageHeader: [
        organisation,
        `Organisation ${report.organisation.id} — rapport de destruction de la période ${period}`,
      ],
      layout: 'landscape',
    },
  ).title(TITLE, [
    `Organisation : ${organisation} (${report.organisation.id})`,
    `Période ${period} inclus`,
    `Établi le ${frenchLongDay(generatedAt)} à ${parisTime(generatedAt)}`,
  ]);

  pdf.section('Méthode de destruction');
  pdf.paragraph(
    'La destruction est un effacement cryptographique (crypto-shredding) : les données personnelles de chaque ' +
      'usager sont chiffrées avec une clé qui lui est propre, et c’est cette clé qui est détruite, ce qui rend ' +
      'illisible toute copie de ses données, où qu’elle se trouve. Les documents et fichiers du dossier sont ' +
      'purgés du stockage et les lignes des vues de lecture qui le concernent sont supprimées. Sont conservés : ' +
      'le journal des événements, chaîné par empreintes, dont l’intégrité reste vérifiable, et les statistiques ' +
      'anonymes d’activité. Ce rapport ne contient aucune donnée personnelle : un dossier n’y est désigné que par ' +
      'son identifiant.',
  );
  pdf.paragraph(
    'Durées de conservation : pour les données de santé, vingt ans après le dernier séjour (article R.1112-7 du ' +
      'code de la santé publique) ; pour les données sociales et administratives, deux ans après le dernier ' +
      'contact puis un archivage intermédiaire (référentiel de la CNIL relatif à l’accompagnement social et ' +
      'médico-social). Une destruction arrivée à échéance est suspendue tant qu’un gel juridique est en cours.',
  );

  pdf.section('Synthèse');
  const medical = destroyed.filter((line) => line.holdsMedicalData).length;
  pdf.field('Dossiers détruits', String(destroyed.length));
  pdf.field('dont dossiers comportant des données de santé', String(medical));
  pdf.field('Documents purgés', String(sum(destroyed, 'documentsPurged')));
  pdf.field('Fichiers purgés', String(sum(destroyed, 'blobsPurged')));
  pdf.field('Lignes des vues de lecture purgées', String(sum(destroyed, 'readModelRowsPurged')));
  pdf.field('Destructions suspendues par un gel juridique', String(suspended.length));

  pdf.section('Dossiers détruits');
  if (destroyed.length === 0) pdf.note(EMPTY_PERIOD);
  else {
    pdf.table(
      DESTROYED_COLUMNS,
      destroyed.map((line, index) => [
        String(index + 1),
        shortId(line.serviceUserId),
        line.facilityIds.map((facilityId) => essms(facilityId, facilityNames)).join('\n') || '—',
        line.holdsMedicalData ? 'Oui' : 'Non',
        frenchDay(line.lastContactOn),
        line.lastStayEndedOn ? frenchDay(line.lastStayEndedOn) : '—',
        frenchDay(line.destructionDueOn),
        frenchMoment(new Date(line.destroyedAt)),
        `${DATA_CLASS_SHORT_LABELS[line.rule.dataClass]} — règle ${rules.numberOf(line.rule)}`,
        String(line.documentsPurged),
        String(line.blobsPurged),
        String(line.readModelRowsPurged),
      ]),
    );
    pdf.note(
      'Dossier : les huit premiers caractères de l’identifiant ; l’identifiant complet figure en annexe et dans ' +
        'l’export CSV. Heures en heure de Paris.',
    );

    pdf.section('Règles de conservation appliquées');
    rules.list.forEach((rule, index) => {
      pdf.bullet(`Règle ${index + 1} — ${rule.frenchLabel}`, rule.legalSource);
    });
  }

  pdf.section('Destructions suspendues par un gel juridique');
  if (suspended.length === 0) pdf.note(NO_SUSPENSION);
  else {
    pdf.note(
      'Ces dossiers ont atteint leur échéance de destruction mais sont conservés tant qu’un gel juridique ' +
        '(contentieux, réquisition) est en cours ; ils seront détruits à la levée du dernier gel.',
    );
    pdf.table(
      SUSPENDED_COLUMNS,
      suspended.map((line, index) => [
        String(index + 1),
        line.serviceUserId,
        frenchDay(line.destructionDueOn),
        String(line.activeLegalHolds),
      ]),
    );
  }

  if (destroyed.length > 0) {
    pdf.section('Annexe : identifiants complets des dossiers détruits');
    const rows: string[][] = [];
    for (let start = 0; start < destroyed.length; start += IDS_PER_ROW) {
      rows.push(
        Array.from({ length: IDS_PER_ROW }, (_, offset) => {
          const line = destroyed[start + offset];
          return line ? [String(start + offset + 1), line.serviceUserId] : ['', ''];
        }).flat(),
      );
    }
    pdf.table(ID_COLUMNS, rows);
  }
  return pdf.end();
}

const CSV_HEADERS = [
  'Statut',
  'Identifiant du dossier',
  'ESSMS (FINESS)',
  'Données de santé',
  'Dernier contact',
  'Fin du dernier séjour',
  'Échéance de destruction',
  'Détruit le',
  'Catégorie de données',
  'Règle',
  'Source légale',
  'Documents purgés',
  'Fichiers purgés',
  'Lignes des vues purgées',
  'Gels juridiques en cours',
];

/**
 * The same report as a CSV for a spreadsheet (`;`, UTF-8 with its BOM, like the pharmacy's): one row
 * per destroyed record with its full id, then one per destruction suspended by a legal hold.
 */
export function destructionReportCsv(report: DestructionReport): string {
  assertNoPersonalData(report);
  const destroyed = sortedDestroyed(report.destroyed).map((line) => [
    'Détruit',
    line.serviceUserId,
    line.facilityIds.join(', '),
    line.holdsMedicalData ? 'Oui' : 'Non',
    frenchDay(line.lastContactOn),
    line.lastStayEndedOn ? frenchDay(line.lastStayEndedOn) : null,
    frenchDay(line.destructionDueOn),
    frenchMoment(new Date(line.destroyedAt)),
    DATA_CLASS_LABELS[line.rule.dataClass],
    line.rule.frenchLabel,
    line.rule.legalSource,
    line.documentsPurged,
    line.blobsPurged,
    line.readModelRowsPurged,
    null,
  ]);
  const suspended = sortedSuspended(report.suspended).map((line) => [
    'Destruction suspendue (gel juridique)',
    line.serviceUserId,
    null,
    null,
    null,
    null,
    frenchDay(line.destructionDueOn),
    null,
    null,
    null,
    null,
    null,
    null,
    null,
    line.activeLegalHolds,
  ]);
  return frenchCsv(CSV_HEADERS, [...destroyed, ...suspended]).toString('utf8');
}

/**
 * A report is kept after the data is gone: a name where an id belongs would survive the destruction
 * it reports, so anything but an identifier is refused.
 */
function assertNoPersonalData(report: DestructionReport): void {
  for (const line of [...report.destroyed, ...report.suspended]) {
    if (!RECORD_ID.test(line.serviceUserId))
      throw new Error('A destruction report names a record by its id only, never by anything else.');
  }
}

function organisationName(organisation: DestructionReport['organisation']): string {
  return organisation.name?.trim() || `Organisation ${organisation.id}`;
}

function essms(facilityId: string, names: Readonly<Record<string, string>>): string {
  const name = names[facilityId];
  return name ? `${name} (FINESS ${facilityId})` : `FINESS ${facilityId}`;
}

function shortId(serviceUserId: string): string {
  return serviceUserId.slice(0, 8);
}

/** In the order of destruction, so that the report reads as the job ran; the id breaks ties. */
function sortedDestroyed(lines: readonly DestroyedRecordLine[]): DestroyedRecordLine[] {
  return [...lines].sort(
    (a, b) => Date.parse(a.destroyedAt) - Date.parse(b.destroyedAt) || compare(a.serviceUserId, b.serviceUserId),
  );
}

/** The longest overdue first. */
function sortedSuspended(lines: readonly SuspendedDestructionLine[]): SuspendedDestructionLine[] {
  return [...lines].sort(
    (a, b) => compare(a.destructionDueOn, b.destructionDueOn) || compare(a.serviceUserId, b.serviceUserId),
  );
}

/** The rules applied, once each, numbered in order of first use. */
function distinctRules(lines: readonly DestroyedRecordLine[]) {
  const key = (rule: DestroyedRecordLine['rule']) =>
    `${rule.dataClass}\u0000${rule.frenchLabel}\u0000${rule.legalSource}`;
  const numbers = new Map<string, number>();
  const list: DestroyedRecordLine['rule'][] = [];
  for (const { rule } of lines) {
    if (numbers.has(key(rule))) continue;
    list.push(rule);
    numbers.set(key(rule), list.length);
  }
  return { list, numberOf: (rule: DestroyedRecordLine['rule']) => numbers.get(key(rule)) ?? 0 };
}

function sum(
  lines: readonly DestroyedRecordLine[],
  count: 'documentsPurged' | 'blobsPurged' | 'readModelRowsPurged',
): number {
  return lines.reduce((total, line) => total + line[count], 0);
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

const PARIS_TIME = new Intl.DateTimeFormat('fr-FR', { timeZone: 'Europe/Paris', timeStyle: 'short' });

function parisTime(instant: Date): string {
  return PARIS_TIME.format(instant);
}
