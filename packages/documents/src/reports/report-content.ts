import type {
  ActivityReport,
  CaarudActivityReport,
  CountsByCode,
  CsapaActivityReport,
  EsmsNumeriqueIndicators,
  RecapExtract,
  RecapRecord,
} from '@dui-pds/projections';
import { frenchMoment } from '../pdf/french-pdf.js';
import {
  AGE_BAND_REPORT_LABELS,
  type CodeLabels,
  codesInOrder,
  EXAM_CATEGORY_REPORT_LABELS,
  EXIT_REASON_REPORT_LABELS,
  facilityLabel,
  frenchInteger,
  frenchPercent,
  HOUSING_REPORT_LABELS,
  INCOME_REPORT_LABELS,
  INJECTION_REPORT_LABELS,
  labelOf,
  MAIN_PRODUCT_REPORT_LABELS,
  organisationLabel,
  PROFESSION_REPORT_LABELS,
  periodLabel,
  RAPID_TEST_OUTCOME_REPORT_LABELS,
  REFERRAL_REPORT_LABELS,
  REPORT_TITLES,
  type ReportNames,
  SEX_REPORT_LABELS,
  SUPPLY_REPORT_LABELS,
  scopeHeading,
  shareOf,
  TSO_PRODUCT_REPORT_LABELS,
  USE_LEVEL_REPORT_LABELS,
  VISIT_SERVICE_REPORT_LABELS,
  VISIT_SETTING_REPORT_LABELS,
} from './report-labels.js';

/**
 * A report as people read it, whatever it is printed on: titled sections of key figures,
 * breakdowns (a table and its bar chart), plain tables and shares. The HTML page and the PDF both
 * render this, so that they say the same thing; only the look is theirs.
 */
export interface ReportContent {
  kind: ActivityReport['kind'];
  title: string;
  /** Who and when: « CSAPA Le Phare — du 1er janvier 2026 au 31 décembre 2026 ». */
  scopeHeading: string;
  /** The organisation, the ESSMS and the moment of computation, one line each. */
  context: string[];
  sections: ReportSection[];
  /** What a reader must know about how the figures were counted. */
  method: string;
}

export interface ReportSection {
  heading: string;
  blocks: ReportBlock[];
}

/** A line of key figures: a label and its value, already written in French. */
export interface KeyFigure {
  label: string;
  value: string;
  /** Set apart as a part of the figure above (« dont … »). */
  part?: boolean;
}

export interface BreakdownLine {
  label: string;
  /** The counts of the line, one per count column; the first is the one charted. */
  counts: number[];
}

export type ReportBlock =
  | { kind: 'figures'; caption: string; figures: KeyFigure[] }
  | {
      kind: 'breakdown';
      /** The table's caption and the chart's title. */
      caption: string;
      /** The heading of the label column: « Sexe », « Produit principal ». */
      categoryHeader: string;
      /** One per count: « Patients », « Passages », « dont non identifiés ». */
      countHeaders: string[];
      /** What the chart's axis counts: « Nombre de patients ». */
      axisLabel: string;
      lines: BreakdownLine[];
      /** A column with each line's part of the total of the first count. */
      withShare: boolean;
    }
  | {
      kind: 'table';
      caption: string;
      columns: { header: string; align: 'left' | 'right'; width: number }[];
      rows: string[][];
      /** The column that names a row (its cells are row headers). */
      rowHeader: number;
      /** The PDF prints this many lines at most; the rest is in the CSV. */
      printedRowsLimit?: number;
    }
  | { kind: 'share'; caption: string; label: string; share: number; detail: string }
  | { kind: 'note'; text: string };

/** Lines of a RECAP table printed in the PDF: the CSV is the extract, the PDF its summary. */
export const RECAP_PRINTED_ROWS = 40;

export function reportContent(report: ActivityReport, names: ReportOptions): ReportContent {
  const scope = report.scope;
  const context = [
    `Organisme gestionnaire : ${organisationLabel(scope.organisationId, names)} (${scope.organisationId})`,
    `Périmètre : ${scope.facilityId ? facilityLabel(scope.facilityId, names) : 'tous les ESSMS de l’organisme gestionnaire'}`,
    `Période ${periodLabel(scope)} inclus`,
    `Calculé le ${frenchMoment(new Date(report.computedAt))} (heure de Paris) à partir du journal des faits pseudonymisés`,
  ];
  const base = {
    kind: report.kind,
    title: REPORT_TITLES[report.kind],
    scopeHeading: scopeHeading(scope, names),
    context,
  };
  switch (report.kind) {
    case 'csapa':
      return { ...base, sections: csapaSections(report), method: CSAPA_METHOD };
    case 'caarud':
      return { ...base, sections: caarudSections(report, names), method: CAARUD_METHOD };
    case 'recap':
      return { ...base, sections: recapSections(report, names), method: RECAP_METHOD };
    case 'esms-numerique':
      return { ...base, sections: esmsNumeriqueSections(report), method: ESMS_NUMERIQUE_METHOD };
  }
}

