import { PRODUCT_CLASS_LABELS } from '@dui-pds/domain';
import type { DispensingLogEntry, DispensingLogSort } from '@dui-pds/projections';
import { FrenchPdf, frenchDay, type TableColumn } from '../pdf/french-pdf.js';
import { frenchCsv } from './csv.js';
import {
  DISPENSING_LOG_SORT_LABELS,
  establishmentHeader,
  type PatientOnPrint,
  PHARMACY_FOOTER,
  type PharmacyPrintContext,
  printSubtitle,
  units,
} from './pharmacy-print.js';

export interface DispensingLogPrint extends PharmacyPrintContext {
  /** In the order to print. */
  entries: readonly DispensingLogEntry[];
  sort: DispensingLogSort;
  /** Each usager named in the entries, resolved at printing time. */
  patients: Readonly<Record<string, PatientOnPrint>>;
}

const COLUMNS: readonly TableColumn[] = [
  { header: 'N° d’ordre', width: 6, align: 'right' },
  { header: 'Délivré le', width: 8 },
  { header: 'Patient (nom et adresse, ou n° pseudonyme)', width: 19 },
  { header: 'Prescripteur (nom et adresse)', width: 18 },
  { header: 'Prescrit le', width: 8 },
  { header: 'Produit', width: 17 },
  { header: 'Quantité', width: 12, align: 'right' },
  { header: 'Observations', width: 18 },
];

/**
 * The ordonnancier as a French A4 landscape PDF (R.5132-9 and R.5132-10 CSP): each dispensation
 * with its number, day, patient, prescriber, product and quantity, in the order asked for; the
 * establishment's name and address on every page. A countered dispensation keeps its number and
 * is printed grey with its correction.
 */
export function renderDispensingLogPdf(print: DispensingLogPrint): Promise<Buffer> {
  const title = 'Ordonnancier';
  const pdf = new FrenchPdf(
    { title, subject: title, author: print.establishment.name, createdAt: print.printedAt },
    PHARMACY_FOOTER,
    { pageHeader: establishmentHeader(print.establishment), layout: 'landscape' },
  ).title(title, [
    ...printSubtitle(print),
    `Classement ${DISPENSING_LOG_SORT_LABELS[print.sort]} — ${print.entries.length} délivrance(s). ` +
      'Numéros d’ordre uniques et croissants, jamais réutilisés ; quantités en unités de prise.',
  ]);
  if (print.entries.length === 0) {
    pdf.note('Aucune délivrance inscrite sur la période.');
    return pdf.end();
  }
  const muted = new Set(print.entries.flatMap((entry, index) => (entry.counteredOn === null ? [] : [index])));
  pdf.table(
    COLUMNS,
    print.entries.map((entry) => {
      const patient = patientOf(print, entry.serviceUserId);
      return [
        String(entry.ordonnancierNumber),
        frenchDay(entry.day),
        patientCell(patient),
        [entry.prescriberName, entry.prescriberAddress].filter(Boolean).join('\n') || '—',
        entry.prescribedOn ? frenchDay(entry.prescribedOn) : '—',
        `${entry.productName}\n(${PRODUCT_CLASS_LABELS[entry.productClass]})`,
        `${units(entry.units)} ${entry.unit}`,
        observations(entry).join('\n'),
      ];
    }),
    { mutedRows: muted },
  );
  return pdf.end();
}

const CSV_HEADERS = [
  'N° d’ordre',
  'Date de délivrance',
  'Date de présentation',
  'Patient',
  'Adresse du patient',
  'Prescripteur',
  'Adresse du prescripteur',
  'Date de prescription',
  'Produit',
  'Classe',
  'Quantité',
  'Unité de prise',
  'Période couverte du',
  'au',
  'Retirée par',
  'Contre-passée le',
  'Motif de la contre-passation',
];

/** The same ordonnancier as a CSV for a spreadsheet, one row per number. */
export function dispensingLogCsv(print: Pick<DispensingLogPrint, 'entries' | 'patients'>): Buffer {
  return frenchCsv(
    CSV_HEADERS,
    print.entries.map((entry) => {
      const patient = patientOf(print, entry.serviceUserId);
      return [
        entry.ordonnancierNumber,
        frenchDay(entry.day),
        frenchDay(entry.presentedOn),
        patient.name,
        patient.address ?? '',
        entry.prescriberName,
        entry.prescriberAddress,
        entry.prescribedOn && frenchDay(entry.prescribedOn),
        entry.productName,
        PRODUCT_CLASS_LABELS[entry.productClass],
        entry.units,
        entry.unit,
        entry.coversFrom && frenchDay(entry.coversFrom),
        entry.coversTo && frenchDay(entry.coversTo),
        entry.collectedBy,
        entry.counteredOn && frenchDay(entry.counteredOn),
        entry.counterReason,
      ];
    }),
  );
}

function patientOf(print: Pick<DispensingLogPrint, 'patients'>, serviceUserId: string): PatientOnPrint {
  return print.patients[serviceUserId] ?? { name: `Usager ${serviceUserId}`, address: 'non renseignée' };
}

/** The name and address, or the pseudonym on a line of its own: a number is never split at its hyphen. */
function patientCell(patient: PatientOnPrint): string {
  if (patient.pseudonym !== undefined) return `Usager anonyme\nn° ${patient.pseudonym}`;
  return patient.address === undefined ? patient.name : `${patient.name}\nAdresse : ${patient.address}`;
}

function observations(entry: DispensingLogEntry): string[] {
  const notes: string[] = [];
  if (entry.presentedOn !== entry.day) notes.push(`Présentée le ${frenchDay(entry.presentedOn)}`);
  if (entry.coversFrom && entry.coversTo) {
    notes.push(`Couvre du ${frenchDay(entry.coversFrom)} au ${frenchDay(entry.coversTo)}`);
  }
  if (entry.collectedBy) notes.push(`Retirée par ${entry.collectedBy}`);
  if (entry.counteredOn) {
    notes.push(
      `Contre-passée le ${frenchDay(entry.counteredOn)}${entry.counterReason ? ` : ${entry.counterReason}` : ''}`,
    );
  }
  return notes;
}
