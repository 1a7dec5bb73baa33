import { createHash } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type {
  ActivityReport,
  CaarudActivityReport,
  CsapaActivityReport,
  EsmsNumeriqueIndicators,
  RecapExtract,
  RecapRecord,
} from '@dui-pds/projections';
import { expect } from 'chai';
import fc from 'fast-check';
import { pdfPagesText } from '../testing/pdf-text.js';
import { RECAP_PRINTED_ROWS } from './report-content.js';
import { renderReportHtml } from './report-html.js';
import { renderReportPdf } from './report-pdf.js';
import { axisOf, wrapped } from './svg-bar-chart.js';

const organisationName = 'Association Horizons Sud';
const facilityNames = { '130000001': 'CSAPA Le Phare', '130000002': 'CAARUD La Passerelle' };
const options = { organisationName, facilityNames };
const year2026 = { organisationId: 'org-sud', from: '2026-01-01', to: '2026-12-31' };
const computedAt = '2027-01-05T09:30:00Z';

const csapa: CsapaActivityReport = {
  kind: 'csapa',
  scope: { ...year2026, facilityId: '130000001' },
  computedAt,
  fileActive: { total: 1342, patients: 1210, entourage: 132, newPatients: 417 },
  patients: {
    bySex: { F: 402, I: 3, M: 801, unknown: 4 },
    byAgeBand: {
      under18: 21,
      '18-24': 130,
      '25-29': 161,
      '30-39': 338,
      '40-49': 290,
      '50-59': 188,
      '60plus': 77,
      unknown: 5,
    },
    byReferral: {
      csapaCaarud: 95,
      family: 88,
      hospital: 101,
      justice: 240,
      other: 12,
      physician: 210,
      school: 9,
      self: 402,
      socialServices: 37,
      unknown: 16,
    },
    byHousing: { homeless: 64, institution: 31, precarious: 190, prison: 6, stable: 903, unknown: 16 },
    byIncome: {
      disabilityAllowance: 142,
      employment: 471,
      minimumIncome: 301,
      none: 66,
      other: 29,
      pension: 58,
      unemploymentBenefit: 127,
      unknown: 16,
    },
    byMainProduct: {
      alcohol: 452,
      amphetamines: 6,
      cannabis: 231,
      cocaine: 98,
      crack: 41,
      gambling: 18,
      hallucinogens: 2,
      mdma: 4,
      medicines: 22,
      opioids: 263,
      other: 3,
      screens: 7,
      tobacco: 47,
      unknown: 16,
    },
    byUseLevel: { dependence: 861, harmfulUse: 212, use: 121, unknown: 16 },
    byInjection: { last30days: 58, never: 992, past: 144, unknown: 16 },
  },
  actsByProfession: { doctor: 3120, educator: 1411, nurse: 2876, psychologist: 1502, socialWorker: 988 },
  groups: { collectiveActs: 64, participants: 151 },
  tso: {
    'buprenorphine-hd': { prescribedPatients: 88, dispensedPatients: 71, unitsDispensed: 9120 },
    'methadone-capsules': { prescribedPatients: 41, dispensedPatients: 40, unitsDispensed: 6050 },
    'methadone-syrup': { prescribedPatients: 132, dispensedPatients: 127, unitsDispensed: 21480 },
  },
  examsByCategory: {
    biology: 402,
    ecg: 61,
    'hbv-screening': 120,
    'hcv-screening': 133,
    'hiv-screening': 129,
    imaging: 12,
    other: 8,
    'urine-drug-screen': 377,
  },
  exits: {
    total: 389,
    byReason: {
      death: 7,
      exclusion: 4,
      hospitalisation: 11,
      incarceration: 14,
      'lost-to-follow-up': 121,
      'objectives-reached': 132,
      other: 9,
      reoriented: 58,
      'usager-decision': 33,
    },
  },
};

