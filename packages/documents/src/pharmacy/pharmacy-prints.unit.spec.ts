import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DispensingLogEntry, RegisterLine, RegisterProduct } from '@dui-pds/projections';
import { expect } from 'chai';
import { pdfPagesText } from '../testing/pdf-text.js';
import { annualStatementCsv, renderAnnualStatementPdf } from './annual-statement-print.js';
import { dispensingLogCsv, renderDispensingLogPdf } from './dispensing-log-print.js';
import { narcoticsRegisterCsv, renderNarcoticsRegisterPdf } from './narcotics-register-print.js';
import { patientOnPrint } from './pharmacy-print.js';

const establishment = {
  facilityId: '130000001',
  name: 'CSAPA Le Fil d’Ariane',
  address: '12 boulevard de la Libération, 13001 Marseille',
};
const context = {
  establishment,
  from: '2026-01-01',
  to: '2026-01-31',
  printedAt: new Date('2026-02-02T08:30:00Z'),
  printedBy: 'pharmacien-durand',
};
const uuid = (n: number) => `0195f0a0-0000-7000-8000-${String(n).padStart(12, '0')}`;

function line(n: number, data: Partial<RegisterLine>): RegisterLine {
  return {
    lineId: uuid(n),
    month: '2026-01',
    day: '2026-01-05',
    recordedAt: '2026-01-05T09:12:00Z',
    kind: 'dispensation',
    entry: 0,
    exit: 0,
    balanceAfter: 0,
    lots: [],
    ordonnancierNumber: null,
    party: null,
    document: null,
    arsNotifiedOn: null,
    explanation: null,
    theoretical: null,
    counted: null,
    inventoryId: null,
    counteredLineId: null,
    counteredByLineId: null,
    ...data,
  };
}

/** A month of methadone: a report, two receipts, 60 dispensations (one countered), a theft, a destruction, a count. */
function methadoneMonth(): RegisterProduct {
  const lines: RegisterLine[] = [
    line(0, { lineId: null, kind: 'opening', day: '2026-01-01', balanceAfter: 120 }),
    line(1, {
      kind: 'receipt',
      entry: 200,
      balanceAfter: 320,
      party: 'Répartiteur Sud-Est',
      document: 'BL 2026-0042',
      lots: [{ lot: 'MTH-2601', units: 200, expiresOn: '2027-06-30' }],
    }),
  ];
  let balance = 320;
  for (let index = 0; index < 60; index += 1) {
    balance -= 5;
    const day = `2026-01-${String(6 + Math.floor(index / 3)).padStart(2, '0')}`;
    lines.push(
      line(10 + index, {
        day,
        recordedAt: `${day}T10:00:00Z`,
        exit: 5,
        balanceAfter: balance,
        ordonnancierNumber: 1001 + index,
        lots: [{ lot: 'MTH-2601', units: -5 }],
        ...(index === 4 ? { counteredByLineId: uuid(200) } : {}),
      }),
    );
  }
  balance += 5;
  lines.push(
    line(200, {
      kind: 'counter-entry',
      day: '2026-01-26',
      entry: 5,
      balanceAfter: balance,
      lots: [{ lot: 'MTH-2601', units: 5 }],
      counteredLineId: uuid(14),
      explanation: 'Délivrance saisie deux fois',
    }),
    line(201, {
      kind: 'theft',
      day: '2026-01-27',
      exit: 2,
      balanceAfter: balance - 2,
      lots: [{ lot: 'MTH-2601', units: -2 }],
      document: 'Plainte n° 4521 au commissariat du 1er ; ARS et ANSM informées le 27/01/2026',
    }),
    line(202, {
      kind: 'destruction',
      day: '2026-01-28',
      exit: 3,
      balanceAfter: balance - 5,
      lots: [{ lot: 'MTH-2412', units: -3 }],
      document: 'PV de destruction n° 12',
      party: 'Mme Bernard, pharmacienne inspectrice',
      arsNotifiedOn: '2025-12-10',
    }),
    line(203, {
      lineId: null,
      kind: 'inventory',
      day: '2026-01-31',
      exit: 1,
      balanceAfter: balance - 6,
      lots: [{ lot: 'MTH-2601', units: -1 }],
      theoretical: balance - 5,
      counted: balance - 6,
      explanation: 'Flacon brisé lors du rangement',
      party: 'pharmacien-durand',
    }),
  );
  return {
    productId: 'methadone-40',
    name: 'Méthadone AP-HP 40 mg, sirop (flacon)',
    unit: 'flacon de 40 mg',
    opening: 120,
    entries: 205,
    exits: 306,
    closing: balance - 6,
    lines,
  };
}

