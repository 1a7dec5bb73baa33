import {
  DEFAULT_HARM_REDUCTION_SUPPLIES,
  EXAM_CATEGORY_LABELS,
  EXIT_REASON_LABELS,
  HOUSING_LABELS,
  INCOME_LABELS,
  INJECTION_LABELS,
  MAIN_PRODUCT_LABELS,
  RAPID_TEST_LABELS,
  RAPID_TEST_RESULT_LABELS,
  REFERRAL_LABELS,
  ROLE_LABELS,
  SEX_LABELS,
  TSO_PRODUCT_LABELS,
  USE_LEVEL_LABELS,
  VISIT_SERVICE_LABELS,
  VISIT_SETTING_LABELS,
} from '@dui-pds/domain';
import { UNKNOWN } from './counts.js';
import type {
  ActivityReport,
  CaarudActivityReport,
  CountsByCode,
  CsapaActivityReport,
  EsmsNumeriqueIndicators,
  RecapExtract,
  ReportAgeBand,
} from './report-types.js';

/** One figure of a report, as a line of its CSV: a section, a code and its French label, a value. */
export interface ReportFigure {
  section: string;
  sectionLabel: string;
  code: string;
  label: string;
  value: number;
}

const NOT_STATED = 'Non renseigné';

export const AGE_BAND_LABELS: Readonly<Record<ReportAgeBand, string>> = {
  under18: 'Moins de 18 ans',
  '18-24': '18 à 24 ans',
  '25-29': '25 à 29 ans',
  '30-39': '30 à 39 ans',
  '40-49': '40 à 49 ans',
  '50-59': '50 à 59 ans',
  '60plus': '60 ans et plus',
  unknown: NOT_STATED,
};

const capitalised = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);
const SUPPLY_LABELS: Readonly<Record<string, string>> = Object.fromEntries(
  DEFAULT_HARM_REDUCTION_SUPPLIES.map((supply) => [supply.code, supply.label]),
);

/** The French label of a code of a vocabulary: the code itself for one the vocabulary does not know. */
function labelled(labels: Readonly<Record<string, string>>, code: string): string {
  if (code === UNKNOWN) return labels[code] ?? NOT_STATED;
  return labels[code] ?? code;
}

function counts(
  section: string,
  sectionLabel: string,
  values: CountsByCode,
  labels: Readonly<Record<string, string>>,
): ReportFigure[] {
  return Object.entries(values).map(([code, value]) => ({
    section,
    sectionLabel,
    code,
    label: labelled(labels, code),
    value,
  }));
}

const capitalisedLabels = (labels: Readonly<Record<string, string>>): Readonly<Record<string, string>> =>
  Object.fromEntries(Object.entries(labels).map(([code, label]) => [code, capitalised(label)]));
const SEX_OF_REPORTS = capitalisedLabels(SEX_LABELS);
const PROFESSION_LABELS = capitalisedLabels(ROLE_LABELS);