const COMMON_METHOD =
  'Un fait compte dans la période lorsque son jour (heure de Paris) est compris entre le premier et le dernier ' +
  'jour inclus. Les corrections et annulations sont prises en compte : un acte ou un passage compte dans sa ' +
  'dernière version, et plus du tout une fois annulé. Le rapport ne contient aucune donnée nominative.';
const CSAPA_METHOD =
  `${COMMON_METHOD} File active : personnes ayant au moins un acte dans la période. Les répartitions du profil ` +
  'portent sur les patients de la file active, d’après leur dernier profil d’usage de l’année de fin de période ' +
  '(« Non renseigné » sans profil) ; l’âge est celui atteint dans l’année de fin de période.';
const CAARUD_METHOD =
  `${COMMON_METHOD} File active : usagers identifiés ayant au moins un passage dans la période ; nouveaux ` +
  'usagers : ceux dont le premier passage a eu lieu dans la période. Les passages non identifiés sont comptés à ' +
  'part, jamais comme des usagers.';
const RECAP_METHOD =
  `${COMMON_METHOD} Un enregistrement par patient, par ESSMS et par an ; le patient n’y est désigné que par ` +
  'sa clé pseudonyme. L’export CSV est l’extraction à transmettre ; ce document en donne la synthèse.';
const ESMS_NUMERIQUE_METHOD =
  `${COMMON_METHOD} Dossiers actifs : usagers ayant au moins un fait enregistré dans la période. Part d’INS ` +
  'qualifiée : parmi les dossiers actifs d’usagers identifiés, ceux dont le dernier statut d’identité à la fin ' +
  'de la période est « identité qualifiée ». Documents versés au DMP : envois que le DMP a acceptés, comptés le ' +
  'jour de l’acceptation dans l’ESSMS qui les a envoyés (un remplacement accepté compte pour un envoi de plus ; un ' +
  'envoi refusé ou resté sans réponse, pour aucun). Messages MSSanté : messages partis de la messagerie de ' +
  'l’ESSMS dans la période, un par message quel que soit le nombre de destinataires.';

function breakdown(
  caption: string,
  categoryHeader: string,
  counts: CountsByCode,
  labels: CodeLabels,
  options: { countHeader: string; axisLabel: string; withShare?: boolean },
): ReportBlock {
  return {
    kind: 'breakdown',
    caption,
    categoryHeader,
    countHeaders: [options.countHeader],
    axisLabel: options.axisLabel,
    lines: codesInOrder(counts, labels).map((code) => ({ label: labelOf(code, labels), counts: [counts[code] ?? 0] })),
    withShare: options.withShare ?? true,
  };
}

