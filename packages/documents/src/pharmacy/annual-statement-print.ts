import type { AnnualNarcoticsStatement } from '@dui-pds/projections';
import { FrenchPdf, frenchDay, frenchMoment, type TableColumn } from '../pdf/french-pdf.js';
import { frenchCsv } from './csv.js';
import { type EstablishmentOnPrint, establishmentHeader, PHARMACY_FOOTER, signed, units } from './pharmacy-print.js';

export interface AnnualStatementPrint {
  establishment: EstablishmentOnPrint;
  statement: AnnualNarcoticsStatement;
  printedAt: Date;
  printedBy: string;
}

const MOVEMENTS: readonly TableColumn[] = [
  { header: 'Produit', width: 22 },
  { header: 'Unité de prise', width: 10 },
  { header: 'Solde au début', width: 7, align: 'right' },
  { header: 'Reçu', width: 6, align: 'right' },
  { header: 'Délivré', width: 6, align: 'right' },
  { header: 'Détruit', width: 6, align: 'right' },
  { header: 'Volé', width: 5, align: 'right' },
  { header: 'Perdu', width: 5, align: 'right' },
  { header: 'Retourné', width: 6, align: 'right' },
  { header: 'Écart d’inventaire', width: 7, align: 'right' },
  { header: 'Contre-passations', width: 8, align: 'right' },
  { header: 'Solde à la fin', width: 7, align: 'right' },
];

const INVENTORIES: readonly TableColumn[] = [
  { header: 'Produit', width: 24 },
  { header: 'Date', width: 8 },
  { header: 'Lot', width: 10 },
  { header: 'Théorique', width: 7, align: 'right' },
  { header: 'Compté', width: 7, align: 'right' },
  { header: 'Écart', width: 6, align: 'right' },
  { header: 'Explication', width: 30 },
];

/**
 * The annual statement of entries and exits of narcotics, for the ARS (D.3411-9 CSP), as a French
 * A4 landscape PDF: one row per narcotic, then the year's inventories with their gaps.
 */
export function renderAnnualStatementPdf(print: AnnualStatementPrint): Promise<Buffer> {
  const { statement } = print;
  const title = `État annuel des entrées et sorties de stupéfiants — ${statement.year}`;
  const open = statement.months.filter((month) => month.status === 'open').map((month) => month.month);
  const pdf = new FrenchPdf(
    { title, subject: title, author: print.establishment.name, createdAt: print.printedAt },
    PHARMACY_FOOTER,
    { pageHeader: establishmentHeader(print.establishment), layout: 'landscape' },
  ).title(title, [
    `Du 01/01/${statement.year} au 31/12/${statement.year}, à transmettre à l’agence régionale de santé (art. D.3411-9 du code de la santé publique)`,
    `Édité le ${frenchMoment(print.printedAt)} par ${print.printedBy}`,
    open.length > 0
      ? `État provisoire : mois non clos : ${open.join(', ')}.`
      : `Mois tenus : ${statement.months.length}, tous clos.`,
  ]);
  pdf.section('Entrées et sorties par produit');
  if (statement.products.length === 0) pdf.note('Aucun stupéfiant détenu dans l’année.');
  else {
    pdf.table(
      MOVEMENTS,
      statement.products.map((line) => [
        line.name,
        line.unit,
        units(line.opening),
        units(line.received),
        units(line.dispensed),
        units(line.destroyed),
        units(line.stolen),
        units(line.lost),
        units(line.returned),
        signed(line.inventoryGap),
        signed(line.counterEntries),
        units(line.closing),
      ]),
    );
  }
  pdf.section('Inventaires de l’année');
  const counts = statement.products.flatMap((line) => line.inventories.map((count) => ({ ...count, name: line.name })));
  if (counts.length === 0) pdf.note('Aucun inventaire enregistré dans l’année.');
  else {
    pdf.table(
      INVENTORIES,
      counts.map((count) => [
        count.name,
        frenchDay(count.day),
        count.lot,
        units(count.theoretical),
        units(count.counted),
        signed(count.gap),
        count.explanation ?? '',
      ]),
    );
  }
  return pdf.end();
}

/** The statement's movements as a CSV, one row per narcotic. */
export function annualStatementCsv(statement: AnnualNarcoticsStatement): Buffer {
  return frenchCsv(
    MOVEMENTS.map((column) => column.header),
    statement.products.map((line) => [
      line.name,
      line.unit,
      line.opening,
      line.received,
      line.dispensed,
      line.destroyed,
      line.stolen,
      line.lost,
      line.returned,
      line.inventoryGap,
      line.counterEntries,
      line.closing,
    ]),
  );
}