function csapaFigures(report: CsapaActivityReport): ReportFigure[] {
  const { fileActive, patients } = report;
  const figure = (section: string, sectionLabel: string, code: string, label: string, value: number) => ({
    section,
    sectionLabel,
    code,
    label,
    value,
  });
  const tso = Object.entries(report.tso);
  return [
    figure('fileActive', 'File active', 'total', 'Personnes ayant eu au moins un acte', fileActive.total),
    figure('fileActive', 'File active', 'patients', 'Patients', fileActive.patients),
    figure('fileActive', 'File active', 'entourage', 'Entourage', fileActive.entourage),
    figure('fileActive', 'File active', 'newPatients', 'Nouveaux (admis dans la période)', fileActive.newPatients),
    ...counts('patients.bySex', 'Patients par sexe', patients.bySex, SEX_OF_REPORTS),
    ...counts('patients.byAgeBand', 'Patients par âge', patients.byAgeBand, AGE_BAND_LABELS),
    ...counts('patients.byReferral', 'Patients par origine de la demande', patients.byReferral, REFERRAL_LABELS),
    ...counts('patients.byHousing', 'Patients par logement', patients.byHousing, HOUSING_LABELS),
    ...counts('patients.byIncome', 'Patients par ressources', patients.byIncome, INCOME_LABELS),
    ...counts('patients.byMainProduct', 'Patients par produit principal', patients.byMainProduct, MAIN_PRODUCT_LABELS),
    ...counts('patients.byUseLevel', 'Patients par niveau d’usage', patients.byUseLevel, USE_LEVEL_LABELS),
    ...counts('patients.byInjection', 'Patients par pratique d’injection', patients.byInjection, INJECTION_LABELS),
    ...counts('actsByProfession', 'Actes par profession', report.actsByProfession, PROFESSION_LABELS),
    figure('groups', 'Groupes', 'collectiveActs', 'Actes collectifs', report.groups.collectiveActs),
    figure('groups', 'Groupes', 'participants', 'Participants (personnes distinctes)', report.groups.participants),
    ...tso.map(([product, { prescribedPatients }]) =>
      figure(
        'tso.prescribedPatients',
        'TSO : patients avec une prescription',
        product,
        labelled(TSO_PRODUCT_LABELS, product),
        prescribedPatients,
      ),
    ),
    ...tso.map(([product, { dispensedPatients }]) =>
      figure(
        'tso.dispensedPatients',
        'TSO : patients ayant reçu une délivrance',
        product,
        labelled(TSO_PRODUCT_LABELS, product),
        dispensedPatients,
      ),
    ),
    ...tso.map(([product, { unitsDispensed }]) =>
      figure(
        'tso.unitsDispensed',
        'TSO : unités délivrées',
        product,
        labelled(TSO_PRODUCT_LABELS, product),
        unitsDispensed,
      ),
    ),
    ...counts('examsByCategory', 'Examens prescrits par catégorie', report.examsByCategory, EXAM_CATEGORY_LABELS),
    figure('exits', 'Sorties', 'total', 'Sorties', report.exits.total),
    ...counts('exits.byReason', 'Sorties par motif', report.exits.byReason, EXIT_REASON_LABELS),
  ];
}

function rapidTestLabel(code: string): string {
  const [test, result] = code.split('.') as [string, string | undefined];
  const testLabel = (RAPID_TEST_LABELS as Record<string, string>)[test] ?? test;
  const resultLabel =
    result === undefined ? '' : ((RAPID_TEST_RESULT_LABELS as Record<string, string>)[result] ?? result);
  return resultLabel === '' ? testLabel : `${testLabel} : ${resultLabel}`;
}

function caarudFigures(report: CaarudActivityReport): ReportFigure[] {
  const figure = (section: string, sectionLabel: string, code: string, label: string, value: number) => ({
    section,
    sectionLabel,
    code,
    label,
    value,
  });
  return [
    figure(
      'fileActive',
      'File active',
      'total',
      'Usagers identifiés ayant eu au moins un passage',
      report.fileActive.total,
    ),
    figure(
      'fileActive',
      'File active',
      'newUsers',
      'Nouveaux usagers (premier passage dans la période)',
      report.fileActive.newUsers,
    ),
    figure('passages', 'Passages', 'total', 'Passages', report.passages.total),
    figure('passages', 'Passages', 'identified', 'Passages d’usagers identifiés', report.passages.identified),
    figure(
      'passages',
      'Passages',
      'unidentified',
      'Passages non identifiés (comptés à part)',
      report.passages.unidentified,
    ),
    ...counts('passagesBySetting', 'Passages par lieu', report.passagesBySetting, VISIT_SETTING_LABELS),
    ...counts(
      'unidentifiedBySetting',
      'Passages non identifiés par lieu',
      report.unidentifiedBySetting,
      VISIT_SETTING_LABELS,
    ),
    ...counts('servicesGiven', 'Services rendus', report.servicesGiven, VISIT_SERVICE_LABELS),
    ...counts(
      'suppliesHandedOut',
      'Matériel de réduction des risques distribué',
      report.suppliesHandedOut,
      SUPPLY_LABELS,
    ),
    figure(
      'syringesCollected',
      'Seringues usagées récupérées',
      'duringPassages',
      'Lors des passages',
      report.syringesCollected.duringPassages,
    ),
    figure(
      'syringesCollected',
      'Seringues usagées récupérées',
      'outsidePassages',
      'Hors passages (boîtes, pharmacies, espace public)',
      report.syringesCollected.outsidePassages,
    ),
    figure('syringesCollected', 'Seringues usagées récupérées', 'total', 'Total', report.syringesCollected.total),
    ...Object.entries(report.rapidTests).map(([code, value]) =>
      figure('rapidTests', 'Tests rapides (TROD)', code, rapidTestLabel(code), value),
    ),
  ];
}

