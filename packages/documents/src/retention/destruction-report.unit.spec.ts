import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import fc from 'fast-check';
import { pdfPagesText } from '../testing/pdf-text.js';
import {
  type DestroyedRecordLine,
  type DestructionReport,
  destructionReportCsv,
  destructionReportPdf,
} from './destruction-report.js';

const organisation = { id: 'org-sud', name: 'Association Horizons Sud' };
const facilityNames = { '130000001': 'CSAPA Le Fil d’Ariane', '130000002': 'CAARUD La Passerelle' };
const medicalRule = {
  dataClass: 'medical' as const,
  legalSource:
    'Article R.1112-7 du code de la santé publique : vingt ans à compter de la date du dernier séjour ou de la dernière consultation.',
  frenchLabel: 'Données de santé (dossier médical et psychologique) : 20 ans après la fin du dernier séjour.',
};
const socialRule = {
  dataClass: 'social' as const,
  legalSource:
    'CNIL, référentiel relatif à l’accompagnement social et médico-social : base active jusqu’à 2 ans après le dernier contact ; puis archivage intermédiaire de 5 ans (article 2224 du code civil).',
  frenchLabel:
    'Données sociales et administratives : 2 ans après le dernier contact, puis 5 ans d’archivage intermédiaire.',
};
const uuid = (n: number) => `${String(n).padStart(8, '0')}-0000-4000-8000-${String(n).padStart(12, 'a')}`;

/** The nth record destroyed in January 2026: every third one held health data. */
function destroyedLine(n: number): DestroyedRecordLine {
  const medical = n % 3 === 0;
  const day = String(1 + (n % 28)).padStart(2, '0');
  return {
    serviceUserId: uuid(n),
    facilityIds: n === 7 ? ['130000001', '130000002'] : [n % 2 === 0 ? '130000001' : '130000002'],
    destroyedAt: `2026-01-${day}T01:00:00Z`,
    lastContactOn: medical ? `2005-06-${day}` : `2019-03-${day}`,
    lastStayEndedOn: medical ? `2005-06-${day}` : null,
    holdsMedicalData: medical,
    destructionDueOn: medical ? `2025-06-${day}` : `2026-01-${day}`,
    rule: medical ? medicalRule : socialRule,
    documentsPurged: n,
    blobsPurged: 2 * n,
    readModelRowsPurged: 10 * n,
  };
}

const report: DestructionReport = {
  organisation,
  period: { from: '2026-01-01', to: '2026-01-31' },
  generatedAt: '2026-02-01T02:15:00Z',
  destroyed: Array.from({ length: 30 }, (_, index) => destroyedLine(index + 1)),
  suspended: [
    { serviceUserId: uuid(901), destructionDueOn: '2025-11-30', activeLegalHolds: 2 },
    { serviceUserId: uuid(902), destructionDueOn: '2026-01-12', activeLegalHolds: 1 },
  ],
};
const emptyReport: DestructionReport = { ...report, destroyed: [], suspended: [] };

const keep = async (name: string, bytes: Buffer) => {
  if (process.env.DUI_KEEP_PDF) await writeFile(join(tmpdir(), name), bytes);
};

async function read(pdf: Buffer) {
  const pages = await pdfPagesText(pdf);
  return { pages, text: pages.join('\n').replace(/\s+/g, ' ') };
}

function expectOrganisationOnEveryPage(pages: string[]) {
  for (const [index, page] of pages.entries()) {
    const text = page.replace(/\s+/g, ' ');
    expect(text, `page ${index + 1}`).to.contain(organisation.name);
    expect(text, `page ${index + 1}`).to.contain('rapport de destruction de la période du 1er janvier 2026');
    expect(text, `page ${index + 1}`).to.contain(`page ${index + 1} sur ${pages.length}`);
  }
}

/** The CSV's rows, its BOM and line ends taken off, each split on the separators outside quotes. */
function csvRows(csv: string): string[][] {
  return csv
    .replace(/^\uFEFF/, '')
    .split('\r\n')
    .filter((row) => row !== '')
    .map((row) => {
      const cells: string[] = [];
      let cell = '';
      let quoted = false;
      for (let index = 0; index < row.length; index += 1) {
        const char = row[index];
        if (quoted && char === '"' && row[index + 1] === '"') {
          cell += '"';
          index += 1;
        } else if (char === '"') quoted = !quoted;
        else if (char === ';' && !quoted) {
          cells.push(cell);
          cell = '';
        } else cell += char;
      }
      cells.push(cell);
      return cells;
    });
}

