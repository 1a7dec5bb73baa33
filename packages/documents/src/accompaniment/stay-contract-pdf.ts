import type { StayContractAnnex, StayContractKind, StayContractSignatory } from '@dui-pds/domain';
import { frenchLongDay } from '../pdf/french-pdf.js';
import {
  type AccompanimentPrintOptions,
  accompanimentPdf,
  type SignatureBlock,
  signedOn,
  type UsagerOnDocument,
  usagerName,
  writeEstablishment,
  writeUsager,
} from './accompaniment-print.js';

/** A signature of a contract, a DIPC or an amendment: who signed for the usager, and the director. */
export interface ContractSignatureOnPrint {
  signedOn: string;
  signedForUsagerBy?: StayContractSignatory;
  legalRepresentative?: string;
  directorId: string;
}

/** A contrat de séjour or a DIPC: its first version as signed, or the draft to hand over and sign. */
export interface StayContractPrint {
  usager: UsagerOnDocument;
  kind: StayContractKind;
  admittedOn: string;
  /** The day the accompaniment ended, when the contract was closed. */
  endedOn?: string;
  handedOverOn?: string;
  /** The refusal to sign the contract that made it a DIPC. */
  refusal?: { refusedOn: string; refusedBy: StayContractSignatory };
  objectives: readonly string[];
  services: readonly string[];
  annexes: readonly StayContractAnnex[];
  /** Absent for a draft: the boxes are left to sign. */
  signature?: ContractSignatureOnPrint;
  /** The amendments signed since, by number. */
  amendments?: readonly { number: number; signedOn: string }[];
}

export const CONTRACT_TITLES: Readonly<Record<StayContractKind, string>> = {
  'stay-contract': 'Contrat de séjour',
  dipc: 'Document individuel de prise en charge (DIPC)',
};

const LEGAL_MENTIONS: Readonly<Record<StayContractKind, string>> = {
  'stay-contract':
    'Contrat établi en application de l’article L.311-4 du code de l’action sociale et des familles (CASF) et de ' +
    'ses articles D.311 et suivants. Il est remis à la personne accueillie ou à son représentant légal au plus tard ' +
    'dans les quinze jours qui suivent l’admission et signé dans le mois qui la suit. La personne peut être ' +
    'accompagnée de la personne de confiance de son choix lors de sa remise et de sa signature.',
  dipc:
    'Document établi en application de l’article L.311-4 du code de l’action sociale et des familles (CASF) et de ' +
    'son article D.311 : il tient lieu de contrat de séjour lorsque le séjour ou l’accompagnement est inférieur à ' +
    'deux mois, ou lorsque la personne accueillie ou son représentant légal refuse de signer le contrat. Il est ' +
    'établi et signé par le directeur de l’établissement ou son délégué ; la signature de la personne y est ' +
    'recueillie lorsqu’elle la donne.',
};

const SIGNATORY_LABELS: Readonly<Record<StayContractSignatory, string>> = {
  usager: 'la personne accueillie',
  'legal-representative': 'son représentant légal',
};