const caarud: CaarudActivityReport = {
  kind: 'caarud',
  scope: { ...year2026, facilityId: '130000002' },
  computedAt,
  fileActive: { total: 612, newUsers: 143 },
  passages: { total: 8421, identified: 7310, unidentified: 1111 },
  passagesBySetting: {
    festiveEvent: 402,
    mobileUnit: 1630,
    other: 15,
    partnerPharmacy: 211,
    premises: 5402,
    street: 761,
  },
  unidentifiedBySetting: { festiveEvent: 380, mobileUnit: 402, partnerPharmacy: 0, premises: 120, street: 209 },
  servicesGiven: {
    care: 612,
    harmReductionAdvice: 3012,
    hygiene: 1470,
    meal: 4920,
    other: 31,
    reception: 8421,
    referral: 388,
    screening: 196,
    socialSupport: 902,
  },
  suppliesHandedOut: {
    'seringue-1ml': 24010,
    'kit-injection': 6003,
    cupule: 7820,
    filtre: 7011,
    'eau-ppi': 9012,
    'tampon-alcoolise': 12004,
    'kit-maison': 75,
  },
  syringesCollected: { duringPassages: 15220, outsidePassages: 6480, total: 21700 },
  rapidTests: {
    'hbv.negative': 51,
    'hcv.invalid': 2,
    'hcv.negative': 77,
    'hcv.notGiven': 1,
    'hcv.positive': 9,
    'hiv.negative': 96,
    'hiv.positive': 1,
  },
};

const keyOf = (n: number) => createHash('sha256').update(`usager-${n}`).digest('hex');
const shortKeyOf = (n: number) => `${keyOf(n).slice(0, 12)}…`;

function recapRecord(n: number): RecapRecord {
  return {
    year: 2026,
    facilityId: '130000001',
    subjectKey: keyOf(n),
    sex: n % 3 === 0 ? 'F' : 'M',
    birthYear: n % 10 === 0 ? null : 1960 + (n % 40),
    population: n % 7 === 0 ? 'entourage' : 'patient',
    referral: (['self', 'justice', 'physician', 'family'] as const)[n % 4] ?? 'self',
    housing: n % 5 === 0 ? 'precarious' : 'stable',
    income: n % 4 === 0 ? 'minimumIncome' : 'employment',
    mainProduct: n % 7 === 0 ? 'unknown' : ((['alcohol', 'opioids', 'cannabis'] as const)[n % 3] ?? 'alcohol'),
    useLevel: n % 7 === 0 ? 'unknown' : 'dependence',
    injection: n % 7 === 0 ? 'unknown' : 'never',
    tsoProduct: n % 3 === 1 ? 'methadone-syrup' : null,
    acts: 1 + (n % 17),
    newInYear: n % 2 === 0,
  };
}

const recap: RecapExtract = {
  kind: 'recap',
  scope: { ...year2026, facilityId: '130000001' },
  computedAt,
  records: Array.from({ length: 50 }, (_, index) => recapRecord(index + 1)),
};

const esms: EsmsNumeriqueIndicators = {
  kind: 'esms-numerique',
  scope: year2026,
  computedAt,
  activeRecords: 1954,
  identifiedRecords: 1380,
  qualifiedInsRecords: 1139,
  qualifiedInsShare: 1139 / 1380,
  documentsStored: 4210,
  documentsSentToDmp: 214,
  mssanteMessages: 1_032,
  portalLogins: 402,
  portalUsers: 97,
};

/** `&amp;` … back to text, for comparing with what a reader sees. */
function unescaped(html: string): string {
  return html
    .replace(/<[^>]*>/g, '')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&');
}

/** The rows of the table with this caption, each as its cells' text. */
function tableRows(html: string, caption: string): string[][] {
  const tables = html.split('<table').slice(1);
  const table = tables.find((candidate) => {
    const found = /<caption[^>]*>([\s\S]*?)<\/caption>/.exec(candidate);
    return found && unescaped(found[1] ?? '') === caption;
  });
  if (!table) throw new Error(`no table captioned « ${caption} »`);
  const body = table.slice(0, table.indexOf('</table>'));
  return [...body.matchAll(/<tr[^>]*>([\s\S]*?)<\/tr>/g)].map((row) =>
    [...(row[1] ?? '').matchAll(/<t[hd][^>]*>([\s\S]*?)<\/t[hd]>/g)].map((cell) => unescaped(cell[1] ?? '')),
  );
}

