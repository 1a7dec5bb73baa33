import type { MeasureOutcome, StayContractKind } from '@dui-pds/domain';
import { frenchLongDay } from '../pdf/french-pdf.js';
import {
  type AccompanimentPrintOptions,
  accompanimentPdf,
  type UsagerOnDocument,
  usagerName,
  writeUsager,
} from './accompaniment-print.js';

/** A measure restricting the usager's freedom of movement, with what the law asks to say of it. */
export interface MeasureOnPrint {
  description: string;
  /** The multidisciplinary assessment the measure rests on. */
  assessment: string;
  /** The doctor who proposed it. */
  proposedBy: string;
  proposedOn: string;
  /** The director who decided it; absent while it is only proposed. */
  decidedBy?: string;
  decidedOn?: string;
  /** By when it must be reviewed; absent before the decision and once lifted. */
  reviewBy?: string;
  informedOn?: string;
  informedHow?: string;
  lastReview?: { on: string; outcome: MeasureOutcome };
}

/** The annex to the contract (or DIPC) listing the measures, with the contract it belongs to when known. */
export interface FreedomOfMovementAnnexPrint {
  usager: UsagerOnDocument;
  contract?: { kind: StayContractKind; signedOn?: string };
  measures: readonly MeasureOnPrint[];
}

const OUTCOME_LABELS: Readonly<Record<MeasureOutcome, string>> = {
  maintained: 'mesure maintenue',
  modified: 'mesure modifiée',
  lifted: 'mesure levée',
};

/**
 * The annexe au contrat de séjour on the freedom of movement (L.311-4-1 CASF, décret 2016-1743):
 * each measure with its assessment, the proposing doctor, the deciding director, the information
 * of the person, and its review date.
 */
export function freedomOfMovementAnnexPdf(
  annex: FreedomOfMovementAnnexPrint,
  options: AccompanimentPrintOptions,
): Promise<Buffer> {
  const contract = annex.contract;
  const of =
    contract === undefined
      ? 'au contrat de séjour'
      : `${contract.kind === 'dipc' ? 'au document individuel de prise en charge' : 'au contrat de séjour'}${contract.signedOn ? ` signé le ${frenchLongDay(contract.signedOn)}` : ''}`;
  const pdf = accompanimentPdf(
    'Annexe au contrat de séjour — liberté d’aller et venir',
    [`Mesures particulières et individuelles, annexe ${of}`],
    options,
  );
  pdf.paragraph(
    'Annexe prévue à l’article L.311-4-1 du code de l’action sociale et des familles et par le décret ' +
      'n° 2016-1743 du 15 décembre 2016. Elle définit les mesures particulières et individuelles strictement ' +
      'nécessaires pour assurer l’intégrité physique et la sécurité de la personne et pour soutenir l’exercice de ' +
      'sa liberté d’aller et venir. Chaque mesure est proposée par un médecin au vu d’une évaluation ' +
      'pluridisciplinaire, décidée par le directeur, portée à la connaissance de la personne, et réévaluée au plus ' +
      'tard à la date indiquée.',
  );

  pdf.section('La personne accueillie');
  writeUsager(pdf, annex.usager);

  pdf.section('Mesures');
  if (annex.measures.length === 0) pdf.note('Aucune mesure en vigueur.');
  annex.measures.forEach((measure, index) => {
    if (index > 0) pdf.gap();
    pdf.paragraph(`Mesure n° ${index + 1} : ${measure.description}`, { bold: true });
    pdf.field('Évaluation pluridisciplinaire', measure.assessment);
    pdf.field('Proposée par le médecin', `${measure.proposedBy}, le ${frenchLongDay(measure.proposedOn)}`);
    pdf.field(
      'Décidée par le directeur',
      measure.decidedBy && measure.decidedOn
        ? `${measure.decidedBy}, le ${frenchLongDay(measure.decidedOn)}`
        : 'décision à prendre',
    );
    pdf.field(
      'Information de la personne',
      measure.informedOn
        ? `le ${frenchLongDay(measure.informedOn)}${measure.informedHow ? ` (${measure.informedHow})` : ''}`
        : 'à faire',
    );
    if (measure.lastReview) {
      pdf.field(
        'Dernière réévaluation',
        `le ${frenchLongDay(measure.lastReview.on)} : ${OUTCOME_LABELS[measure.lastReview.outcome]}`,
      );
    }
    if (measure.lastReview?.outcome !== 'lifted') {
      pdf.field(
        'À réévaluer au plus tard le',
        measure.reviewBy ? frenchLongDay(measure.reviewBy) : 'date fixée par la décision',
      );
    }
  });

  pdf.section('Droits de la personne');
  pdf.paragraph(
    'La personne accueillie, ou son représentant légal, peut à tout moment demander la réévaluation d’une mesure. ' +
      'Toute mesure est levée dès qu’elle n’est plus nécessaire ; sa modification donne lieu à une nouvelle annexe.',
  );
  pdf.note(
    'Obligation légale dans les établissements accueillant des personnes âgées ; bonne pratique dans les autres établissements.',
  );

  const directors = [...new Set(annex.measures.flatMap((measure) => measure.decidedBy ?? []))];
  pdf.signatures(
    [
      {
        role: 'La personne accueillie ou son représentant légal',
        name: usagerName(annex.usager),
        mention: 'Précédée de la mention « lu et approuvé »',
      },
      {
        role: 'Pour l’établissement, le directeur ou son délégué',
        ...(directors.length === 1 ? { name: directors[0] as string } : {}),
      },
    ],
    { heading: 'Signatures', place: 'Fait en deux exemplaires originaux.' },
  );
  return pdf.end();
}
