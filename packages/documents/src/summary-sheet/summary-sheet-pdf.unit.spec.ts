import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { INS_OIDS, nirKey } from '@dui-pds/domain';
import { PATIENT_USAGE_PROFILE } from '@dui-pds/domain/testing';
import { emptySheet, evolveSummarySheet, readableSheet, type SummarySheet } from '@dui-pds/projections';
import { expect } from 'chai';
import { pdfPagesText } from '../testing/pdf-text.js';
import { renderSummarySheetPdf } from './summary-sheet-pdf.js';

const CSAPA = '750000001';
const ins = { value: `1720313055042`.concat(nirKey('1720313055042')), oid: INS_OIDS.nir };
const accompanimentId = '0195f0a0-0000-7000-8000-0000000000a1';
const projectId = '0195f0a0-0000-7000-8000-0000000000b1';
const uuid = (n: number) => `0195f0a0-0000-7000-8000-${String(n).padStart(12, '0')}`;

/** A medicine prescribed at the CSAPA: 14 days from 28 October 2026, unless told otherwise. */
const prescription = (prescriptionId: string, terms: Record<string, unknown>) => ({
  prescriptionId,
  serviceUserId: 'u-1',
  facilityId: CSAPA,
  productId: 'product',
  productName: 'Médicament',
  dose: '1 mg',
  posology: 'Un comprimé le soir',
  dailyUnits: 1,
  prescribedOn: '2026-10-28',
  startsOn: '2026-10-28',
  durationDays: 14,
  overlapAllowed: false,
  prescriber: { professionalId: 'dr-leroy', name: 'Dr Anne Leroy', address: 'CSAPA Les Tilleuls', setting: 'csapa' },
  ...terms,
});

