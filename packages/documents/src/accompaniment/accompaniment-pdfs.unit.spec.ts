import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import fc from 'fast-check';
import { pdfPagesText } from '../testing/pdf-text.js';
import type { AccompanimentPrintOptions, UsagerOnDocument } from './accompaniment-print.js';
import { careCertificatePdf } from './care-certificate-pdf.js';
import { freedomOfMovementAnnexPdf } from './freedom-of-movement-annex-pdf.js';
import { type PersonalisedProjectPrint, personalisedProjectPdf } from './personalised-project-pdf.js';
import { stayContractAmendmentPdf } from './stay-contract-amendment-pdf.js';
import { type StayContractPrint, stayContractPdf } from './stay-contract-pdf.js';
import { trustedPersonAttestationPdf } from './trusted-person-attestation-pdf.js';

const establishment = {
  facilityId: '130000001',
  name: 'CSAPA Le Fil d’Ariane',
  address: '12 boulevard de la Libération, 13001 Marseille',
};
const options: AccompanimentPrintOptions = {
  establishment,
  printedAt: new Date('2026-11-26T09:30:00Z'),
  printedBy: 'pro-secretariat',
};
const pierre: UsagerOnDocument = {
  anonymous: false,
  name: 'DURAND PIERRE',
  birthDate: '1972-03-08',
  postalAddress: '3 rue des Lilas, 13004 Marseille',
};
const anonymous: UsagerOnDocument = { anonymous: true, pseudonym: 'ANO-7K2M9QXA' };

const keep = async (name: string, bytes: Buffer) => {
  if (process.env.DUI_KEEP_PDF) await writeFile(join(tmpdir(), name), bytes);
};

/** The text of each page, and all of it with its spaces and line breaks made single spaces. */
async function read(pdf: Buffer) {
  const pages = await pdfPagesText(pdf);
  return { pages, text: pages.join('\n').replace(/\s+/g, ' ') };
}

/** Every page carries the ESSMS' name and address, and its number. */
function expectEstablishmentOnEveryPage(pages: string[]) {
  for (const [index, page] of pages.entries()) {
    const text = page.replace(/\s+/g, ' ');
    expect(text, `page ${index + 1}`).to.contain(establishment.name);
    expect(text, `page ${index + 1}`).to.contain(`${establishment.address} — FINESS ${establishment.facilityId}`);
    expect(text, `page ${index + 1}`).to.contain(`page ${index + 1} sur ${pages.length}`);
  }
}

/**
 * The pages' text run together without the ESSMS' name, address and page number that each carries:
 * an item cut by a page break then reads whole, as it does for whoever turns the page.
 */
function bodyOf(pages: readonly string[]) {
  const furniture = (line: string) =>
    line === establishment.name ||
    line === `${establishment.address} — FINESS ${establishment.facilityId}` ||
    /^Document confidentiel — ne pas diffuser — page \d+ sur \d+$/.test(line);
  return pages
    .flatMap((page) => page.split('\n').map((line) => line.trim()))
    .filter((line) => !furniture(line))
    .join(' ')
    .replace(/\s+/g, ' ');
}

/**
 * The section holds exactly these items, whole and in their order, each behind its own bullet, and
 * then the next numbered section begins: no item lost, merged with another or added.
 */
function expectSectionOfBullets(body: string, title: string, items: readonly string[]) {
  const section = `${title} ${items.map((item) => `• ${item}`).join(' ')} `;
  const start = body.indexOf(section);
  expect(start, `${title}: its items, in order`).to.be.at.least(0);
  expect(body.slice(start + section.length), `${title}: nothing after its items`).to.match(/^\d+\. /);
}

function expectAll(text: string, expected: readonly string[]) {
  for (const fragment of expected) expect(text).to.contain(fragment);
}

const signedContract: StayContractPrint = {
  usager: pierre,
  kind: 'stay-contract',
  admittedOn: '2025-10-06',
  handedOverOn: '2025-10-13',
  objectives: Array.from(
    { length: 12 },
    (_, index) =>
      `Objectif ${index + 1} : retrouver une stabilité dans le domaine ${index + 1}, avec l’appui de l’équipe éducative et des partenaires du territoire`,
  ),
  services: [
    'Consultations médicales et infirmières',
    'Accompagnement social : ouverture des droits, logement',
    'Entretiens psychologiques',
  ],
  annexes: [
    { kind: 'operating-rules', reference: 'RF-2025' },
    { kind: 'freedom-of-movement', measureIds: ['0195f0a0-0000-7000-8000-000000000001'] },
  ],
  signature: { signedOn: '2025-10-27', signedForUsagerBy: 'usager', directorId: 'pro-directrice' },
  amendments: [{ number: 1, signedOn: '2026-04-01' }],
};

