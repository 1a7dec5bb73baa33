import type { StayContractContent, StayContractKind } from '@dui-pds/domain';
import { frenchLongDay } from '../pdf/french-pdf.js';
import {
  type AccompanimentPrintOptions,
  accompanimentPdf,
  type UsagerOnDocument,
  writeEstablishment,
  writeUsager,
} from './accompaniment-print.js';
import { annexTitle, type ContractSignatureOnPrint, directorSignature, usagerSignature } from './stay-contract-pdf.js';

/** An amendment (avenant) to a contract or a DIPC: what it changes, from what, and its signature. */
export interface StayContractAmendmentPrint {
  usager: UsagerOnDocument;
  contractKind: StayContractKind;
  /** The amendment's number: 1 for the first (the contract's version 2). */
  number: number;
  admittedOn: string;
  /** When the contract (its version 1) was signed. */
  contractSignedOn: string;
  draftedOn: string;
  reason: string;
  /** The content in force before the amendment, and the one it puts in force. */
  before: StayContractContent;
  after: StayContractContent;
  /** Absent while the amendment waits for its signature. */
  signature?: ContractSignatureOnPrint;
}

const CONTRACT_NAMES: Readonly<Record<StayContractKind, string>> = {
  'stay-contract': 'au contrat de séjour',
  dipc: 'au document individuel de prise en charge',
};

/** Avenant n° N to a contract or a DIPC, as a French A4 PDF: the changes first, then the content in force. */
export function stayContractAmendmentPdf(
  amendment: StayContractAmendmentPrint,
  options: AccompanimentPrintOptions,
): Promise<Buffer> {
  const contract = CONTRACT_NAMES[amendment.contractKind];
  const pdf = accompanimentPdf(
    `Avenant n° ${amendment.number} ${contract}`,
    [
      amendment.signature
        ? `Signé le ${frenchLongDay(amendment.signature.signedOn)}`
        : `Projet d’avenant du ${frenchLongDay(amendment.draftedOn)}, à signer`,
    ],
    options,
  );
  pdf.paragraph(
    `Le présent avenant modifie le document signé le ${frenchLongDay(amendment.contractSignedOn)} ` +
      '(article L.311-4 et articles D.311 et suivants du code de l’action sociale et des familles). Il prend effet ' +
      'à sa signature ; ce qu’il ne modifie pas demeure inchangé.',
  );

  pdf.section('Les parties');
  writeEstablishment(pdf, options.establishment);
  pdf.gap();
  writeUsager(pdf, amendment.usager);
  pdf.field('Admission le', frenchLongDay(amendment.admittedOn));

  pdf.section('Motif de l’avenant');
  pdf.paragraph(amendment.reason);
  pdf.field('Proposé le', frenchLongDay(amendment.draftedOn));

  pdf.section('Ce que l’avenant change');
  const annexes = (content: StayContractContent) => content.annexes.map(annexTitle);
  const changes = [
    ...changed(['Objectif ajouté', 'Objectif retiré'], amendment.before.objectives, amendment.after.objectives),
    ...changed(['Prestation ajoutée', 'Prestation retirée'], amendment.before.services, amendment.after.services),
    ...changed(['Annexe ajoutée', 'Annexe retirée'], annexes(amendment.before), annexes(amendment.after)),
  ];
  if (changes.length === 0) pdf.note('Aucun changement de rédaction : l’avenant confirme le contenu en vigueur.');
  for (const [label, item] of changes) pdf.bullet(`${label} : ${item}`);

  pdf.section('Objectifs et prestations en vigueur après l’avenant');
  pdf.paragraph('Objectifs', { bold: true });
  if (amendment.after.objectives.length === 0) pdf.note('Aucun objectif.');
  for (const objective of amendment.after.objectives) pdf.bullet(objective);
  pdf.gap().paragraph('Prestations', { bold: true });
  for (const service of amendment.after.services) pdf.bullet(service);
  if (amendment.after.annexes.length > 0) {
    pdf.gap().paragraph('Annexes', { bold: true });
    for (const annex of annexes(amendment.after)) pdf.bullet(annex);
  }

  pdf.signatures(
    [
      usagerSignature(amendment.contractKind, amendment.usager, amendment.signature),
      directorSignature(amendment.signature),
    ],
    {
      heading: 'Signatures',
      place: amendment.signature
        ? `Fait en deux exemplaires originaux, le ${frenchLongDay(amendment.signature.signedOn)}.`
        : 'Fait en deux exemplaires originaux.',
    },
  );
  return pdf.end();
}

/** Items added and removed, each said as such; an item kept as it was is no change. */
function changed(
  [added, removed]: [string, string],
  before: readonly string[],
  after: readonly string[],
): [string, string][] {
  return [
    ...after.filter((item) => !before.includes(item)).map((item): [string, string] => [added, item]),
    ...before.filter((item) => !after.includes(item)).map((item): [string, string] => [removed, item]),
  ];
}