/** The sheet of Pierre Durand, followed at the CSAPA for a year: what the facts of his record make. */
function pierreDurandsSheet(): SummarySheet {
  const traits = {
    birthName: 'DURAND',
    birthFirstNames: ['PIERRE', 'LOUIS'],
    birthDate: '1972-03-08',
    sex: 'M' as const,
    birthplaceCode: '13055',
  };
  const facts: [string, unknown][] = [
    [
      'ServiceUserRegistered',
      { serviceUserId: 'u-1', facilityId: CSAPA, traits, registeredAt: '2025-10-02T08:00:00Z', status: 'PROV' },
    ],
    ['InsRetrieved', { ins, traits, operation: 'search', at: '2025-10-02T08:05:00Z', status: 'RECUP' }],
    [
      'IdentityDocumentChecked',
      {
        checkId: uuid(1),
        kind: 'national-id-card',
        checkedOn: '2025-10-02',
        checkedBy: 'pro-1',
        outcome: 'consistent',
        validates: true,
        status: 'QUAL',
      },
    ],
    [
      'Admitted',
      {
        facilityId: CSAPA,
        accompanimentId,
        admittedAt: '2025-10-06T09:00:00+02:00',
        applicationId: uuid(2),
        serviceUserId: 'u-1',
      },
    ],
    [
      'StayContractDrafted',
      {
        contractId: uuid(3),
        kind: 'dipc',
        serviceUserId: 'u-1',
        facilityId: CSAPA,
        accompanimentId,
        admittedOn: '2025-10-06',
        objectives: [],
        services: [],
        annexes: [],
      },
    ],
    ['StayContractHandedOver', { contractId: uuid(3), handedOverOn: '2025-10-13' }],
    [
      'StayContractSigned',
      { contractId: uuid(3), version: 1, kind: 'dipc', signedOn: '2025-10-27', directorId: 'pro-director' },
    ],
    [
      'PersonalisedProjectStarted',
      {
        projectId,
        serviceUserId: 'u-1',
        facilityId: CSAPA,
        accompanimentId,
        startedOn: '2025-10-20',
        startedBy: 'pro-2',
      },
    ],
    [
      'ProjectVersionValidated',
      {
        projectId,
        version: 1,
        validatedOn: '2025-11-17',
        validatedBy: 'pro-2',
        coConstruction: {},
        objectives: [
          {
            objectiveId: uuid(4),
            title: 'Stabiliser le traitement de substitution',
            description: '',
            domain: 'care',
            actions: [
              {
                actionId: uuid(5),
                what: 'Consultation médicale hebdomadaire',
                who: { kind: 'professional', professionalId: 'dr-leroy' },
                deadline: '2026-01-31',
                completedOn: '2026-01-30',
              },
            ],
            evaluations: [{ evaluatedOn: '2026-02-02', result: 'achieved', comment: '', evaluatedBy: 'dr-leroy' }],
          },
          {
            objectiveId: uuid(6),
            title: 'Retrouver un logement stable',
            description: '',
            domain: 'housing',
            actions: [
              {
                actionId: uuid(7),
                what: 'Dossier SIAO',
                who: { kind: 'partner', partner: 'SIAO des Bouches-du-Rhône' },
                deadline: '2026-03-15',
              },
            ],
            evaluations: [],
          },
        ],
      },
    ],
    [
      'SocialBenefitRecorded',
      {
        benefitId: uuid(8),
        serviceUserId: 'u-1',
        facilityId: CSAPA,
        kind: 'CSS',
        organism: 'CPAM des Bouches-du-Rhône',
        openFrom: '2025-11-01',
        openTo: '2026-10-31',
        renewalLeadDays: 60,
        documents: [],
      },
    ],
    [
      'AssessmentRecorded',
      {
        assessmentId: uuid(9),
        gridId: 'audit',
        gridVersion: '1',
        serviceUserId: 'u-1',
        facilityId: CSAPA,
        answers: {},
        filledAt: '2025-10-20T10:00:00+02:00',
        complete: true,
        score: 17,
        band: { from: 16, to: 40, label: 'Dépendance probable', level: 'dependence' },
      },
    ],
    [
      'ExitRecorded',
      {
        accompanimentId,
        serviceUserId: 'u-1',
        facilityId: CSAPA,
        exitDay: '2026-09-30',
        exitReason: 'reoriented',
        destination: 'other-essms',
      },
    ],
    [
      'PostExitActionPlanned',
      {
        accompanimentId,
        actionId: uuid(10),
        description: 'Appeler le CSAPA d’accueil',
        assigneeId: 'pro-2',
        dueDay: '2026-10-15',
      },
    ],
    ['CareTeamMemberAdded', { professionalId: 'dr-leroy', serviceUserId: 'u-1', facilityId: CSAPA }],
    ['MedicinePrescribed', prescription(uuid(11), { productName: 'Diazépam 10 mg, comprimé', dose: '10 mg' })],
    [
      'MedicinePrescribed',
      prescription(uuid(12), {
        productName: 'Méthadone AP-HP 60 mg, sirop',
        tsoProduct: 'methadone-syrup',
        dose: '60 mg',
        posology: 'Un flacon de 60 mg chaque matin',
        prescribedOn: '2026-11-20',
        startsOn: '2026-11-20',
        fractionDays: 7,
      }),
    ],
    [
      'TrustedPersonDesignated',
      {
        trustedPersonId: uuid(13),
        serviceUserId: 'u-1',
        facilityId: CSAPA,
        person: {
          name: 'Claire Durand',
          relationship: 'sœur',
          contact: { phone: '06 12 34 56 78', email: 'claire.durand@example.org' },
        },
        scope: ['casf', 'csp'],
        designatedOn: '2025-10-06',
        mayConsultRecord: false,
      },
    ],
    ['TrustedPersonCosigned', { trustedPersonId: uuid(13), cosignedOn: '2025-10-08', how: 'inPerson' }],
    [
      'UsageProfileRecorded',
      {
        profileId: uuid(14),
        serviceUserId: 'u-1',
        facilityId: CSAPA,
        year: 2026,
        ...PATIENT_USAGE_PROFILE,
      },
    ],
  ];
  return facts.reduce(
    (sheet, [type, data], index) =>
      evolveSummarySheet(sheet, { type, data, recordedAt: `2026-10-0${Math.min(index, 9)}T10:00:00Z` }),
    emptySheet('u-1'),
  );
}

