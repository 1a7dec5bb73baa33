import {
  type ActionOwner,
  type CoConstruction,
  EVALUATION_RESULT_LABELS,
  type EvaluationResult,
  OBJECTIVE_DOMAIN_LABELS,
  type ObjectiveDomain,
  USAGER_AGREEMENT_LABELS,
} from '@dui-pds/domain';
import { frenchLongDay } from '../pdf/french-pdf.js';
import {
  type AccompanimentPrintOptions,
  accompanimentPdf,
  type UsagerOnDocument,
  usagerName,
  writeUsager,
} from './accompaniment-print.js';

/** One version of a personalised project: validated with the usager, or the draft being built. */
export interface PersonalisedProjectPrint {
  usager: UsagerOnDocument;
  version: number;
  startedOn: string;
  /** Absent for a draft. */
  validated?: { on: string; by: string; coConstruction: CoConstruction };
  objectives: readonly ObjectiveOnPrint[];
  /** The versions validated before this one. */
  earlierVersions?: readonly { version: number; validatedOn: string }[];
}

export interface ObjectiveOnPrint {
  title: string;
  description: string;
  domain: ObjectiveDomain;
  actions: readonly { what: string; who: ActionOwner; deadline: string; completedOn?: string }[];
  /** Oldest first. */
  evaluations: readonly { evaluatedOn: string; result: EvaluationResult; comment: string; evaluatedBy: string }[];
}

/** The projet personnalisé, one version, as a French A4 PDF. */
export function personalisedProjectPdf(
  project: PersonalisedProjectPrint,
  options: AccompanimentPrintOptions,
): Promise<Buffer> {
  const validated = project.validated;
  const pdf = accompanimentPdf(
    'Projet personnalisé',
    [
      validated
        ? `Version ${project.version} validée le ${frenchLongDay(validated.on)}`
        : `Version ${project.version} en cours d’élaboration, non validée`,
    ],
    options,
  );
  pdf.paragraph(
    'Projet d’accueil et d’accompagnement élaboré avec la personne accueillie, qui participe directement à sa ' +
      'conception et à sa mise en œuvre (article L.311-3, 3° et 7°, du code de l’action sociale et des familles). ' +
      'Il est réévalué avec elle au moins une fois par an.',
  );

  pdf.section('La personne accueillie');
  writeUsager(pdf, project.usager);
  pdf.field('Projet commencé le', frenchLongDay(project.startedOn));
  for (const earlier of project.earlierVersions ?? []) {
    pdf.field(`Version ${earlier.version}`, `validée le ${frenchLongDay(earlier.validatedOn)}`);
  }

  pdf.section('Participation de la personne');
  if (!validated) {
    pdf.note('La participation de la personne est recueillie lors de la validation de cette version.');
  } else {
    const coConstruction = validated.coConstruction;
    pdf.field('Réunion de co-construction le', frenchLongDay(coConstruction.meetingOn));
    pdf.field('Présence de la personne', coConstruction.usagerPresent ? 'présente' : 'absente');
    if (!coConstruction.usagerPresent && coConstruction.absenceReason) {
      pdf.field('Motif de l’absence', coConstruction.absenceReason);
    }
    pdf.field('Avis de la personne', USAGER_AGREEMENT_LABELS[coConstruction.usagerAgreement]);
    if (coConstruction.usagerWords) pdf.field('Ses mots et ses souhaits', coConstruction.usagerWords);
  }

  pdf.section('Objectifs, actions et évaluations');
  if (project.objectives.length === 0) pdf.note('Aucun objectif défini.');
  project.objectives.forEach((objective, index) => {
    if (index > 0) pdf.gap();
    pdf.paragraph(`Objectif ${index + 1} : ${objective.title} (${OBJECTIVE_DOMAIN_LABELS[objective.domain]})`, {
      bold: true,
    });
    if (objective.description) pdf.paragraph(objective.description);
    if (objective.actions.length === 0) pdf.note('Aucune action prévue.');
    else {
      pdf.table(
        [
          { header: 'Action', width: 5 },
          { header: 'Par', width: 3 },
          { header: 'Échéance', width: 2 },
          { header: 'Réalisée le', width: 2 },
        ],
        objective.actions.map((action) => [
          action.what,
          owner(action.who),
          frenchLongDay(action.deadline),
          action.completedOn ? frenchLongDay(action.completedOn) : '—',
        ]),
      );
    }
    if (objective.evaluations.length === 0) pdf.note('Pas encore évalué.');
    else {
      pdf.table(
        [
          { header: 'Évaluation du', width: 2 },
          { header: 'Résultat', width: 2 },
          { header: 'Commentaire', width: 6 },
          { header: 'Par', width: 2 },
        ],
        objective.evaluations.map((evaluation) => [
          frenchLongDay(evaluation.evaluatedOn),
          EVALUATION_RESULT_LABELS[evaluation.result],
          evaluation.comment || '—',
          evaluation.evaluatedBy,
        ]),
      );
    }
  });

  pdf.signatures(
    [
      { role: 'La personne accueillie ou son représentant légal', name: usagerName(project.usager) },
      {
        role: 'Le professionnel référent du projet',
        ...(validated ? { name: validated.by, signed: `Validé le ${frenchLongDay(validated.on)}` } : {}),
      },
    ],
    { heading: 'Signatures' },
  );
  return pdf.end();
}

function owner(who: ActionOwner): string {
  switch (who.kind) {
    case 'professional':
      return who.professionalId;
    case 'usager':
      return 'la personne accueillie';
    case 'partner':
      return who.partner;
  }
}