const nbsp = (text: string) => text.replace(/ /g, '\u00a0');

/** The tags a report page is written with: any other `<` came from data and was not escaped. */
const OWN_TAG =
  /^<\/?(!DOCTYPE|html|head|meta|title|style|body|header|h1|h2|span|ul|li|main|section|table|caption|thead|tbody|tfoot|tr|th|td|div|p|footer|svg|rect|text|tspan|line)[\s>/]/;

function expectOnlyOwnTags(html: string) {
  for (const match of html.matchAll(/</g)) {
    const tag = html.slice(match.index, match.index + 12);
    expect(OWN_TAG.test(tag), `unexpected « ${tag} »`).to.equal(true);
  }
}

const keep = async (name: string, bytes: string | Buffer) => {
  if (process.env.DUI_KEEP_REPORTS) await writeFile(join(process.env.DUI_KEEP_REPORTS || tmpdir(), name), bytes);
};

async function pdfText(pdf: Buffer) {
  const pages = await pdfPagesText(pdf);
  return { pages, text: pages.join('\n').replace(/\s+/g, ' ') };
}

describe('Activity reports rendered for people (HTML and PDF)', () => {
  describe('the HTML page', () => {
    it('is a standalone French page without script, titled with the report, its ESSMS and its period', async () => {
      // given a CSAPA report of 2026
      // when it is rendered
      const html = renderReportHtml(csapa, options);
      await keep('report-csapa.html', html);
      // then
      expect(html).to.match(/^<!DOCTYPE html>\n<html lang="fr">/);
      expect(html).not.to.match(/<script|<link|<img|<iframe|@import|url\(|https?:\/\/(?!www\.w3\.org\/2000\/svg)/i);
      const title = /<title>([^<]*)<\/title>/.exec(html)?.[1];
      expect(unescaped(title ?? '')).to.equal(
        'Rapport d’activité du CSAPA — CSAPA Le Phare — du 1er janvier 2026 au 31 décembre 2026',
      );
      const h1 = unescaped(/<h1>([\s\S]*?)<\/h1>/.exec(html)?.[1] ?? '');
      expect(h1).to.contain('CSAPA Le Phare — du 1er janvier 2026 au 31 décembre 2026');
      expect(unescaped(html)).to.contain('Association Horizons Sud (org-sud)');
      expect(unescaped(html)).to.contain('Calculé le 05/01/2027 à 10:30');
      expect(
        [...html.matchAll(/<h2 id="section-\d+">([^<]*)<\/h2>/g)].map((match) => unescaped(match[1] ?? '')),
      ).to.deep.equal([
        '1. File active',
        '2. Caractéristiques des patients',
        '3. Consommations et addictions',
        '4. Actes et activités de groupe',
        '5. Traitements de substitution aux opioïdes (TSO)',
        '6. Examens et dépistages prescrits',
        '7. Sorties',
      ]);
      expectOnlyOwnTags(html);
    });

    it('gives every figure of a CSAPA report, each code under its French label, in tables and charts', () => {
      const html = renderReportHtml(csapa, options);
      expect(tableRows(html, 'File active de la période')).to.deep.equal([
        ['Personnes reçues (file active)', nbsp('1 342')],
        ['dont patients', nbsp('1 210')],
        ['dont personnes de l’entourage', '132'],
        ['Nouveaux patients (admis dans la période)', '417'],
      ]);
      expect(tableRows(html, 'Patients de la file active par sexe')).to.deep.equal([
        ['Sexe', 'Patients', 'Part'],
        ['Féminin', '402', nbsp('33,2 %')],
        ['Masculin', '801', nbsp('66,2 %')],
        ['Indéterminé', '3', nbsp('0,2 %')],
        ['Non renseigné', '4', nbsp('0,3 %')],
        ['Total', nbsp('1 210'), nbsp('100,0 %')],
      ]);
      const ages = tableRows(html, 'Patients de la file active par tranche d’âge').map((row) => row[0]);
      expect(ages).to.deep.equal([
        'Tranche d’âge',
        'Moins de 18 ans',
        '18 à 24 ans',
        '25 à 29 ans',
        '30 à 39 ans',
        '40 à 49 ans',
        '50 à 59 ans',
        '60 ans et plus',
        'Non renseigné',
        'Total',
      ]);
      const products = tableRows(html, 'Patients par produit principal (ou addiction sans produit)');
      expect(products).to.deep.include(['Héroïne, opioïdes', '263', nbsp('21,7 %')]);
      expect(products).to.deep.include(['Jeux (addiction sans produit)', '18', nbsp('1,5 %')]);
      expect(tableRows(html, 'Actes réalisés par profession')).to.deep.include([
        'Médecin',
        nbsp('3 120'),
        nbsp('31,5 %'),
      ]);
      expect(tableRows(html, 'TSO par produit : patients et unités délivrées')).to.deep.include([
        'Méthadone sirop',
        '132',
        '127',
        nbsp('21 480'),
      ]);
      expect(tableRows(html, 'Sorties par motif')).to.deep.include(['Perdu de vue', '121', nbsp('31,1 %')]);
      // every count of every breakdown is in a table, under a label that is not its code
      const breakdowns: [string, Record<string, number>][] = [
        ['Patients par origine de la demande', csapa.patients.byReferral],
        ['Patients par logement', csapa.patients.byHousing],
        ['Patients par origine des ressources', csapa.patients.byIncome],
        ['Patients par produit principal (ou addiction sans produit)', csapa.patients.byMainProduct],
        ['Patients par niveau d’usage', csapa.patients.byUseLevel],
        ['Patients par pratique de l’injection', csapa.patients.byInjection],
        ['Examens prescrits par catégorie', csapa.examsByCategory],
      ];
      for (const [caption, counts] of breakdowns) {
        const rows = tableRows(html, caption).slice(1, -1);
        expect(
          rows.map((row) => row[1]),
          caption,
        ).to.have.members(
          Object.values(counts).map((count) => nbsp(new Intl.NumberFormat('fr-FR').format(count).replace(/\s/g, ' '))),
        );
        for (const [label] of rows) {
          expect(Object.keys(counts), caption).not.to.include(label);
          expect(label, caption).not.to.match(/^Code «/);
        }
      }
      expect(unescaped(html)).not.to.match(/\b(harmfulUse|last30days|socialServices|minimumIncome|hcv-screening)\b/);
    });

    it('draws each breakdown as an accessible SVG bar chart with a title, its labels and values, and a labelled axis', () => {
      const html = renderReportHtml(csapa, options);
      const charts = [...html.matchAll(/<svg[\s\S]*?<\/svg>/g)].map((match) => match[0]);
      expect(charts).to.have.length(11);
      for (const chart of charts) {
        expect(chart).to.match(/role="img" aria-label="[^"]+"/);
        expect(chart).to.match(/<title>[^<]+<\/title>/);
      }
      const sex = charts.find((chart) => chart.includes('<title>Patients de la file active par sexe</title>')) ?? '';
      const label = unescaped(/aria-label="([^"]*)"/.exec(sex)?.[1] ?? '');
      expect(label).to.equal(
        `Patients de la file active par sexe : Féminin : 402 (${nbsp('33,2 %')}) ; Masculin : 801 (${nbsp('66,2 %')}) ; ` +
          `Indéterminé : 3 (${nbsp('0,2 %')}) ; Non renseigné : 4 (${nbsp('0,3 %')})`,
      );
      expect(unescaped(sex)).to.contain('Nombre de patients');
      for (const text of ['Féminin', 'Masculin', `801 (${nbsp('66,2 %')})`, '0', '250', '1\u00a0000'])
        expect(sex.match(/<text[^>]*>([\s\S]*?)<\/text>/g)?.map(unescaped), text).to.include(text);
      // the longest bar is the largest count, and no bar is longer than the axis
      const widths = [...sex.matchAll(/<rect [^>]*width="([\d.]+)"/g)].map((match) => Number(match[1]));
      expect(widths.indexOf(Math.max(...widths))).to.equal(1);
    });

    it('gives a CAARUD report’s passages by setting, identified or not, its supplies and rapid tests in French', async () => {
      const html = renderReportHtml(caarud, { ...options, supplyLabels: { 'kit-maison': 'Kit sniff maison' } });
      await keep('report-caarud.html', html);
      expect(unescaped(/<h1>([\s\S]*?)<\/h1>/.exec(html)?.[1] ?? '')).to.contain(
        'CAARUD La Passerelle — du 1er janvier 2026 au 31 décembre 2026',
      );
      expect(tableRows(html, 'File active et passages de la période')).to.deep.equal([
        ['Usagers identifiés reçus (file active)', '612'],
        ['dont nouveaux usagers', '143'],
        ['Passages', nbsp('8 421')],
        ['dont passages d’usagers identifiés', nbsp('7 310')],
        ['dont passages non identifiés', nbsp('1 111')],
      ]);
      expect(tableRows(html, 'Passages par lieu d’intervention')).to.deep.equal([
        ['Lieu', 'Passages', 'dont non identifiés', 'Part'],
        ['Local (accueil fixe)', nbsp('5 402'), '120', nbsp('64,1 %')],
        ['Unité mobile', nbsp('1 630'), '402', nbsp('19,4 %')],
        ['Rue (maraude)', '761', '209', nbsp('9,0 %')],
        ['Milieu festif', '402', '380', nbsp('4,8 %')],
        ['Pharmacie partenaire', '211', '0', nbsp('2,5 %')],
        ['Autre lieu', '15', '0', nbsp('0,2 %')],
        ['Total', nbsp('8 421'), nbsp('1 111'), nbsp('100,0 %')],
      ]);
      const supplies = tableRows(html, 'Matériel distribué');
      expect(supplies).to.deep.include(['Seringue 1 mL', nbsp('24 010')]);
      expect(supplies).to.deep.include(['Kit sniff maison', '75']);
      expect(tableRows(html, 'Tests rapides par test et résultat')).to.deep.include(['TROD VHC — positif', '9']);
      expect(tableRows(html, 'Seringues usagées récupérées')[0]).to.deep.equal([
        'Seringues récupérées',
        nbsp('21 700'),
      ]);
      expect(tableRows(html, 'Prestations délivrées')).to.deep.include(['Collation, repas', nbsp('4 920')]);
      expect([...html.matchAll(/<svg/g)]).to.have.length(4);
      expectOnlyOwnTags(html);
    });

    it('lists every RECAP record, each code in French, the key shortened', async () => {
      const html = renderReportHtml(recap, options);
      await keep('report-recap.html', html);
      const rows = tableRows(
        html,
        'Enregistrements RECAP (clé pseudonyme abrégée : la clé complète est dans l’export CSV)',
      );
      expect(rows).to.have.length(1 + recap.records.length);
      expect(rows[0]?.[2]).to.equal('Clé pseudonyme');
      const seventh = rows.find((row) => row[2] === shortKeyOf(7));
      expect(seventh).to.deep.equal([
        '2026',
        'CSAPA Le Phare',
        shortKeyOf(7),
        'Masculin',
        '1967',
        'Entourage',
        'Famille, entourage',
        'Logement durable',
        'Revenus de l’emploi',
        'Non renseigné',
        'Non renseigné',
        'Non renseigné',
        'Méthadone sirop',
        '8',
        'Non',
      ]);
      expect(tableRows(html, 'Enregistrements de l’extraction')[0]).to.deep.equal([
        'Enregistrements (un par patient, ESSMS et année)',
        '50',
      ]);
      expectOnlyOwnTags(html);
    });

    it('gives the ESMS numérique indicators of the whole organisation and a bar for the qualified INS share', async () => {
      const html = renderReportHtml(esms, options);
      await keep('report-esms.html', html);
      expect(unescaped(/<h1>([\s\S]*?)<\/h1>/.exec(html)?.[1] ?? '')).to.contain(
        'Association Horizons Sud (tous ESSMS) — du 1er janvier 2026 au 31 décembre 2026',
      );
      expect(tableRows(html, 'Indicateurs de la période')).to.deep.include.members([
        ['Dossiers actifs', nbsp('1 954')],
        ['Part des dossiers à INS qualifiée', nbsp('82,5 %')],
        ['Documents versés au DMP (envois acceptés)', '214'],
        ['Messages MSSanté envoyés', nbsp('1 032')],
        ['Usagers connectés au portail', '97'],
      ]);
      const chart = /<svg[\s\S]*?<\/svg>/.exec(html)?.[0] ?? '';
      expect(unescaped(/aria-label="([^"]*)"/.exec(chart)?.[1] ?? '')).to.equal(
        `Identité nationale de santé (INS) : Dossiers à INS qualifiée : ${nbsp('82,5 %')}`,
      );
      expect(unescaped(chart)).to.contain(nbsp('100 %'));
      expect(unescaped(html)).to.contain(
        `Dossiers à INS qualifiée : ${nbsp('82,5 %')}, soit ${nbsp('1 139')} sur ${nbsp('1 380')} dossiers d’usagers identifiés.`,
      );
      // and the method says what the DMP and MSSanté figures count
      expect(unescaped(html)).to.contain('Documents versés au DMP : envois que le DMP a acceptés');
      expect(unescaped(html)).to.contain('Messages MSSanté : messages partis de la messagerie');
      expectOnlyOwnTags(html);
    });

    it('escapes every string it is given: names, codes it does not know', () => {
      fc.assert(
        fc.property(fc.string({ minLength: 1 }), fc.string({ minLength: 1 }), (name, code) => {
          const hostile = `<script>${name}</script>`;
          const report: CaarudActivityReport = {
            ...caarud,
            scope: { ...caarud.scope, organisationId: `<b>${code}` },
            servicesGiven: { [`<img src=x onerror=${code}>`]: 3 },
          };
          for (const html of [
            renderReportHtml(report, { organisationName: hostile, facilityNames: { '130000002': hostile } }),
            renderReportHtml(
              { ...recap, records: [{ ...recapRecord(1), subjectKey: hostile, sex: `"${code}<` }] },
              { facilityNames: { '130000001': hostile } },
            ),
          ]) {
            expectOnlyOwnTags(html);
            expect(unescaped(html)).to.contain(hostile.slice(0, 12));
          }
        }),
        { numRuns: 50 },
      );
    });

    it('shows a code it has no label for as a code, with its figure', () => {
      const html = renderReportHtml({ ...caarud, servicesGiven: { reception: 4, newService: 2 } }, options);
      expect(tableRows(html, 'Prestations délivrées')).to.deep.equal([
        ['Prestation', 'Passages'],
        ['Accueil', '4'],
        ['Code « newService »', '2'],
        ['Total', '6'],
      ]);
    });
  });

  describe('the PDF', () => {
    it('has the sections, figures and French labels of the CSAPA report, the scope and page numbers on every page', async () => {
      const pdf = await renderReportPdf(csapa, options);
      await keep('report-csapa.pdf', pdf);
      const { pages, text } = await pdfText(pdf);
      expect(pages.length).to.be.greaterThan(1);
      for (const [index, page] of pages.entries()) {
        const pageText = page.replace(/\s+/g, ' ');
        expect(pageText, `page ${index + 1}`).to.contain('Association Horizons Sud');
        expect(pageText, `page ${index + 1}`).to.contain(
          'Rapport d’activité CSAPA — CSAPA Le Phare — du 1er janvier 2026 au 31 décembre 2026',
        );
        expect(pageText, `page ${index + 1}`).to.contain(`page ${index + 1} sur ${pages.length}`);
      }
      for (const expected of [
        '1. File active',
        '7. Sorties',
        'Personnes reçues (file active) 1 342',
        'Patients de la file active par sexe',
        'Féminin 402 33,2 %',
        'Héroïne, opioïdes 263 21,7 %',
        'Méthadone sirop 132 127 21 480',
        'Perdu de vue 121 31,1 %',
        // the bars' values
        '801 (66,2 %)',
        '3 120 (31,5 %)',
        'Méthode',
      ])
        expect(text).to.contain(expected);
      expect(text).not.to.match(/\b(harmfulUse|last30days|socialServices|minimumIncome)\b/);
    });

    it('prints a CAARUD report with its supplies and rapid tests', async () => {
      const pdf = await renderReportPdf(caarud, options);
      await keep('report-caarud.pdf', pdf);
      const { text } = await pdfText(pdf);
      for (const expected of [
        'Rapport d’activité du CAARUD (ASA-CAARUD)',
        'Local (accueil fixe) 5 402 120 64,1 %',
        'Seringue 1 mL 24 010',
        'TROD VHC — positif 9',
        'Seringues récupérées 21 700',
        'Code « kit-maison » 75',
      ])
        expect(text).to.contain(expected);
    });

    it('prints RECAP in landscape, its summary and first lines only, pointing to the CSV', async () => {
      const pdf = await renderReportPdf(recap, options);
      await keep('report-recap.pdf', pdf);
      const { text } = await pdfText(pdf);
      expect(text).to.contain('Enregistrements (un par patient, ESSMS et année) 50');
      expect(text).to.contain(
        `Les ${RECAP_PRINTED_ROWS} premières lignes sur 50 : l’extraction complète est l’export CSV.`,
      );
      const printed = recap.records.filter((record) => text.includes(`${record.subjectKey.slice(0, 12)}…`));
      expect(printed).to.have.length(RECAP_PRINTED_ROWS);
    });

    it('prints the ESMS numérique indicators and the INS share', async () => {
      const pdf = await renderReportPdf(esms, options);
      await keep('report-esms.pdf', pdf);
      const { text } = await pdfText(pdf);
      expect(text).to.contain('Association Horizons Sud (tous ESSMS) — du 1er janvier 2026 au 31 décembre 2026');
      expect(text).to.contain('Part des dossiers à INS qualifiée 82,5 %');
      expect(text).to.contain('Dossiers à INS qualifiée : 82,5 %, soit 1 139 sur 1 380 dossiers d’usagers identifiés');
    });

    it('prints an empty report without failing', async () => {
      const empty: ActivityReport = {
        ...caarud,
        passagesBySetting: {},
        unidentifiedBySetting: {},
        servicesGiven: {},
        suppliesHandedOut: {},
        rapidTests: {},
      };
      const { text } = await pdfText(await renderReportPdf(empty, {}));
      expect(text).to.contain('ESSMS FINESS 130000002 — du 1er janvier 2026');
      expect(text).to.contain('Organisme gestionnaire org-sud');
      expect(renderReportHtml(empty, {})).to.contain('Aucune donnée à représenter.');
    });
  });

  describe('the chart helpers', () => {
    it('end the axis of counts on a round graduation past the largest value', () => {
      fc.assert(
        fc.property(fc.integer({ min: 0, max: 10_000_000 }), (largest) => {
          const { scale, ticks } = axisOf(largest);
          expect(scale).to.be.at.least(largest);
          expect(ticks[0]).to.equal(0);
          expect(ticks.at(-1)).to.equal(scale);
          expect(ticks.length).to.be.within(2, 6);
          for (const tick of ticks) expect(Number.isInteger(tick)).to.equal(true);
          // no graduation is wasted: the one before the end is below the largest value
          if (largest > 0) expect(ticks.at(-2)).to.be.below(largest);
        }),
      );
    });

    it('wrap a label between words and never lose one', () => {
      fc.assert(
        fc.property(fc.array(fc.stringMatching(/^[a-zé’]{1,12}$/), { maxLength: 20 }), (words) => {
          const lines = wrapped(words.join(' '), 20);
          expect(lines.join(' ').split(' ').filter(Boolean)).to.deep.equal(words);
          for (const line of lines) expect(line.length).to.be.at.most(20);
        }),
      );
    });
  });
});
