import type { PrintedIns } from '../ins/printed-ins.js';
import { FrenchPdf, frenchLongDay, type SignatureBlock } from '../pdf/french-pdf.js';

/** The ESSMS that issues a document: every page carries its name and address. */
export interface EstablishmentOnDocument {
  /** FINESS. */
  facilityId: string;
  name: string;
  address?: string;
}

/**
 * How a document names the usager: their name, or for an anonymous usager (L.3414-1 CSP) only
 * their pseudonymous number, so that no name can reach the page. The INS comes only with a
 * qualified identity (`printedIns`).
 */
export type UsagerOnDocument =
  | { anonymous: false; name: string; birthDate?: string; postalAddress?: string; ins?: PrintedIns }
  | { anonymous: true; pseudonym: string };

/** What every generated document of the accompaniment says of itself. */
export interface AccompanimentPrintOptions {
  establishment: EstablishmentOnDocument;
  printedAt: Date;
  /** Who generated it (a professional id), written under the title. */
  printedBy?: string;
}

export const ACCOMPANIMENT_FOOTER = 'Document confidentiel — ne pas diffuser';

/** The usager as the text of a document names them. */
export function usagerName(usager: UsagerOnDocument): string {
  return usager.anonymous ? `Usager anonyme n° ${usager.pseudonym}` : usager.name;
}

/** The page header: the establishment's name, then its address and FINESS. */
export function establishmentLines(establishment: EstablishmentOnDocument): string[] {
  return [
    establishment.name,
    establishment.address
      ? `${establishment.address} — FINESS ${establishment.facilityId}`
      : `FINESS ${establishment.facilityId}`,
  ];
}

/** A document with the establishment on every page, its title, and the lines under it. */
export function accompanimentPdf(
  title: string,
  subtitle: readonly string[],
  options: AccompanimentPrintOptions,
  footer = ACCOMPANIMENT_FOOTER,
) {
  const edited = `Édité le ${frenchLongDay(options.printedAt)} à ${parisTime(options.printedAt)}${options.printedBy ? ` par ${options.printedBy}` : ''}`;
  return new FrenchPdf(
    { title, subject: title, author: options.establishment.name, createdAt: options.printedAt },
    footer,
    { pageHeader: establishmentLines(options.establishment) },
  ).title(title, [...subtitle, edited]);
}

/** The usager's part of a document: name, birth day, address and INS, or the pseudonym and why. */
export function writeUsager(pdf: FrenchPdf, usager: UsagerOnDocument, label = 'Personne accueillie'): void {
  if (usager.anonymous) {
    pdf.field(label, `usager anonyme, numéro ${usager.pseudonym}`);
    pdf.note(
      'Accueil anonyme (article L.3414-1 du code de la santé publique) : la personne est désignée par ce numéro.',
    );
    return;
  }
  pdf.field(label, usager.name);
  if (usager.birthDate) pdf.field('Date de naissance', frenchLongDay(usager.birthDate));
  if (usager.postalAddress) pdf.field('Adresse', usager.postalAddress);
  if (usager.ins) pdf.nationalHealthIdentity(usager.ins);
}

/** The establishment's part of a document. */
export function writeEstablishment(pdf: FrenchPdf, establishment: EstablishmentOnDocument): void {
  pdf.field('Établissement', establishment.name);
  pdf.field('FINESS', establishment.facilityId);
  if (establishment.address) pdf.field('Adresse', establishment.address);
}

/** `Signé le 27 octobre 2025`, or nothing before the signature. */
export function signedOn(day: string | undefined): string | undefined {
  return day === undefined ? undefined : `Signé le ${frenchLongDay(day)}`;
}

export type { SignatureBlock };

const PARIS_TIME = new Intl.DateTimeFormat('fr-FR', { timeZone: 'Europe/Paris', timeStyle: 'short' });

function parisTime(instant: Date): string {
  return PARIS_TIME.format(instant);
}
