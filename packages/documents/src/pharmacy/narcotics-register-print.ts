import type { RegisterLine, RegisterProduct } from '@dui-pds/projections';
import { FrenchPdf, frenchDay, type TableColumn } from '../pdf/french-pdf.js';
import { frenchCsv } from './csv.js';
import {
  establishmentHeader,
  justification,
  lotsText,
  PHARMACY_FOOTER,
  type PharmacyPrintContext,
  printSubtitle,
  recordedOn,
  STOCK_LINE_LABELS,
  units,
} from './pharmacy-print.js';

export interface NarcoticsRegisterPrint extends PharmacyPrintContext {
  products: readonly RegisterProduct[];
}

const COLUMNS: readonly TableColumn[] = [
  { header: 'N°', width: 4, align: 'right' },
  { header: 'Date', width: 8 },
  { header: 'Nature', width: 13 },
  { header: 'Justification', width: 32 },
  { header: 'Lots', width: 13 },
  { header: 'Entrée', width: 6, align: 'right' },
  { header: 'Sortie', width: 6, align: 'right' },
  { header: 'Stock', width: 6, align: 'right' },
  { header: 'Enregistrée le', width: 11 },
];

/**
 * The narcotics register (registre des stupéfiants) as a French A4 landscape PDF: one part per
 * narcotic, each line in the order recorded with its nature, justification, lots, entry, exit
 * and the stock after it; the establishment's name and address on every page.
 */
export function renderNarcoticsRegisterPdf(print: NarcoticsRegisterPrint): Promise<Buffer> {
  const title = 'Registre des stupéfiants';
  const pdf = new FrenchPdf(
    { title, subject: title, author: print.establishment.name, createdAt: print.printedAt },
    PHARMACY_FOOTER,
    { pageHeader: establishmentHeader(print.establishment), layout: 'landscape' },
  ).title(title, [
    ...printSubtitle(print),
    'Tenu sous forme électronique (art. R.5132-36 du code de la santé publique) : aucune ligne ne change une fois ' +
      'validée, une erreur se corrige par une contre-passation motivée. Quantités en unités de prise.',
  ]);
  if (print.products.length === 0) pdf.note('Aucun stupéfiant détenu sur la période.');
  print.products.forEach((product, index) => {
    if (index > 0) pdf.pageBreak();
    pdf
      .section(product.name)
      .field('Unité de prise', product.unit)
      .field(
        'Mouvements de la période',
        `solde au début ${units(product.opening)} — entrées ${units(product.entries)} — sorties ${units(product.exits)} — solde à la fin ${units(product.closing)}`,
      );
    if (product.lines.length === 0) {
      pdf.note('Aucune ligne sur la période.');
      return;
    }
    const numberOf = lineNumbers(product.lines);
    const muted = new Set(
      product.lines.flatMap((line, lineIndex) => (line.counteredByLineId === null ? [] : [lineIndex])),
    );
    pdf.table(
      COLUMNS,
      product.lines.map((line, lineIndex) => [
        String(lineIndex + 1),
        frenchDay(line.day),
        STOCK_LINE_LABELS[line.kind],
        justification(line, numberOf),
        lotsText(line),
        line.entry > 0 ? units(line.entry) : '',
        line.exit > 0 ? units(line.exit) : '',
        units(line.balanceAfter),
        recordedOn(line.recordedAt),
      ]),
      { mutedRows: muted },
    );
  });
  return pdf.end();
}

const CSV_HEADERS = [
  'Produit',
  'Unité de prise',
  'N° de ligne',
  'Date',
  'Nature',
  'Justification',
  'Lots',
  'Entrée',
  'Sortie',
  'Stock après la ligne',
  'Enregistrée le',
  'N° d’ordonnancier',
  'Identifiant de la ligne',
];

/** The same register as a CSV for a spreadsheet: one row per line, the product repeated. */
export function narcoticsRegisterCsv(print: Pick<NarcoticsRegisterPrint, 'products'>): Buffer {
  return frenchCsv(
    CSV_HEADERS,
    print.products.flatMap((product) => {
      const numberOf = lineNumbers(product.lines);
      return product.lines.map((line, index) => [
        product.name,
        product.unit,
        index + 1,
        frenchDay(line.day),
        STOCK_LINE_LABELS[line.kind],
        justification(line, numberOf),
        lotsText(line),
        line.entry,
        line.exit,
        line.balanceAfter,
        recordedOn(line.recordedAt),
        line.ordonnancierNumber,
        line.lineId,
      ]);
    }),
  );
}

/** Each line's number in the print (1, 2, …), by its ledger line id. */
function lineNumbers(lines: readonly RegisterLine[]): (lineId: string) => number | undefined {
  const numbers = new Map(
    lines.flatMap((line, index) => (line.lineId === null ? [] : [[line.lineId, index + 1] as const])),
  );
  return (lineId) => numbers.get(lineId);
}