function entry(number: number, data: Partial<DispensingLogEntry>): DispensingLogEntry {
  return {
    ordonnancierNumber: number,
    month: '2026-01',
    lineId: uuid(number),
    day: '2026-01-08',
    presentedOn: '2026-01-08',
    recordedAt: '2026-01-08T09:00:00Z',
    productId: 'methadone-40',
    productName: 'Méthadone AP-HP 40 mg, sirop (flacon)',
    productClass: 'narcotic',
    unit: 'flacon de 40 mg',
    units: 7,
    prescriptionId: 'rx-1',
    prescribedOn: '2026-01-06',
    serviceUserId: 'usager-1',
    prescriberName: 'Dr Anne Leroy',
    prescriberAddress: '1 rue de la Paix, 13001 Marseille',
    collectedBy: null,
    coversFrom: '2026-01-08',
    coversTo: '2026-01-14',
    counteredOn: null,
    counterReason: null,
    ...data,
  };
}

const keep = async (name: string, bytes: Buffer) => {
  if (process.env.DUI_KEEP_PDF) await writeFile(join(tmpdir(), name), bytes);
};

/** Every page carries the establishment's name and address (R.5132-36 CSP). */
function expectEstablishmentOnEveryPage(pages: string[]) {
  for (const [index, page] of pages.entries()) {
    const text = page.replace(/\s+/g, ' ');
    expect(text, `page ${index + 1}`).to.contain(establishment.name);
    expect(text, `page ${index + 1}`).to.contain(establishment.address);
    expect(text, `page ${index + 1}`).to.contain(`page ${index + 1} sur ${pages.length}`);
  }
}