/** The contrat de séjour or the DIPC of an accompaniment, as a French A4 PDF. */
export function stayContractPdf(contract: StayContractPrint, options: AccompanimentPrintOptions): Promise<Buffer> {
  const title = CONTRACT_TITLES[contract.kind];
  const what = contract.kind === 'dipc' ? 'Le présent document' : 'Le présent contrat';
  const pdf = accompanimentPdf(
    title,
    [
      contract.signature
        ? `Version 1 signée le ${frenchLongDay(contract.signature.signedOn)}`
        : 'Projet à remettre à la personne accueillie, non signé',
    ],
    options,
  );
  pdf.paragraph(LEGAL_MENTIONS[contract.kind]);

  pdf.section('Les parties');
  writeEstablishment(pdf, options.establishment);
  pdf.note('représenté par son directeur ou son délégué ;');
  pdf.gap();
  writeUsager(pdf, contract.usager);
  if (contract.signature?.legalRepresentative) {
    pdf.field('Représentée par', `${contract.signature.legalRepresentative}, représentant légal`);
  }

  pdf.section('Durée de l’accompagnement');
  pdf.field('Admission le', frenchLongDay(contract.admittedOn));
  if (contract.handedOverOn) pdf.field('Remis à la personne le', frenchLongDay(contract.handedOverOn));
  pdf.paragraph(
    contract.endedOn
      ? `${what} a pris effet le ${frenchLongDay(contract.admittedOn)} ; l’accompagnement a pris fin le ${frenchLongDay(contract.endedOn)}.`
      : `${what} prend effet le ${frenchLongDay(contract.admittedOn)}, jour de l’admission, pour une durée indéterminée : il prend fin à la sortie de la personne accueillie.`,
  );
  if (contract.kind === 'dipc') {
    pdf.note(
      contract.refusal
        ? `Établi à la suite du refus de signer le contrat de séjour exprimé le ${frenchLongDay(contract.refusal.refusedOn)} par ${SIGNATORY_LABELS[contract.refusal.refusedBy]}.`
        : 'Établi pour un séjour ou un accompagnement de moins de deux mois.',
    );
  }

  pdf.section('Objectifs de l’accompagnement');
  if (contract.objectives.length === 0) {
    pdf.note(
      'Les objectifs seront précisés par avenant au plus tard six mois après la signature, avec la personne accueillie.',
    );
  }
  for (const objective of contract.objectives) pdf.bullet(objective);

  pdf.section('Prestations proposées');
  if (contract.services.length === 0) pdf.note('Aucune prestation décrite à ce jour.');
  for (const service of contract.services) pdf.bullet(service);

  pdf.section('Annexes et documents remis');
  for (const annex of contract.annexes) pdf.bullet(annexTitle(annex));
  pdf.note(
    'Le livret d’accueil, la charte des droits et libertés de la personne accueillie et le règlement de ' +
      'fonctionnement sont remis avec ce document (article L.311-4 du CASF).',
  );

  pdf.section('Révision et modification');
  pdf.paragraph(
    'Les objectifs et les prestations sont actualisés par avenant au plus tard six mois après la signature, puis ' +
      'réévalués chaque année avec la personne accueillie. Toute modification fait l’objet d’un avenant établi et ' +
      'signé dans les mêmes conditions.',
  );
  for (const amendment of contract.amendments ?? []) {
    pdf.bullet(`Modifié par l’avenant n° ${amendment.number}, signé le ${frenchLongDay(amendment.signedOn)}.`);
  }

  pdf.signatures(
    [
      usagerSignature(contract.kind, contract.usager, contract.signature, contract.refusal),
      directorSignature(contract.signature),
    ],
    {
      heading: 'Signatures',
      place: contract.signature
        ? `Fait en deux exemplaires originaux, le ${frenchLongDay(contract.signature.signedOn)}.`
        : 'Fait en deux exemplaires originaux.',
    },
  );
  return pdf.end();
}

/** How an annex of a contract version is named on the page. */
export function annexTitle(annex: StayContractAnnex): string {
  switch (annex.kind) {
    case 'freedom-of-movement':
      return `Annexe relative aux mesures individuelles concernant la liberté d’aller et venir (article L.311-4-1 du CASF) : ${annex.measureIds.length} mesure${annex.measureIds.length > 1 ? 's' : ''}`;
    case 'operating-rules':
      return `Règlement de fonctionnement (${annex.reference})`;
    case 'price-list':
      return `Tarifs des prestations (${annex.reference})`;
    case 'other':
      return `${annex.title} (${annex.reference})`;
  }
}

/** The usager's box: who signs for them, and for a DIPC that the signature is optional or was refused. */
export function usagerSignature(
  kind: StayContractKind,
  usager: UsagerOnDocument,
  signature: ContractSignatureOnPrint | undefined,
  refusal?: { refusedOn: string; refusedBy: StayContractSignatory },
): SignatureBlock {
  const role =
    kind === 'dipc'
      ? 'La personne accueillie ou son représentant légal (signature facultative)'
      : 'La personne accueillie ou son représentant légal';
  const name =
    signature?.signedForUsagerBy === 'legal-representative' && signature.legalRepresentative
      ? `${signature.legalRepresentative}, représentant légal de : ${usagerName(usager)}`
      : usagerName(usager);
  if (signature?.signedForUsagerBy) return { role, name, signed: signedOn(signature.signedOn) as string };
  if (signature && refusal) {
    return { role, name, signed: `A refusé de signer le contrat de séjour le ${frenchLongDay(refusal.refusedOn)}` };
  }
  if (signature) return { role, name, signed: 'Non signé par la personne' };
  return { role, name, mention: 'Précédée de la mention « lu et approuvé »' };
}

export function directorSignature(signature: ContractSignatureOnPrint | undefined): SignatureBlock {
  return {
    role: 'Pour l’établissement, le directeur ou son délégué',
    ...(signature ? { name: signature.directorId, signed: signedOn(signature.signedOn) as string } : {}),
  };
}