describe('the end-of-retention destruction report for the DPO', () => {
  describe('as a PDF', () => {
    it('prints the title, organisation, period, method, summary and one line per destroyed record, over several pages', async () => {
      // given thirty records destroyed in January, and two destructions stopped by a legal hold
      // when
      const pdf = await destructionReportPdf(report, facilityNames);
      await keep('rapport-de-destruction.pdf', pdf);

      // then
      const { pages, text } = await read(pdf);
      expect(pages.length).to.be.greaterThan(1);
      expectOrganisationOnEveryPage(pages);
      for (const expected of [
        'Rapport de destruction des dossiers arrivés au terme de leur durée de conservation',
        'Organisation : Association Horizons Sud (org-sud)',
        'Période du 1er janvier 2026 au 31 janvier 2026 inclus',
        'Établi le 1er février 2026 à 03:15',
        'effacement cryptographique (crypto-shredding)',
        'illisible toute copie de ses données',
        'le journal des événements, chaîné par empreintes',
        'statistiques anonymes',
        'article R.1112-7 du code de la santé publique',
        'référentiel de la CNIL',
        'Dossiers détruits : 30',
        'dont dossiers comportant des données de santé : 10',
        `Documents purgés : ${(30 * 31) / 2}`,
        `Fichiers purgés : ${30 * 31}`,
        `Lignes des vues de lecture purgées : ${10 * ((30 * 31) / 2)}`,
        'Destructions suspendues par un gel juridique : 2',
        'Règle 1 — Données sociales et administratives : 2 ans après le dernier contact',
        'Règle 2 — Données de santé (dossier médical et psychologique)',
        medicalRule.legalSource,
      ]) {
        expect(text).to.contain(expected);
      }
      expect(text).not.to.contain('Aucun dossier détruit');
    });

    it('prints each destroyed record by its short id, ESSMS, dates, rule and purges, and its full id in the annex', async () => {
      const { text } = await read(await destructionReportPdf(report, facilityNames));

      const annex = text.slice(text.indexOf('Annexe : identifiants complets'));
      for (const line of report.destroyed) {
        const n = Number(line.serviceUserId.slice(0, 8));
        const day = String(1 + (n % 28)).padStart(2, '0');
        const medical = line.holdsMedicalData;
        const facility =
          n % 2 === 0 ? 'CSAPA Le Fil d’Ariane (FINESS 130000001)' : 'CAARUD La Passerelle (FINESS 130000002)';
        // the cells of a row, in order: n°, id, ESSMS, health data, last contact, last stay, due, destroyed, rule, counts
        const row = [
          line.serviceUserId.slice(0, 8),
          n === 7 ? 'CSAPA Le Fil d’Ariane (FINESS 130000001) CAARUD La Passerelle (FINESS 130000002)' : facility,
          medical ? 'Oui' : 'Non',
          medical ? `${day}/06/2005` : `${day}/03/2019`,
          medical ? `${day}/06/2005` : '—',
          medical ? `${day}/06/2025` : `${day}/01/2026`,
          `${day}/01/2026 à 02:00`,
          medical ? 'Santé — règle 2' : 'Social — règle 1',
          `${n} ${2 * n} ${10 * n}`,
        ].join(' ');
        expect(text, `line ${n}`).to.contain(row);
        expect(annex, `line ${n}`).to.contain(line.serviceUserId);
      }
    });

    it('lists the destructions suspended by a legal hold, with their full id, due day and holds', async () => {
      const { text } = await read(await destructionReportPdf(report, facilityNames));

      const suspended = text.slice(
        text.indexOf('Destructions suspendues par un gel juridique', text.indexOf('Règle 2')),
      );
      expect(suspended).to.contain(`1 ${uuid(901)} 30/11/2025 2`);
      expect(suspended).to.contain(`2 ${uuid(902)} 12/01/2026 1`);
      expect(suspended).to.contain('ils seront détruits à la levée du dernier gel');
    });

    it('says so for a period with nothing destroyed and nothing suspended, on a single page', async () => {
      const pdf = await destructionReportPdf(emptyReport);
      await keep('rapport-de-destruction-vide.pdf', pdf);

      const { pages, text } = await read(pdf);
      expect(pages).to.have.length(1);
      expectOrganisationOnEveryPage(pages);
      for (const expected of [
        'Aucun dossier détruit sur la période.',
        'Dossiers détruits : 0',
        'Documents purgés : 0',
        'Destructions suspendues par un gel juridique : 0',
        'Aucune destruction suspendue par un gel juridique à la date du rapport.',
      ]) {
        expect(text).to.contain(expected);
      }
      expect(text).not.to.contain('Annexe');
      expect(text).not.to.contain('Règle 1');
    });

    it('names an organisation without a name by its id, and an ESSMS without a name by its FINESS', async () => {
      const { pages, text } = await read(
        await destructionReportPdf({
          ...report,
          organisation: { id: 'org-sud' },
          destroyed: report.destroyed.slice(0, 2),
        }),
      );
      for (const page of pages) expect(page).to.contain('Organisation org-sud');
      expect(text).to.contain('00000001 FINESS 130000002 Non');
    });
  });

  it('refuses a record named by anything but its id, so that no name outlives the destruction', async () => {
    const named = { ...report, destroyed: [{ ...destroyedLine(1), serviceUserId: 'DURAND Pierre' }] };
    const suspendedByName = {
      ...emptyReport,
      suspended: [{ serviceUserId: 'DURAND Pierre', destructionDueOn: '2026-01-01', activeLegalHolds: 1 }],
    };

    expect(() => destructionReportCsv(named)).to.throw(/by its id only/);
    expect(() => destructionReportCsv(suspendedByName)).to.throw(/by its id only/);
    let refused: unknown;
    await destructionReportPdf(named).catch((error: unknown) => {
      refused = error;
    });
    expect(refused).to.be.instanceOf(Error);
  });

  describe('as a CSV', () => {
    it('writes a French header, then one row per destroyed record and per suspended destruction, with a BOM and ;', () => {
      const csv = destructionReportCsv({ ...report, destroyed: [destroyedLine(3), destroyedLine(7)] });

      expect(csv.startsWith('\uFEFFStatut;Identifiant du dossier;ESSMS (FINESS);Données de santé;')).to.equal(true);
      const rows = csvRows(csv);
      expect(rows[0]).to.deep.equal([
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
      ]);
      expect(rows.slice(1)).to.deep.equal([
        [
          'Détruit',
          uuid(3),
          '130000002',
          'Oui',
          '04/06/2005',
          '04/06/2005',
          '04/06/2025',
          '04/01/2026 à 02:00',
          'Données de santé',
          medicalRule.frenchLabel,
          medicalRule.legalSource,
          '3',
          '6',
          '30',
          '',
        ],
        [
          'Détruit',
          uuid(7),
          '130000001, 130000002',
          'Non',
          '08/03/2019',
          '',
          '08/01/2026',
          '08/01/2026 à 02:00',
          'Données sociales',
          socialRule.frenchLabel,
          socialRule.legalSource,
          '7',
          '14',
          '70',
          '',
        ],
        [
          'Destruction suspendue (gel juridique)',
          uuid(901),
          '',
          '',
          '',
          '',
          '30/11/2025',
          '',
          '',
          '',
          '',
          '',
          '',
          '',
          '2',
        ],
        [
          'Destruction suspendue (gel juridique)',
          uuid(902),
          '',
          '',
          '',
          '',
          '12/01/2026',
          '',
          '',
          '',
          '',
          '',
          '',
          '',
          '1',
        ],
      ]);
    });

    it('quotes a field holding the separator, a quote or a line break, and defuses a formula', () => {
      const rule = {
        dataClass: 'social' as const,
        legalSource: 'CNIL ; « référentiel "social" »\nligne 2',
        frenchLabel: '=2 ans',
      };
      const csv = destructionReportCsv({ ...emptyReport, destroyed: [{ ...destroyedLine(2), rule }] });

      expect(csv).to.contain(`;"'=2 ans";"CNIL ; « référentiel ""social"" »\nligne 2";`);
      expect(csvRows(csv)[1]?.[10]).to.equal('CNIL ; « référentiel "social" »\nligne 2');
    });

    it('writes only its header for an empty period', () => {
      expect(csvRows(destructionReportCsv(emptyReport))).to.have.length(1);
    });

    it('names every destroyed record by its full id exactly once', () => {
      const ids = fc.uniqueArray(fc.uuid(), { minLength: 0, maxLength: 40 });
      fc.assert(
        fc.property(ids, fc.nat({ max: 5 }), (uuids, suspendedCount) => {
          const destroyed = uuids.slice(suspendedCount).map((serviceUserId, index) => ({
            ...destroyedLine(index),
            serviceUserId,
          }));
          const suspended = uuids
            .slice(0, suspendedCount)
            .map((serviceUserId) => ({ serviceUserId, destructionDueOn: '2026-01-01', activeLegalHolds: 1 }));
          const csv = destructionReportCsv({ ...report, destroyed, suspended });
          for (const { serviceUserId } of destroyed) {
            expect(csv.split(serviceUserId).length - 1, serviceUserId).to.equal(1);
          }
          expect(csvRows(csv)).to.have.length(1 + uuids.length);
        }),
      );
    });
  });
});