describe('the summary sheet as a PDF', () => {
  it('prints a realistic record in French: identity with its INS, accompaniment, DIPC, project, rights, scores', async () => {
    // given Pierre Durand's record, read by a member of his care team
    const sheet = readableSheet(pierreDurandsSheet(), () => true);

    // when the sheet is printed
    const pdf = await renderSummarySheetPdf({
      sheet,
      hiddenParts: [],
      facilityNames: { [CSAPA]: 'CSAPA Les Tilleuls' },
      printedAt: new Date('2026-11-26T08:15:00Z'),
      printedBy: 'dr-leroy',
    });
    if (process.env.DUI_KEEP_PDF) await writeFile(join(tmpdir(), 'fiche-de-synthese.pdf'), pdf);

    // then it is a PDF whose text says what the record holds, in French
    expect(pdf.subarray(0, 5).toString()).to.equal('%PDF-');
    const text = (await pdfPagesText(pdf)).join('\n');
    for (const expected of [
      'Fiche de synthèse — DURAND PIERRE',
      'Éditée le 26/11/2026 à 09:15 par dr-leroy',
      'Prénom(s) de naissance : PIERRE LOUIS',
      'Date de naissance : 08/03/1972',
      'Statut de l’identité : Identité qualifiée',
      'Identité nationale de santé',
      `INS (NIR) : ${ins.value}`,
      'OID : 1.2.250.1.213.1.4.8',
      'CSAPA Les Tilleuls (FINESS 750000001) — admis le 06/10/2025',
      'Sortie le 30/09/2026 : Réorientation vers une autre structure',
      '1 action ouverte',
      'Document individuel de prise en charge (DIPC) — signé, version 1',
      'remis le 13/10/2025, signé le 27/10/2025',
      'version 1 validée le 17/11/2025',
      'Stabiliser le traitement de substitution — Soins, dernière évaluation le 02/02/2026 : Atteint',
      '[à faire] Dossier SIAO (SIAO des Bouches-du-Rhône, échéance 15/03/2026)',
      'CSS (CPAM des Bouches-du-Rhône) — du 01/11/2025 au 31/10/2026',
      'score 17 — Dépendance probable',
      'Personne de confiance',
      'Nom : Claire Durand (sœur)',
      'Téléphone : 06 12 34 56 78',
      'Courriel : claire.durand@example.org',
      'Désignée le : 06/10/2025 — CSAPA Les Tilleuls (FINESS 750000001)',
      'Au titre de : accompagnement (L.311-5-1 du CASF) et décisions de santé (L.1111-6 du CSP)',
      'Cosignature : le 08/10/2025',
      'Traitements en cours',
      'TSO — Méthadone sirop : Méthadone AP-HP 60 mg, sirop, 60 mg',
      'Posologie : Un flacon de 60 mg chaque matin',
      'Du 20/11/2026 au 03/12/2026 (ordonnance du 20/11/2026).',
      'Délivrance fractionnée par périodes de 7 jours.',
      'Prescripteur : Dr Anne Leroy (CSAPA) — CSAPA Les Tilleuls (FINESS 750000001)',
      'Diazépam 10 mg, comprimé, 10 mg',
      'Du 28/10/2026 au 10/11/2026 : période échue, prescription non close.',
      'Profil d’usage',
      'CSAPA Les Tilleuls (FINESS 750000001) — profil 2026 : Patient (consommateur)',
      'Produit principal : Héroïne, opioïdes',
      'Niveau d’usage : Dépendance',
      'Injection : A injecté, pas dans les 30 derniers jours',
      'page 1 sur',
    ]) {
      expect(text.replace(/\s+/g, ' ')).to.contain(expected);
    }
    // the opioid substitution treatment comes first, though prescribed last
    expect(text.indexOf('Méthadone AP-HP')).to.be.lessThan(text.indexOf('Diazépam'));
  });

  it('says which parts the reader may not see, and never prints an INS that is not qualified', async () => {
    // given the sheet of a usager whose INS was retrieved but whose identity was never checked
    const full = pierreDurandsSheet();
    const unchecked = { ...full, identity: full.identity && { ...full.identity, identityStatus: 'RECUP' as const } };
    // when a secretary, who may read administrative parts only, prints it
    const sheet = readableSheet(unchecked, (_facility, sensitivity) => sensitivity === 'administrative');
    const pdf = await renderSummarySheetPdf({
      sheet,
      hiddenParts: [
        'personalisedProjects',
        'socialBenefits',
        'freedomOfMovementMeasures',
        'assessments',
        'treatments',
        'trustedPerson',
        'usageProfiles',
      ],
      facilityNames: {},
      printedAt: new Date('2026-11-26T08:15:00Z'),
      printedBy: 'pro-secretary',
    });
    const text = (await pdfPagesText(pdf)).join('\n').replace(/\s+/g, ' ');
    // then
    expect(text).to.contain('Statut de l’identité : Identité récupérée');
    expect(text).not.to.contain(ins.value);
    expect(text).not.to.contain('Stabiliser');
    expect(text).not.to.contain('Méthadone');
    expect(text).not.to.contain('Claire Durand');
    expect(text).not.to.contain('Héroïne');
    expect(text).to.contain('Partie non accessible avec vos habilitations.');
    expect(text).to.contain('Parties réservées (social, médical)');
  });
});
