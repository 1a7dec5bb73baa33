import {
  ASSESSMENT_GRIDS,
  IDENTITY_STATUS_LABELS,
  NO_MAIN_PRODUCT_LABEL,
  SENSITIVITY_LABELS,
  SEX_LABELS,
} from '@dui-pds/domain';
import { SHEET_PART_SENSITIVITY, type SheetPart, type SummarySheet } from '@dui-pds/projections';
import { printedIns } from '../ins/printed-ins.js';
import { qualifiedIdentity } from '../ins/qualified-identity.js';
import { FrenchPdf, frenchDay, frenchMoment } from '../pdf/french-pdf.js';
import { SHEET_LABELS } from './sheet-labels.js';

export interface SummarySheetPrint {
  sheet: SummarySheet;
  /** The parts the reader may not see: said as such, so that "none" is never mistaken for "hidden". */
  hiddenParts: readonly SheetPart[];
  /** Names of the ESSMS by FINESS, where known. */
  facilityNames: Readonly<Record<string, string>>;
  printedAt: Date;
  /** Who printed it (a professional id), written on the sheet. */
  printedBy: string;
}

const NOTHING = 'Aucun élément enregistré.';
const NOT_FILLED = 'non renseigné';
const PARIS_ISO_DAY = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Paris' });
const HIDDEN = 'Partie non accessible avec vos habilitations.';

/**
 * The summary sheet as a French A4 PDF, to print or to hand over. The INS is printed, with its
 * DataMatrix, for a qualified identity only; the status line says what any other identity is.
 */