describe('the pharmacy registers as PDFs and CSVs', () => {
  it('prints the narcotics register: French columns, every line with its justification, the establishment on every page', async () => {
    // given a month of methadone, over several pages
    const product = methadoneMonth();

    // when
    const pdf = await renderNarcoticsRegisterPdf({ ...context, products: [product] });
    await keep('registre-des-stupefiants.pdf', pdf);

    // then
    const pages = await pdfPagesText(pdf);
    expect(pages.length).to.be.greaterThan(1);
    expectEstablishmentOnEveryPage(pages);
    const text = pages.join('\n').replace(/\s+/g, ' ');
    for (const expected of [
      'Registre des stupéfiants',
      'Période du 01/01/2026 au 31/01/2026',
      'Édité le 02/02/2026 à 09:30 par pharmacien-durand',
      '1. Méthadone AP-HP 40 mg, sirop (flacon)',
      'solde au début 120 — entrées 205 — sorties 306 — solde à la fin 19',
      'Nature',
      'Justification',
      'Enregistrée le',
      'Report du mois précédent',
      'Fournisseur : Répartiteur Sud-Est ; bon de livraison BL 2026-0042',
      'MTH-2601 (pér. 30/06/2027) : 200',
      'Ordonnancier n° 1001',
      'Ordonnancier n° 1060',
      'Ordonnancier n° 1005 — contre-passée par la ligne n° 63',
      'Contre-passe la ligne n° 7 ; motif : Délivrance saisie deux fois',
      'Sortie : vol',
      'Déclaration : Plainte n° 4521',
      'Certificat : PV de destruction n° 12 ; témoin : Mme Bernard, pharmacienne inspectrice ; ARS informée le 10/12/2025',
      'Compté 19, théorique 20, écart -1 ; explication : Flacon brisé lors du rangement',
    ]) {
      expect(text).to.contain(expected);
    }
  });

  it('says a print as of a past moment is the register as it stood then, and an empty one as such', async () => {
    const pdf = await renderNarcoticsRegisterPdf({
      ...context,
      asOf: new Date('2026-01-15T12:00:00Z'),
      products: [],
    });
    const pages = await pdfPagesText(pdf);
    expectEstablishmentOnEveryPage(pages);
    const text = pages.join(' ').replace(/\s+/g, ' ');
    expect(text).to.contain('État du registre au 15/01/2026 à 13:00 (tel qu’il était enregistré à cet instant)');
    expect(text).to.contain('Aucun stupéfiant détenu sur la période.');
  });

  it('prints the ordonnancier with patients by name or pseudonym, prescribers, and countered entries', async () => {
    // given 45 dispensations to three usagers, one anonymous, one collected by someone else, one countered
    const users = ['usager-1', 'usager-2', 'usager-3'];
    const entries = Array.from({ length: 45 }, (_, index) =>
      entry(501 + index, {
        serviceUserId: users[index % 3] as string,
        ...(index === 1 ? { collectedBy: 'M. Paul Martin, frère', presentedOn: '2026-01-07' } : {}),
        ...(index === 2
          ? {
              productId: 'bhd-8',
              productName: 'Buprénorphine 8 mg, comprimé sublingual',
              productClass: 'narcotic-like' as const,
              unit: 'comprimé',
              units: 14,
            }
          : {}),
        ...(index === 3 ? { counteredOn: '2026-01-09', counterReason: 'Erreur de patient' } : {}),
      }),
    );
    const patients = {
      'usager-1': patientOnPrint(
        {
          anonymous: false,
          birthName: 'DURAND',
          birthFirstNames: ['PIERRE'],
          usedName: null,
          usedFirstName: null,
          pseudonym: null,
        } as never,
        'usager-1',
      ),
      'usager-2': patientOnPrint({ anonymous: true, pseudonym: 'ANO-7K2M9Q4XWZ' } as never, 'usager-2'),
      'usager-3': patientOnPrint(undefined, 'usager-3'),
    };

    // when
    const pdf = await renderDispensingLogPdf({ ...context, entries, sort: 'number', patients });
    await keep('ordonnancier.pdf', pdf);

    // then
    const pages = await pdfPagesText(pdf);
    expect(pages.length).to.be.greaterThan(1);
    expectEstablishmentOnEveryPage(pages);
    const text = pages.join('\n').replace(/\s+/g, ' ');
    for (const expected of [
      'Ordonnancier',
      'Classement par numéro d’ordre — 45 délivrance(s)',
      'N° d’ordre',
      'Patient (nom et adresse, ou n° pseudonyme)',
      'Prescripteur (nom et adresse)',
      'DURAND PIERRE',
      'Usager anonyme n° ANO-7K2M9Q4XWZ',
      'Usager usager-3 (identité introuvable)',
      'Dr Anne Leroy 1 rue de la Paix, 13001 Marseille',
      'Buprénorphine 8 mg, comprimé sublingual (assimilé stupéfiant)',
      '14 comprimé',
      'Retirée par M. Paul Martin, frère',
      'Présentée le 07/01/2026',
      'Couvre du 08/01/2026 au 14/01/2026',
      'Contre-passée le 09/01/2026 : Erreur de patient',
      '545',
    ]) {
      expect(text).to.contain(expected);
    }
    expect(text.indexOf('501')).to.be.lessThan(text.indexOf('545'));
  });

  it('exports CSVs Excel opens with their accents: BOM, semicolons, French headings, quoted when needed', () => {
    const register = narcoticsRegisterCsv({ products: [methadoneMonth()] }).toString('utf8');
    const log = dispensingLogCsv({
      entries: [entry(7, { collectedBy: 'Mme "Jo" Martin; sœur' })],
      patients: { 'usager-1': { name: '=DURAND Pierre', address: '3 rue Sainte, 13001 Marseille' } },
    }).toString('utf8');

    expect(
      register.startsWith('\uFEFFProduit;Unité de prise;N° de ligne;Date;Nature;Justification;Lots;Entrée;'),
    ).to.equal(true);
    const rows = register.split('\r\n');
    expect(rows).to.have.length(1 + 66 + 1);
    expect(rows[2]).to.equal(
      `Méthadone AP-HP 40 mg, sirop (flacon);flacon de 40 mg;2;05/01/2026;Entrée : réception;"Fournisseur : Répartiteur Sud-Est ; bon de livraison BL 2026-0042";MTH-2601 (pér. 30/06/2027) : 200;200;0;320;05/01/2026 à 10:12;;${uuid(1)}`,
    );
    expect(
      log.startsWith('\uFEFFN° d’ordre;Date de délivrance;Date de présentation;Patient;Adresse du patient;'),
    ).to.equal(true);
    // a quote doubled, a semicolon quoted, a formula defused
    expect(log.split('\r\n')[1]).to.equal(
      `7;08/01/2026;08/01/2026;"'=DURAND Pierre";3 rue Sainte, 13001 Marseille;Dr Anne Leroy;1 rue de la Paix, 13001 Marseille;06/01/2026;Méthadone AP-HP 40 mg, sirop (flacon);stupéfiant;7;flacon de 40 mg;08/01/2026;14/01/2026;"Mme ""Jo"" Martin; sœur";;`,
    );
  });

  it('prints the annual statement for the ARS, provisional while a month is open', async () => {
    const statement = {
      year: 2026,
      months: [
        { month: '2026-01', status: 'closed' as const },
        { month: '2026-02', status: 'open' as const },
      ],
      products: [
        {
          productId: 'methadone-40',
          name: 'Méthadone AP-HP 40 mg, sirop (flacon)',
          unit: 'flacon de 40 mg',
          opening: 120,
          received: 200,
          dispensed: 295,
          destroyed: 3,
          stolen: 2,
          lost: 0,
          returned: 0,
          inventoryGap: -1,
          counterEntries: 5,
          entries: 205,
          exits: 301,
          closing: 24,
          inventories: [
            {
              day: '2026-01-31',
              lot: 'MTH-2601',
              theoretical: 25,
              counted: 24,
              gap: -1,
              explanation: 'Flacon brisé lors du rangement',
            },
          ],
        },
      ],
    };
    const pdf = await renderAnnualStatementPdf({
      establishment,
      statement,
      printedAt: context.printedAt,
      printedBy: 'dr-x',
    });
    await keep('etat-annuel-stupefiants.pdf', pdf);
    const pages = await pdfPagesText(pdf);
    expectEstablishmentOnEveryPage(pages);
    const text = pages.join(' ').replace(/\s+/g, ' ');
    expect(text).to.contain('État annuel des entrées et sorties de stupéfiants — 2026');
    expect(text).to.contain('État provisoire : mois non clos : 2026-02.');
    expect(text).to.contain('Flacon brisé lors du rangement');
    expect(annualStatementCsv(statement).toString('utf8').split('\r\n')[1]).to.equal(
      'Méthadone AP-HP 40 mg, sirop (flacon);flacon de 40 mg;120;200;295;3;2;0;0;-1;5;24',
    );
  });
});