function csapaSections(report: CsapaActivityReport): ReportSection[] {
  const { fileActive, patients } = report;
  const ofPatients = { countHeader: 'Patients', axisLabel: 'Nombre de patients' };
  const profile = (caption: string, header: string, counts: CountsByCode, labels: CodeLabels) =>
    breakdown(caption, header, counts, labels, ofPatients);
  const tsoProducts = codesInOrder(
    Object.fromEntries(Object.keys(report.tso).map((code) => [code, 0])),
    TSO_PRODUCT_REPORT_LABELS,
  );
  return [
    {
      heading: 'File active',
      blocks: [
        {
          kind: 'figures',
          caption: 'File active de la période',
          figures: [
            { label: 'Personnes reçues (file active)', value: frenchInteger(fileActive.total) },
            { label: 'dont patients', value: frenchInteger(fileActive.patients), part: true },
            { label: 'dont personnes de l’entourage', value: frenchInteger(fileActive.entourage), part: true },
            { label: 'Nouveaux patients (admis dans la période)', value: frenchInteger(fileActive.newPatients) },
          ],
        },
      ],
    },
    {
      heading: 'Caractéristiques des patients',
      blocks: [
        profile('Patients de la file active par sexe', 'Sexe', patients.bySex, SEX_REPORT_LABELS),
        profile(
          'Patients de la file active par tranche d’âge',
          'Tranche d’âge',
          patients.byAgeBand,
          AGE_BAND_REPORT_LABELS,
        ),
        profile(
          'Patients par origine de la demande',
          'Origine de la demande',
          patients.byReferral,
          REFERRAL_REPORT_LABELS,
        ),
        profile('Patients par logement', 'Logement', patients.byHousing, HOUSING_REPORT_LABELS),
        profile('Patients par origine des ressources', 'Ressources', patients.byIncome, INCOME_REPORT_LABELS),
      ],
    },
    {
      heading: 'Consommations et addictions',
      blocks: [
        profile(
          'Patients par produit principal (ou addiction sans produit)',
          'Produit principal',
          patients.byMainProduct,
          MAIN_PRODUCT_REPORT_LABELS,
        ),
        profile('Patients par niveau d’usage', 'Niveau d’usage', patients.byUseLevel, USE_LEVEL_REPORT_LABELS),
        profile('Patients par pratique de l’injection', 'Injection', patients.byInjection, INJECTION_REPORT_LABELS),
      ],
    },
    {
      heading: 'Actes et activités de groupe',
      blocks: [
        breakdown('Actes réalisés par profession', 'Profession', report.actsByProfession, PROFESSION_REPORT_LABELS, {
          countHeader: 'Actes',
          axisLabel: 'Nombre d’actes',
        }),
        {
          kind: 'figures',
          caption: 'Activités collectives',
          figures: [
            { label: 'Actes collectifs (groupes)', value: frenchInteger(report.groups.collectiveActs) },
            { label: 'Personnes ayant participé à un groupe', value: frenchInteger(report.groups.participants) },
          ],
        },
      ],
    },
    {
      heading: 'Traitements de substitution aux opioïdes (TSO)',
      blocks:
        tsoProducts.length === 0
          ? [{ kind: 'note', text: 'Aucun traitement de substitution prescrit ni délivré dans la période.' }]
          : [
              {
                kind: 'table',
                caption: 'TSO par produit : patients et unités délivrées',
                columns: [
                  { header: 'Produit', align: 'left', width: 40 },
                  { header: 'Patients ayant une prescription', align: 'right', width: 20 },
                  { header: 'Patients ayant reçu une délivrance', align: 'right', width: 20 },
                  { header: 'Unités délivrées', align: 'right', width: 20 },
                ],
                rowHeader: 0,
                rows: tsoProducts.map((code) => {
                  const tso = report.tso[code] ?? { prescribedPatients: 0, dispensedPatients: 0, unitsDispensed: 0 };
                  return [
                    labelOf(code, TSO_PRODUCT_REPORT_LABELS),
                    frenchInteger(tso.prescribedPatients),
                    frenchInteger(tso.dispensedPatients),
                    frenchInteger(tso.unitsDispensed),
                  ];
                }),
              },
            ],
    },
    {
      heading: 'Examens et dépistages prescrits',
      blocks: [
        breakdown(
          'Examens prescrits par catégorie',
          'Catégorie d’examen',
          report.examsByCategory,
          EXAM_CATEGORY_REPORT_LABELS,
          {
            countHeader: 'Examens',
            axisLabel: 'Nombre d’examens prescrits',
            withShare: false,
          },
        ),
      ],
    },
    {
      heading: 'Sorties',
      blocks: [
        {
          kind: 'figures',
          caption: 'Fins de prise en charge',
          figures: [{ label: 'Sorties dans la période', value: frenchInteger(report.exits.total) }],
        },
        breakdown('Sorties par motif', 'Motif de sortie', report.exits.byReason, EXIT_REASON_REPORT_LABELS, {
          countHeader: 'Sorties',
          axisLabel: 'Nombre de sorties',
        }),
      ],
    },
  ];
}