function esmsFigures(report: EsmsNumeriqueIndicators): ReportFigure[] {
  const section = 'esmsNumerique';
  const sectionLabel = 'Indicateurs ESMS numérique';
  const lines: [keyof EsmsNumeriqueIndicators & string, string][] = [
    ['activeRecords', 'Dossiers actifs dans la période'],
    ['identifiedRecords', 'Dossiers actifs d’usagers identifiés'],
    ['qualifiedInsRecords', 'Dont identité INS qualifiée'],
    ['qualifiedInsShare', 'Part des identités INS qualifiées'],
    ['documentsStored', 'Documents versés au dossier'],
    ['documentsSentToDmp', 'Documents versés au DMP (envois acceptés)'],
    ['mssanteMessages', 'Messages MSSanté envoyés'],
    ['portalLogins', 'Connexions au portail usager'],
    ['portalUsers', 'Usagers connectés au portail'],
  ];
  return lines.map(([code, label]) => ({ section, sectionLabel, code, label, value: report[code] as number }));
}

/** The figures of a report, in reading order: what its CSV lists, one per line. */
export function reportFigures(report: Exclude<ActivityReport, RecapExtract>): ReportFigure[] {
  switch (report.kind) {
    case 'csapa':
      return csapaFigures(report);
    case 'caarud':
      return caarudFigures(report);
    case 'esms-numerique':
      return esmsFigures(report);
  }
}

const BOM = '\uFEFF';

const REPORT_TITLES: Readonly<Record<ActivityReport['kind'], string>> = {
  csapa: 'Rapport d’activité CSAPA',
  caarud: 'Rapport d’activité ASA-CAARUD',
  recap: 'Extrait RECAP',
  'esms-numerique': 'Indicateurs ESMS numérique',
};

/** The French title of a kind of report. */
export const reportTitle = (kind: ActivityReport['kind']): string => REPORT_TITLES[kind];

/**
 * A report as a CSV for a spreadsheet or a tool: `;` between fields, CRLF, UTF-8 with its BOM,
 * French headers. One line per figure, each with the scope (organisation, FINESS or empty for
 * the whole organisme, first and last day), the section and the code (stable, for tools) and
 * their French labels; RECAP has one line per record instead. Decimals have a comma.
 */
export function reportCsv(report: ActivityReport): string {
  const { organisationId, facilityId, from, to } = report.scope;
  if (report.kind === 'recap') {
    const headers = [
      'Année',
      'FINESS',
      'Clé pseudonyme',
      'Sexe',
      'Année de naissance',
      'Population',
      'Origine de la demande',
      'Logement',
      'Ressources',
      'Produit principal',
      'Niveau d’usage',
      'Injection',
      'Produit TSO',
      'Actes',
      'Nouveau dans l’année',
    ];
    const rows = report.records.map((record) => [
      record.year,
      record.facilityId,
      record.subjectKey,
      record.sex,
      record.birthYear,
      record.population,
      record.referral,
      record.housing,
      record.income,
      record.mainProduct,
      record.useLevel,
      record.injection,
      record.tsoProduct,
      record.acts,
      record.newInYear ? 'oui' : 'non',
    ]);
    return csv(headers, rows);
  }
  const headers = [
    'Organisme gestionnaire',
    'FINESS',
    'Du',
    'Au',
    'Rubrique',
    'Libellé de la rubrique',
    'Code',
    'Libellé',
    'Valeur',
  ];
  const rows = reportFigures(report).map((figure) => [
    organisationId,
    facilityId ?? null,
    from,
    to,
    figure.section,
    figure.sectionLabel,
    figure.code,
    figure.label,
    figure.value,
  ]);
  return csv(headers, rows);
}

function csv(headers: readonly string[], rows: readonly (readonly (string | number | null)[])[]): string {
  const line = (cells: readonly (string | number | null)[]) => cells.map(field).join(';');
  return `${BOM}${[line(headers), ...rows.map(line)].join('\r\n')}\r\n`;
}

function field(value: string | number | null): string {
  if (value === null) return '';
  if (typeof value === 'number') {
    // French spreadsheets read a comma as the decimal separator
    return Number.isInteger(value) ? String(value) : String(Math.round(value * 10_000) / 10_000).replace('.', ',');
  }
  // a leading = + - @ would be run as a formula by a spreadsheet: quoted and prefixed, it stays text
  const safe = /^[=+\-@]/.test(value) ? `'${value}` : value;
  return /[";\r\n]/.test(safe) || safe !== value ? `"${safe.replace(/"/g, '""')}"` : safe;
}