export async function renderSummarySheetPdf(print: SummarySheetPrint): Promise<Buffer> {
  const { sheet } = print;
  const qualified = sheet.identity && !sheet.identity.anonymous ? qualifiedIdentity(sheet.identity) : undefined;
  const ins = qualified && (await printedIns(qualified));
  const facility = (facilityId: string) => {
    const name = print.facilityNames[facilityId];
    return name ? `${name} (FINESS ${facilityId})` : `FINESS ${facilityId}`;
  };
  const printedOn = PARIS_ISO_DAY.format(print.printedAt);
  const who = displayName(sheet);
  const pdf = new FrenchPdf(
    {
      title: `Fiche de synthèse — ${who}`,
      subject: 'Fiche de synthèse',
      author: 'DUI-PDS',
      createdAt: print.printedAt,
    },
    'Document confidentiel contenant des données de santé — ne pas diffuser',
  ).title(`Fiche de synthèse — ${who}`, [
    `Éditée le ${frenchMoment(print.printedAt)} par ${print.printedBy}`,
    sheet.updatedAt
      ? `Dossier à jour au ${frenchMoment(new Date(sheet.updatedAt))}`
      : 'Dossier sans élément enregistré',
  ]);

  const part = (name: SheetPart, heading: string, write: () => boolean) => {
    pdf.section(heading);
    if (print.hiddenParts.includes(name)) pdf.note(HIDDEN);
    else if (!write()) pdf.note(NOTHING);
  };

  part('identity', 'Identité', () => {
    const identity = sheet.identity;
    if (!identity) return false;
    if (identity.anonymous) {
      pdf.field('Usager anonyme, numéro pseudonyme', identity.pseudonym ?? '—');
      if (identity.sex) pdf.field('Sexe', SEX_LABELS[identity.sex]);
      if (identity.birthYear) pdf.field('Année de naissance', String(identity.birthYear));
      pdf.note('Accompagnement anonyme (article L.3414-1 du code de la santé publique) : aucun INS.');
      return true;
    }
    pdf.field('Nom de naissance', identity.birthName ?? '—');
    pdf.field('Prénom(s) de naissance', identity.birthFirstNames.join(' ') || '—');
    if (identity.usedName) pdf.field('Nom utilisé', identity.usedName);
    if (identity.usedFirstName) pdf.field('Prénom utilisé', identity.usedFirstName);
    if (identity.birthDate) pdf.field('Date de naissance', frenchDay(identity.birthDate));
    if (identity.postalAddress) pdf.field('Adresse', identity.postalAddress);
    if (identity.sex) pdf.field('Sexe', SEX_LABELS[identity.sex]);
    if (identity.birthplaceCode) pdf.field('Lieu de naissance (code INSEE)', identity.birthplaceCode);
    if (identity.identityStatus)
      pdf.field('Statut de l’identité', capitalised(IDENTITY_STATUS_LABELS[identity.identityStatus]));
    if (identity.pseudonym) pdf.field('Ancien numéro pseudonyme', identity.pseudonym);
    if (ins) pdf.nationalHealthIdentity(ins);
    return true;
  });

  part('trustedPerson', 'Personne de confiance', () => {
    const person = sheet.trustedPerson;
    if (!person) return false;
    pdf.field('Nom', person.relationship ? `${person.name} (${person.relationship})` : person.name);
    if (person.contact.phone) pdf.field('Téléphone', person.contact.phone);
    if (person.contact.email) pdf.field('Courriel', person.contact.email);
    if (person.contact.postalAddress) pdf.field('Adresse', person.contact.postalAddress);
    pdf.field('Désignée le', `${frenchDay(person.designatedOn)} — ${facility(person.facilityId)}`);
    pdf.field('Au titre de', person.scope.map((scope) => label('trustedPersonScope', scope)).join(' et '));
    pdf.field(
      'Cosignature',
      person.cosignedOn ? `le ${frenchDay(person.cosignedOn)}` : 'non encore cosignée par la personne désignée',
    );
    return true;
  });

  part('accompaniments', 'Accompagnements', () => {
    for (const accompaniment of sheet.accompaniments) {
      const exit = accompaniment.exit;
      pdf.bullet(
        `${facility(accompaniment.facilityId)} — admis le ${frenchDay(accompaniment.admittedAt)}`,
        exit
          ? `Sortie le ${frenchDay(exit.day)} : ${label('exitReason', exit.reason)} ; destination : ${label('exitDestination', exit.destination)}. ` +
              (exit.followUpClosed
                ? 'Suivi après la sortie clos.'
                : `Suivi après la sortie : ${plural(exit.openActions, 'action ouverte', 'actions ouvertes')}.`)
          : 'Accompagnement en cours.',
      );
    }
    return sheet.accompaniments.length > 0;
  });

  part('contracts', 'Contrat de séjour ou DIPC', () => {
    for (const contract of sheet.contracts) {
      const steps = [
        `admission le ${frenchDay(contract.admittedOn)}`,
        contract.handedOverOn ? `remis le ${frenchDay(contract.handedOverOn)}` : 'non remis',
        contract.signedOn ? `signé le ${frenchDay(contract.signedOn)}` : 'non signé',
        ...(contract.lastReviewedOn ? [`révisé le ${frenchDay(contract.lastReviewedOn)}`] : []),
      ];
      pdf.bullet(
        `${label('contractKind', contract.kind)} — ${label('contractStatus', contract.status)}, version ${contract.version}`,
        `${facility(contract.facilityId)} : ${steps.join(', ')}.`,
      );
    }
    return sheet.contracts.length > 0;
  });

  part('personalisedProjects', 'Projet personnalisé', () => {
    for (const plan of sheet.personalisedProjects) {
      pdf.field(
        facility(plan.facilityId),
        plan.validatedVersion === undefined
          ? 'en cours d’élaboration, aucune version validée'
          : `version ${plan.validatedVersion} validée le ${frenchDay(plan.validatedOn ?? '')}`,
      );
      for (const objective of plan.objectives) {
        const evaluation = objective.lastEvaluation
          ? `dernière évaluation le ${frenchDay(objective.lastEvaluation.day)} : ${label('evaluationResult', objective.lastEvaluation.result)}`
          : 'pas encore évalué';
        const actions = objective.actions.map(
          (action) =>
            `${action.done ? '[fait]' : '[à faire]'} ${action.what} (${action.who}, échéance ${frenchDay(action.deadline)})`,
        );
        pdf.bullet(
          `${objective.title} — ${label('objectiveDomain', objective.domain)}, ${evaluation}`,
          actions.join('\n') || undefined,
        );
      }
      pdf.gap();
    }
    return sheet.personalisedProjects.length > 0;
  });

  part('socialBenefits', 'Droits sociaux', () => {
    for (const benefit of sheet.socialBenefits) {
      pdf.bullet(
        `${label('socialBenefitKind', benefit.kind)} (${benefit.organism}) — du ${frenchDay(benefit.openFrom)} au ${frenchDay(benefit.openTo)}${benefit.closed ? ', clos' : ''}`,
      );
    }
    return sheet.socialBenefits.length > 0;
  });

  part('freedomOfMovementMeasures', 'Mesures individuelles relatives à la liberté d’aller et venir', () => {
    for (const measure of sheet.freedomOfMovementMeasures) {
      pdf.bullet(
        `${measure.description} — ${label('measureStatus', measure.status)}`,
        measure.reviewBy ? `À réévaluer au plus tard le ${frenchDay(measure.reviewBy)}.` : undefined,
      );
    }
    return sheet.freedomOfMovementMeasures.length > 0;
  });

  part('assessments', 'Évaluations (dernier score de chaque grille)', () => {
    for (const assessment of sheet.assessments) {
      const grid = ASSESSMENT_GRIDS.find((known) => known.gridId === assessment.gridId);
      pdf.bullet(
        `${grid?.title ?? assessment.gridId} (version ${assessment.gridVersion}) le ${frenchDay(assessment.filledAt)} : score ${assessment.score} — ${assessment.interpretation}`,
      );
    }
    return sheet.assessments.length > 0;
  });

  part('treatments', 'Traitements en cours', () => {
    // the opioid substitution treatments first: they are what a professional taking over must not miss
    const treatments = [...sheet.treatments].sort(
      (one, other) => Number(other.tsoProduct !== undefined) - Number(one.tsoProduct !== undefined),
    );
    for (const treatment of treatments) {
      const period =
        treatment.lastDay < printedOn
          ? `Du ${frenchDay(treatment.startsOn)} au ${frenchDay(treatment.lastDay)} : période échue, prescription non close.`
          : `Du ${frenchDay(treatment.startsOn)} au ${frenchDay(treatment.lastDay)} (ordonnance du ${frenchDay(treatment.prescribedOn)}).`;
      pdf.bullet(
        treatment.tsoProduct
          ? `TSO — ${label('tsoProduct', treatment.tsoProduct)} : ${treatment.productName}, ${treatment.dose}`
          : `${treatment.productName}, ${treatment.dose}`,
        [
          `Posologie : ${treatment.posology}`,
          period,
          ...(treatment.fractionDays === undefined
            ? []
            : [
                treatment.fractionDays === 'single'
                  ? 'Délivrance en une seule fois.'
                  : `Délivrance fractionnée par périodes de ${plural(treatment.fractionDays, 'jour', 'jours')}.`,
              ]),
          `Prescripteur : ${treatment.prescriber.name} (${label('prescriberSetting', treatment.prescriber.setting)}) — ${facility(treatment.facilityId)}`,
          ...(treatment.suspendedOn ? [`Suspendu depuis le ${frenchDay(treatment.suspendedOn)}.`] : []),
        ].join('\n'),
      );
    }
    return sheet.treatments.length > 0;
  });

  part('usageProfiles', 'Profil d’usage', () => {
    for (const profile of sheet.usageProfiles) {
      const details =
        profile.population === 'entourage'
          ? undefined
          : [
              `Produit principal : ${profile.mainProduct ? label('mainProduct', profile.mainProduct) : NO_MAIN_PRODUCT_LABEL}`,
              `Niveau d’usage : ${profile.useLevel ? label('useLevel', profile.useLevel) : NOT_FILLED}`,
              `Injection : ${profile.injection ? label('injection', profile.injection) : NOT_FILLED}`,
            ].join('\n');
      pdf.bullet(
        `${facility(profile.facilityId)} — profil ${profile.year} : ${label('usagePopulation', profile.population)}`,
        details,
      );
    }
    return sheet.usageProfiles.length > 0;
  });

  part('careTeam', 'Équipe de prise en charge', () => {
    for (const member of sheet.careTeam) pdf.bullet(`${member.professionalId} — ${facility(member.facilityId)}`);
    return sheet.careTeam.length > 0;
  });

  if (print.hiddenParts.length > 0) {
    pdf
      .gap()
      .note(
        `Parties réservées (${[...new Set(print.hiddenParts.map((name) => SENSITIVITY_LABELS[SHEET_PART_SENSITIVITY[name]]))].join(', ')}) : non imprimées, selon vos habilitations.`,
      );
  }
  return pdf.end();
}

/** How the sheet names the usager: used or birth name and first name, or the pseudonym. */
export function displayName(sheet: SummarySheet): string {
  const identity = sheet.identity;
  if (!identity) return 'usager';
  if (identity.anonymous) return `usager anonyme ${identity.pseudonym ?? ''}`.trim();
  const name = identity.usedName ?? identity.birthName ?? '';
  const firstName = identity.usedFirstName ?? identity.birthFirstNames[0] ?? '';
  return `${name} ${firstName}`.trim() || 'usager';
}

function label(kind: keyof typeof SHEET_LABELS, code: string): string {
  return (SHEET_LABELS[kind] as Readonly<Record<string, string>>)[code] ?? code;
}

function plural(count: number, one: string, many: string): string {
  return `${count} ${count > 1 ? many : one}`;
}

function capitalised(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