function caarudSections(report: CaarudActivityReport, names: ReportOptions): ReportSection[] {
  const settings = { ...report.passagesBySetting };
  for (const code of Object.keys(report.unidentifiedBySetting)) settings[code] ??= 0;
  const supplyLabels = { ...SUPPLY_REPORT_LABELS, ...names.supplyLabels };
  return [
    {
      heading: 'File active et passages',
      blocks: [
        {
          kind: 'figures',
          caption: 'File active et passages de la période',
          figures: [
            { label: 'Usagers identifiés reçus (file active)', value: frenchInteger(report.fileActive.total) },
            { label: 'dont nouveaux usagers', value: frenchInteger(report.fileActive.newUsers), part: true },
            { label: 'Passages', value: frenchInteger(report.passages.total) },
            {
              label: 'dont passages d’usagers identifiés',
              value: frenchInteger(report.passages.identified),
              part: true,
            },
            { label: 'dont passages non identifiés', value: frenchInteger(report.passages.unidentified), part: true },
          ],
        },
        {
          kind: 'breakdown',
          caption: 'Passages par lieu d’intervention',
          categoryHeader: 'Lieu',
          countHeaders: ['Passages', 'dont non identifiés'],
          axisLabel: 'Nombre de passages',
          lines: codesInOrder(settings, VISIT_SETTING_REPORT_LABELS).map((code) => ({
            label: labelOf(code, VISIT_SETTING_REPORT_LABELS),
            counts: [report.passagesBySetting[code] ?? 0, report.unidentifiedBySetting[code] ?? 0],
          })),
          withShare: true,
        },
      ],
    },
    {
      heading: 'Prestations et matériel de réduction des risques',
      blocks: [
        breakdown('Prestations délivrées', 'Prestation', report.servicesGiven, VISIT_SERVICE_REPORT_LABELS, {
          countHeader: 'Passages',
          axisLabel: 'Nombre de passages avec la prestation',
          withShare: false,
        }),
        breakdown('Matériel distribué', 'Matériel', report.suppliesHandedOut, supplyLabels, {
          countHeader: 'Quantité',
          axisLabel: 'Quantité distribuée',
          withShare: false,
        }),
        {
          kind: 'figures',
          caption: 'Seringues usagées récupérées',
          figures: [
            { label: 'Seringues récupérées', value: frenchInteger(report.syringesCollected.total) },
            {
              label: 'dont lors des passages',
              value: frenchInteger(report.syringesCollected.duringPassages),
              part: true,
            },
            {
              label: 'dont hors passages (automates, collecteurs, ramassages)',
              value: frenchInteger(report.syringesCollected.outsidePassages),
              part: true,
            },
          ],
        },
      ],
    },
    {
      heading: 'Dépistages par test rapide (TROD)',
      blocks: [
        breakdown(
          'Tests rapides par test et résultat',
          'Test et résultat',
          report.rapidTests,
          RAPID_TEST_OUTCOME_REPORT_LABELS,
          {
            countHeader: 'Tests',
            axisLabel: 'Nombre de tests',
            withShare: false,
          },
        ),
      ],
    },
  ];
}

/** Widths in parts of the landscape page: every heading word and code label holds on its line. */
const RECAP_COLUMNS: { header: string; align: 'left' | 'right'; width: number }[] = [
  { header: 'Année', align: 'right', width: 6 },
  { header: 'ESSMS', align: 'left', width: 10 },
  { header: 'Clé pseudonyme', align: 'left', width: 14 },
  { header: 'Sexe', align: 'left', width: 8 },
  { header: 'Année de naissance', align: 'right', width: 9 },
  { header: 'Population', align: 'left', width: 9 },
  { header: 'Origine de la demande', align: 'left', width: 11 },
  { header: 'Logement', align: 'left', width: 10 },
  { header: 'Ressources', align: 'left', width: 10 },
  { header: 'Produit principal', align: 'left', width: 10 },
  { header: 'Niveau d’usage', align: 'left', width: 10 },
  { header: 'Injection', align: 'left', width: 10 },
  { header: 'TSO', align: 'left', width: 9 },
  { header: 'Actes', align: 'right', width: 6 },
  { header: 'Nouveau', align: 'left', width: 8 },
];

/** The populations in a cell of the records' table. */
const RECAP_POPULATION_LABELS: CodeLabels = { patient: 'Patient', entourage: 'Entourage', unknown: 'Non renseigné' };

/** Short enough for a table cell, long enough to find the record in the CSV. */
const SHORT_KEY_LENGTH = 12;

function recapRow(record: RecapRecord, names: ReportNames): string[] {
  return [
    String(record.year),
    names.facilityNames?.[record.facilityId]?.trim() || record.facilityId,
    record.subjectKey.length > SHORT_KEY_LENGTH
      ? `${record.subjectKey.slice(0, SHORT_KEY_LENGTH)}…`
      : record.subjectKey,
    labelOf(record.sex, SEX_REPORT_LABELS),
    record.birthYear === null ? 'Non renseignée' : String(record.birthYear),
    labelOf(record.population, RECAP_POPULATION_LABELS),
    labelOf(record.referral, REFERRAL_REPORT_LABELS),
    labelOf(record.housing, HOUSING_REPORT_LABELS),
    labelOf(record.income, INCOME_REPORT_LABELS),
    labelOf(record.mainProduct, MAIN_PRODUCT_REPORT_LABELS),
    labelOf(record.useLevel, USE_LEVEL_REPORT_LABELS),
    labelOf(record.injection, INJECTION_REPORT_LABELS),
    record.tsoProduct === null ? 'Non' : labelOf(record.tsoProduct, TSO_PRODUCT_REPORT_LABELS),
    frenchInteger(record.acts),
    record.newInYear ? 'Oui' : 'Non',
  ];
}

