import type { DispensingLogSort, RegisterLine, ServiceUserSummary, StockLineKind } from '@dui-pds/projections';
import { frenchDay, frenchMoment } from '../pdf/french-pdf.js';

/** The establishment a register belongs to: every printed page carries its name and address (R.5132-36). */
export interface EstablishmentOnPrint {
  /** FINESS. */
  facilityId: string;
  name: string;
  address: string;
}

/** What every pharmacy print says of itself: whose, which period, as of when, printed by whom. */
export interface PharmacyPrintContext {
  establishment: EstablishmentOnPrint;
  from: string;
  to: string;
  /** For a print as of a past moment (time travel): the register as it stood then. */
  asOf?: Date;
  printedAt: Date;
  /** Who printed it (a professional id), written on the print. */
  printedBy: string;
}

/** How the ordonnancier names a usager: name and address, or the pseudonymous number. */
export interface PatientOnPrint {
  name: string;
  /** An anonymous usager's pseudonymous number, kept whole on a line of its own in the PDF. */
  pseudonym?: string;
  /** Undefined for an anonymous usager, who has none on record. */
  address?: string;
}

export const PHARMACY_FOOTER = 'Document réglementaire — données de santé confidentielles';

export const STOCK_LINE_LABELS: Readonly<Record<StockLineKind, string>> = {
  opening: 'Report du mois précédent',
  receipt: 'Entrée : réception',
  dispensation: 'Sortie : délivrance',
  loss: 'Sortie : perte',
  theft: 'Sortie : vol',
  destruction: 'Sortie : destruction',
  return: 'Sortie : retour au fournisseur',
  inventory: 'Inventaire',
  'counter-entry': 'Contre-passation',
};

export const DISPENSING_LOG_SORT_LABELS: Readonly<Record<DispensingLogSort, string>> = {
  number: 'par numéro d’ordre',
  patient: 'par patient',
  product: 'par produit',
  date: 'par date de délivrance',
};

/** The page header: the establishment's name, then its address and FINESS. */
export function establishmentHeader(establishment: EstablishmentOnPrint): string[] {
  return [establishment.name, `${establishment.address} — FINESS ${establishment.facilityId}`];
}

/** The lines under a print's title: period, state, edition. */
export function printSubtitle(context: PharmacyPrintContext): string[] {
  return [
    `Période du ${frenchDay(context.from)} au ${frenchDay(context.to)}`,
    context.asOf
      ? `État du registre au ${frenchMoment(context.asOf)} (tel qu’il était enregistré à cet instant)`
      : `État du registre à l’édition`,
    `Édité le ${frenchMoment(context.printedAt)} par ${context.printedBy}`,
  ];
}

/** The patient of an ordonnancier entry, from the identity read at printing time. */
export function patientOnPrint(identity: ServiceUserSummary | undefined, serviceUserId: string): PatientOnPrint {
  if (!identity) return { name: `Usager ${serviceUserId} (identité introuvable)`, address: 'non renseignée' };
  if (identity.anonymous) {
    const pseudonym = identity.pseudonym ?? serviceUserId;
    return { name: `Usager anonyme n° ${pseudonym}`, pseudonym };
  }
  const name = identity.usedName ?? identity.birthName ?? '';
  const firstName = identity.usedFirstName ?? identity.birthFirstNames[0] ?? '';
  return {
    name: `${name} ${firstName}`.trim() || `Usager ${serviceUserId}`,
    address: identity.postalAddress ?? 'non renseignée',
  };
}

/** Whole numbers as the documents print them: plain digits, a hyphen for the sign (both in WinAnsi). */
export function units(value: number): string {
  return String(value);
}

/** A gap or net movement, signed. */
export function signed(value: number): string {
  return value > 0 ? `+${value}` : String(value);
}

/** The lots a line moved: `MET-A : 7`, with the expiry of a lot received. */
export function lotsText(line: Pick<RegisterLine, 'lots' | 'kind'>): string {
  return line.lots
    .map((lot) => {
      const expiry = lot.expiresOn ? ` (pér. ${frenchDay(lot.expiresOn)})` : '';
      return line.kind === 'inventory' ? `${lot.lot}${expiry}` : `${lot.lot}${expiry} : ${Math.abs(lot.units)}`;
    })
    .join(', ');
}

/**
 * What justifies a line, as the register must show it: the supplier and delivery of a receipt,
 * the ordonnancier number of a dispensation, the certificate and witness of a destruction, the
 * declaration of a theft or loss, the count of an inventory, the line and reason of a
 * counter-entry. `numberOf` gives a line's number in the print, for the cross-references.
 */
export function justification(line: RegisterLine, numberOf: (lineId: string) => number | undefined): string {
  const reference = (lineId: string) => {
    const number = numberOf(lineId);
    return number === undefined ? `la ligne ${lineId}` : `la ligne n° ${number}`;
  };
  const parts: string[] = [];
  switch (line.kind) {
    case 'opening':
      parts.push('Solde reporté à l’ouverture du mois');
      break;
    case 'receipt':
      parts.push(`Fournisseur : ${line.party ?? '—'}`);
      if (line.document) parts.push(`bon de livraison ${line.document}`);
      break;
    case 'dispensation':
      parts.push(line.ordonnancierNumber === null ? 'Délivrance' : `Ordonnancier n° ${line.ordonnancierNumber}`);
      break;
    case 'loss':
    case 'theft':
      parts.push(`Déclaration : ${line.document ?? '—'}`);
      break;
    case 'destruction':
      parts.push(`Certificat : ${line.document ?? '—'}`, `témoin : ${line.party ?? '—'}`);
      if (line.arsNotifiedOn) parts.push(`ARS informée le ${frenchDay(line.arsNotifiedOn)}`);
      break;
    case 'return':
      parts.push(`Retour à ${line.party ?? '—'}`);
      break;
    case 'inventory': {
      const gap = (line.counted ?? 0) - (line.theoretical ?? 0);
      parts.push(`Compté ${line.counted ?? '—'}, théorique ${line.theoretical ?? '—'}, écart ${signed(gap)}`);
      if (line.explanation) parts.push(`explication : ${line.explanation}`);
      if (line.party) parts.push(`compté par ${line.party}`);
      break;
    }
    case 'counter-entry':
      parts.push(`Contre-passe ${line.counteredLineId ? reference(line.counteredLineId) : 'une ligne'}`);
      if (line.explanation) parts.push(`motif : ${line.explanation}`);
      break;
  }
  const text = parts.join(' ; ');
  return line.counteredByLineId ? `${text} — contre-passée par ${reference(line.counteredByLineId)}` : text;
}

/** An instant of recording, in Paris time. */
export function recordedOn(instant: string): string {
  return frenchMoment(new Date(instant));
}