describe('the documents of the accompaniment as PDFs', () => {
  it('prints a signed contrat de séjour: L.311-4, the parties, dates in French, objectives, services, annexes, signatures', async () => {
    const pdf = await stayContractPdf(signedContract, options);
    await keep('contrat-de-sejour.pdf', pdf);

    const { pages, text } = await read(pdf);
    expect(pages.length).to.be.greaterThan(1);
    expectEstablishmentOnEveryPage(pages);
    expectAll(text, [
      'Contrat de séjour',
      'Version 1 signée le 27 octobre 2025',
      'Édité le 26 novembre 2026 à 10:30 par pro-secretariat',
      'article L.311-4 du code de l’action sociale et des familles',
      'Personne accueillie : DURAND PIERRE',
      'Date de naissance : 8 mars 1972',
      'Adresse : 3 rue des Lilas, 13004 Marseille',
      'Admission le : 6 octobre 2025',
      'Remis à la personne le : 13 octobre 2025',
      'pour une durée indéterminée',
      ...signedContract.objectives,
      ...signedContract.services,
      'Règlement de fonctionnement (RF-2025)',
      'article L.311-4-1 du CASF) : 1 mesure',
      'Modifié par l’avenant n° 1, signé le 1er avril 2026.',
      'Fait en deux exemplaires originaux, le 27 octobre 2025.',
      'La personne accueillie ou son représentant légal',
      'Pour l’établissement, le directeur ou son délégué',
      'pro-directrice',
      'Signé le 27 octobre 2025',
    ]);
    expect(text).not.to.contain('DIPC');
  });

  it('prints a DIPC after a refusal to sign as a draft: its own legal mention, the refusal, boxes left to sign', async () => {
    const pdf = await stayContractPdf(
      {
        usager: pierre,
        kind: 'dipc',
        admittedOn: '2025-10-06',
        handedOverOn: '2025-10-13',
        refusal: { refusedOn: '2025-10-20', refusedBy: 'usager' },
        objectives: [],
        services: ['Accueil et réduction des risques'],
        annexes: [],
      },
      options,
    );
    await keep('dipc.pdf', pdf);

    const { pages, text } = await read(pdf);
    expectEstablishmentOnEveryPage(pages);
    expectAll(text, [
      'Document individuel de prise en charge (DIPC)',
      'Projet à remettre à la personne accueillie, non signé',
      'lorsque le séjour ou l’accompagnement est inférieur à deux mois',
      'Établi à la suite du refus de signer le contrat de séjour exprimé le 20 octobre 2025 par la personne accueillie.',
      'Les objectifs seront précisés par avenant',
      'Accueil et réduction des risques',
      'La personne accueillie ou son représentant légal (signature facultative)',
      'Précédée de la mention « lu et approuvé »',
      'Fait en deux exemplaires originaux.',
    ]);
    expect(text).not.to.contain('Signé le');
  });

  it('prints an amendment: its number, the reason, what it adds and removes, the content in force, signatures', async () => {
    const pdf = await stayContractAmendmentPdf(
      {
        usager: pierre,
        contractKind: 'stay-contract',
        number: 2,
        admittedOn: '2025-10-06',
        contractSignedOn: '2025-10-27',
        draftedOn: '2026-10-01',
        reason: 'Réévaluation annuelle : le logement est trouvé, l’insertion professionnelle devient prioritaire.',
        before: {
          objectives: ['Trouver un logement stable', 'Stabiliser le traitement'],
          services: ['Accompagnement social'],
          annexes: [],
        },
        after: {
          objectives: ['Stabiliser le traitement', 'Reprendre une activité professionnelle'],
          services: ['Accompagnement social', 'Atelier d’insertion'],
          annexes: [{ kind: 'price-list', reference: 'Tarifs 2026' }],
        },
        signature: {
          signedOn: '2026-10-12',
          signedForUsagerBy: 'legal-representative',
          legalRepresentative: 'UDAF des Bouches-du-Rhône',
          directorId: 'pro-directrice',
        },
      },
      options,
    );
    await keep('avenant.pdf', pdf);

    const { pages, text } = await read(pdf);
    expectEstablishmentOnEveryPage(pages);
    expectAll(text, [
      'Avenant n° 2 au contrat de séjour',
      'Signé le 12 octobre 2026',
      'modifie le document signé le 27 octobre 2025',
      'article L.311-4',
      'Personne accueillie : DURAND PIERRE',
      'Réévaluation annuelle : le logement est trouvé',
      'Proposé le : 1er octobre 2026',
      'Objectif ajouté : Reprendre une activité professionnelle',
      'Objectif retiré : Trouver un logement stable',
      'Prestation ajoutée : Atelier d’insertion',
      'Annexe ajoutée : Tarifs des prestations (Tarifs 2026)',
      'Stabiliser le traitement',
      'UDAF des Bouches-du-Rhône, représentant légal de : DURAND PIERRE',
      'Pour l’établissement, le directeur ou son délégué',
    ]);
    expect(text).not.to.contain('Prestation retirée');
  });

  it('prints the freedom-of-movement annex: each measure with its assessment, doctor, director, information, review', async () => {
    const pdf = await freedomOfMovementAnnexPdf(
      {
        usager: pierre,
        contract: { kind: 'stay-contract', signedOn: '2025-10-27' },
        measures: [
          {
            description: 'Sorties accompagnées en soirée',
            assessment: 'Évaluation pluridisciplinaire du 2 novembre : désorientation nocturne.',
            proposedBy: 'dr-leroy',
            proposedOn: '2025-11-03',
            decidedBy: 'pro-directrice',
            decidedOn: '2025-11-05',
            informedOn: '2025-11-06',
            informedHow: 'entretien avec le médecin',
            reviewBy: '2026-05-05',
          },
          {
            description: 'Code d’accès à la porte du jardin',
            assessment: 'Risque de chute évalué en réunion d’équipe.',
            proposedBy: 'dr-leroy',
            proposedOn: '2025-12-01',
            decidedBy: 'pro-directrice',
            decidedOn: '2025-12-02',
            reviewBy: '2026-06-01',
            lastReview: { on: '2026-03-01', outcome: 'maintained' },
          },
        ],
      },
      options,
    );
    await keep('annexe-liberte-d-aller-et-venir.pdf', pdf);

    const { pages, text } = await read(pdf);
    expectEstablishmentOnEveryPage(pages);
    expectAll(text, [
      'Annexe au contrat de séjour — liberté d’aller et venir',
      'annexe au contrat de séjour signé le 27 octobre 2025',
      'article L.311-4-1 du code de l’action sociale et des familles',
      'décret n° 2016-1743 du 15 décembre 2016',
      'Personne accueillie : DURAND PIERRE',
      'Mesure n° 1 : Sorties accompagnées en soirée',
      'Évaluation pluridisciplinaire : Évaluation pluridisciplinaire du 2 novembre : désorientation nocturne.',
      'Proposée par le médecin : dr-leroy, le 3 novembre 2025',
      'Décidée par le directeur : pro-directrice, le 5 novembre 2025',
      'Information de la personne : le 6 novembre 2025 (entretien avec le médecin)',
      'À réévaluer au plus tard le : 5 mai 2026',
      'Mesure n° 2 : Code d’accès à la porte du jardin',
      'Information de la personne : à faire',
      'Dernière réévaluation : le 1er mars 2026 : mesure maintenue',
      'À réévaluer au plus tard le : 1er juin 2026',
      'La personne accueillie ou son représentant légal',
      'Pour l’établissement, le directeur ou son délégué',
    ]);
  });

  it('prints the attestation of a personne de confiance under the CASF and the CSP, signed by the director and the person', async () => {
    const pdf = await trustedPersonAttestationPdf(
      {
        usager: pierre,
        person: {
          name: 'Marie Durand',
          relationship: 'sœur',
          phone: '06 12 34 56 78',
          postalAddress: '8 avenue du Prado, 13008 Marseille',
        },
        scope: ['casf', 'csp'],
        designatedOn: '2025-10-06',
        cosigned: { on: '2025-10-08', how: 'inPerson' },
        attestation: { on: '2025-10-09', directorId: 'pro-directrice' },
        mayConsultRecord: true,
      },
      options,
    );
    await keep('attestation-personne-de-confiance.pdf', pdf);

    const { pages, text } = await read(pdf);
    expectEstablishmentOnEveryPage(pages);
    expectAll(text, [
      'Attestation de désignation de la personne de confiance',
      'Attestation du 9 octobre 2025',
      'atteste que DURAND PIERRE a désigné, le 6 octobre 2025',
      'de l’article L.311-5-1 du code de l’action sociale et des familles et de l’article L.1111-6 du code de la santé publique',
      'Nom : Marie Durand',
      'Lien avec la personne accueillie : sœur',
      'Téléphone : 06 12 34 56 78',
      'Désignation cosignée : le 8 octobre 2025, en présence de l’établissement',
      'Au titre de l’article L.1111-6 du code de la santé publique',
      'La personne accueillie l’autorise à consulter son dossier.',
      'révocable à tout moment',
      'La personne de confiance',
      'Le directeur ou son délégué',
      'Signé le 9 octobre 2025',
      'Fait le 9 octobre 2025, en deux exemplaires.',
    ]);
  });

  it('names only the CASF for a designation that does not act under L.1111-6 CSP, and leaves it to sign', async () => {
    const pdf = await trustedPersonAttestationPdf(
      {
        usager: pierre,
        person: { name: 'Marie Durand' },
        scope: ['casf'],
        designatedOn: '2025-10-06',
        mayConsultRecord: false,
      },
      options,
    );
    const { text } = await read(pdf);
    expectAll(text, [
      'Attestation à dater et à signer',
      'en application de l’article L.311-5-1 du code de l’action sociale et des familles.',
      'en attente de la cosignature de la personne désignée',
      'ne l’a pas autorisée à consulter son dossier',
    ]);
    expect(text).not.to.contain('L.1111-6');
    expect(text).not.to.contain('Signé le');
  });

  it('prints a validated personalised project: version, participation, each objective with its actions and evaluations', async () => {
    const project: PersonalisedProjectPrint = {
      usager: pierre,
      version: 2,
      startedOn: '2025-10-20',
      validated: {
        on: '2026-05-18',
        by: 'pro-educatrice',
        coConstruction: {
          meetingOn: '2026-05-15',
          usagerPresent: true,
          usagerWords: 'Je veux retravailler dans la restauration.',
          usagerAgreement: 'agrees',
        },
      },
      earlierVersions: [{ version: 1, validatedOn: '2025-11-17' }],
      objectives: [
        {
          title: 'Stabiliser le traitement de substitution',
          description: 'Consolider la posologie avec le médecin.',
          domain: 'care',
          actions: [
            {
              what: 'Consultation médicale hebdomadaire',
              who: { kind: 'professional', professionalId: 'dr-leroy' },
              deadline: '2026-01-31',
              completedOn: '2026-01-30',
            },
          ],
          evaluations: [
            { evaluatedOn: '2026-02-02', result: 'achieved', comment: 'Posologie stable.', evaluatedBy: 'dr-leroy' },
          ],
        },
        {
          title: 'Retrouver un logement stable',
          description: '',
          domain: 'housing',
          actions: [
            {
              what: 'Dossier SIAO',
              who: { kind: 'partner', partner: 'SIAO des Bouches-du-Rhône' },
              deadline: '2026-03-15',
            },
            { what: 'Visiter trois logements', who: { kind: 'usager' }, deadline: '2026-06-30' },
          ],
          evaluations: [],
        },
      ],
    };
    const pdf = await personalisedProjectPdf(project, options);
    await keep('projet-personnalise.pdf', pdf);

    const { pages, text } = await read(pdf);
    expectEstablishmentOnEveryPage(pages);
    expectAll(text, [
      'Projet personnalisé',
      'Version 2 validée le 18 mai 2026',
      'article L.311-3',
      'Personne accueillie : DURAND PIERRE',
      'Projet commencé le : 20 octobre 2025',
      'Version 1 : validée le 17 novembre 2025',
      'Réunion de co-construction le : 15 mai 2026',
      'Présence de la personne : présente',
      'Avis de la personne : D’accord',
      'Je veux retravailler dans la restauration.',
      'Objectif 1 : Stabiliser le traitement de substitution (Soins)',
      'Consultation médicale hebdomadaire',
      '31 janvier 2026',
      '30 janvier 2026',
      'Atteint',
      'Posologie stable.',
      'Objectif 2 : Retrouver un logement stable (Logement)',
      'SIAO des Bouches-du-Rhône',
      'la personne accueillie',
      'Pas encore évalué.',
      'Le professionnel référent du projet',
      'pro-educatrice',
      'Validé le 18 mai 2026',
    ]);
  });

  it('prints the named certificate of care: the name given, the period and its duration, the purpose, L.3414-1', async () => {
    const pdf = await careCertificatePdf(
      {
        nameOnCertificate: 'Jean Martin',
        certificateId: '0195f0a0-0000-7000-8000-00000000c001',
        issuedOn: '2026-11-26',
        issuedBy: 'pro-medecin',
        periodFrom: '2026-09-01',
        periodTo: '2026-10-15',
        purpose: 'Accompagnement en addictologie',
      },
      options,
    );
    await keep('certificat-de-prise-en-charge.pdf', pdf);

    const { pages, text } = await read(pdf);
    expect(pages).to.have.length(1);
    expectEstablishmentOnEveryPage(pages);
    expectAll(text, [
      'Certificat de prise en charge',
      'Délivré le 26 novembre 2026 — référence 0195f0a0-0000-7000-8000-00000000c001',
      'Je soussigné(e), pro-medecin, agissant pour CSAPA Le Fil d’Ariane (FINESS 130000001), certifie que Jean Martin a été pris(e) en charge par l’établissement du 1er septembre 2026 au 15 octobre 2026.',
      'Durée : 45 jours',
      'Objet de la prise en charge : Accompagnement en addictologie',
      'article L.3414-1 du code de la santé publique',
      'il n’est pas conservé dans son dossier',
      'Fait le 26 novembre 2026',
      'Signature et cachet de l’établissement',
    ]);
  });

  describe('for a usager accompanied anonymously (L.3414-1 CSP)', () => {
    const documents: [string, () => Promise<Buffer>][] = [
      ['contract', () => stayContractPdf({ ...signedContract, usager: anonymous }, options)],
      [
        'amendment',
        () =>
          stayContractAmendmentPdf(
            {
              usager: anonymous,
              contractKind: 'dipc',
              number: 1,
              admittedOn: '2025-10-06',
              contractSignedOn: '2025-10-27',
              draftedOn: '2026-03-01',
              reason: 'Objectifs à six mois',
              before: { objectives: [], services: ['Accueil'], annexes: [] },
              after: { objectives: ['Réduire les risques'], services: ['Accueil'], annexes: [] },
            },
            options,
          ),
      ],
      ['annex', () => freedomOfMovementAnnexPdf({ usager: anonymous, measures: [] }, options)],
      [
        'attestation',
        () =>
          trustedPersonAttestationPdf(
            {
              usager: anonymous,
              person: { name: 'Marie Durand' },
              scope: ['casf'],
              designatedOn: '2025-10-06',
              mayConsultRecord: false,
            },
            options,
          ),
      ],
      [
        'project',
        () =>
          personalisedProjectPdf({ usager: anonymous, version: 1, startedOn: '2025-10-20', objectives: [] }, options),
      ],
    ];
    for (const [name, render] of documents) {
      it(`names the usager by the pseudonymous number only on the ${name}`, async () => {
        const { pages, text } = await read(await render());
        expectEstablishmentOnEveryPage(pages);
        expect(text).to.contain('Usager anonyme n° ANO-7K2M9QXA');
        expect(text).to.contain('Accueil anonyme (article L.3414-1 du code de la santé publique)');
        // no name nor birth date nor address of the identified fixture's kind can appear
        expect(text).not.to.match(/DURAND PIERRE|Date de naissance|Adresse : 3 rue/);
      });
    }
  });

  it('prints every objective and service of any contract, whatever their number, with the ESSMS and numbers on every page', async () => {
    const words = ['logement', 'soins', 'droits', 'insertion', 'santé', 'lien', 'réduction', 'risques', 'accès'];
    // items long enough to wrap, and lists long enough to run onto another page and be cut by it:
    // without size 'max', fast-check stops at 10 words and 10 items
    const item = fc
      .array(fc.constantFrom(...words), { minLength: 1, maxLength: 25, size: 'max' })
      .map((list) => list.join(' '));
    await fc.assert(
      fc.asyncProperty(
        fc.array(item, { maxLength: 30, size: 'max' }),
        fc.array(item, { minLength: 1, maxLength: 20, size: 'max' }),
        fc.boolean(),
        async (objectives, services, signed) => {
          const pdf = await stayContractPdf(
            {
              usager: anonymous,
              kind: 'stay-contract',
              admittedOn: '2025-10-06',
              objectives,
              services,
              annexes: [],
              ...(signed
                ? { signature: { signedOn: '2025-10-27', signedForUsagerBy: 'usager' as const, directorId: 'd' } }
                : {}),
            },
            options,
          );
          const { pages, text } = await read(pdf);
          expectEstablishmentOnEveryPage(pages);
          const body = bodyOf(pages);
          if (objectives.length > 0) expectSectionOfBullets(body, 'Objectifs de l’accompagnement', objectives);
          else
            expect(body).to.match(
              /Objectifs de l’accompagnement Les objectifs seront précisés par avenant [^•]*\d+\. /,
            );
          expectSectionOfBullets(body, 'Prestations proposées', services);
          expectAll(body, ['Usager anonyme n° ANO-7K2M9QXA', 'Pour l’établissement']);
          expect(text.includes('Signé le 27 octobre 2025')).to.equal(signed);
        },
      ),
      { numRuns: 15 },
    );
  });
});