function recapSections(report: RecapExtract, names: ReportNames): ReportSection[] {
  const records = [...report.records].sort(
    (a, b) => a.year - b.year || compare(a.facilityId, b.facilityId) || compare(a.subjectKey, b.subjectKey),
  );
  const count = (predicate: (record: RecapRecord) => boolean) => records.filter(predicate).length;
  const total = records.length;
  const part = (label: string, value: number): KeyFigure => ({
    label,
    value: `${frenchInteger(value)} (${shareOf(value, total)})`,
    part: true,
  });
  return [
    {
      heading: 'Synthèse de l’extraction',
      blocks: [
        {
          kind: 'figures',
          caption: 'Enregistrements de l’extraction',
          figures: [
            { label: 'Enregistrements (un par patient, ESSMS et année)', value: frenchInteger(total) },
            part(
              'dont patients',
              count((record) => record.population === 'patient'),
            ),
            part(
              'dont personnes de l’entourage',
              count((record) => record.population === 'entourage'),
            ),
            part(
              'dont nouveaux dans l’année',
              count((record) => record.newInYear),
            ),
            part(
              'dont avec un traitement de substitution',
              count((record) => record.tsoProduct !== null),
            ),
            { label: 'Actes comptés', value: frenchInteger(records.reduce((sum, record) => sum + record.acts, 0)) },
          ],
        },
      ],
    },
    {
      heading: 'Enregistrements',
      blocks:
        total === 0
          ? [{ kind: 'note', text: 'Aucun enregistrement pour cette période.' }]
          : [
              {
                kind: 'table',
                caption: 'Enregistrements RECAP (clé pseudonyme abrégée : la clé complète est dans l’export CSV)',
                columns: RECAP_COLUMNS,
                rows: records.map((record) => recapRow(record, names)),
                rowHeader: 2,
                printedRowsLimit: RECAP_PRINTED_ROWS,
              },
            ],
    },
  ];
}

function esmsNumeriqueSections(report: EsmsNumeriqueIndicators): ReportSection[] {
  const figure = (label: string, value: number, part = false): KeyFigure => ({
    label,
    value: frenchInteger(value),
    part,
  });
  return [
    {
      heading: 'Indicateurs d’usage du dossier usager informatisé',
      blocks: [
        {
          kind: 'figures',
          caption: 'Indicateurs de la période',
          figures: [
            figure('Dossiers actifs', report.activeRecords),
            figure('Dossiers actifs d’usagers identifiés', report.identifiedRecords),
            figure('dont dossiers à INS qualifiée', report.qualifiedInsRecords, true),
            { label: 'Part des dossiers à INS qualifiée', value: frenchPercent(report.qualifiedInsShare) },
            figure('Documents déposés dans les dossiers', report.documentsStored),
            figure('Documents versés au DMP (envois acceptés)', report.documentsSentToDmp),
            figure('Messages MSSanté envoyés', report.mssanteMessages),
            figure('Connexions au portail usager', report.portalLogins),
            figure('Usagers connectés au portail', report.portalUsers),
          ],
        },
        {
          kind: 'share',
          caption: 'Identité nationale de santé (INS)',
          label: 'Dossiers à INS qualifiée',
          share: report.qualifiedInsShare,
          detail: `${frenchInteger(report.qualifiedInsRecords)} sur ${frenchInteger(report.identifiedRecords)} dossiers d’usagers identifiés`,
        },
      ],
    },
  ];
}

/** A breakdown's bars and their values as written at the end of each bar. */
export function breakdownBars(block: Extract<ReportBlock, { kind: 'breakdown' }>) {
  const total = breakdownTotals(block.lines)[0] ?? 0;
  return block.lines.map((line) => {
    const value = line.counts[0] ?? 0;
    return {
      label: line.label,
      value,
      valueText: block.withShare ? `${frenchInteger(value)} (${shareOf(value, total)})` : frenchInteger(value),
    };
  });
}

export function breakdownTotals(lines: readonly BreakdownLine[]): number[] {
  const width = Math.max(0, ...lines.map((line) => line.counts.length));
  return Array.from({ length: width }, (_, index) => lines.reduce((sum, line) => sum + (line.counts[index] ?? 0), 0));
}

/** What the renderings take besides the report: names the pseudonymous outbox does not hold. */
export interface ReportOptions extends ReportNames {
  /** An organisation's own harm-reduction supplies, by code (the default catalogue is known). */
  supplyLabels?: Readonly<Record<string, string>>;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
