import { randomUUID } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pdfPagesImageCount, pdfPagesText } from '@dui-pds/documents/testing';
import {
  type Decider,
  freedomOfMovementDecider,
  freedomOfMovementStreamId,
  INS_OIDS,
  nirKey,
  personalisedProjectDecider,
  personalisedProjectStreamId,
  serviceUserIdentityDecider,
  serviceUserStreamId,
  stayContractDecider,
  stayContractStreamId,
  trustedPersonDecider,
  trustedPersonsStreamId,
} from '@dui-pds/domain';
import { type DomainEvent, handleCommand, migrateEventStore, PostgresEventStore } from '@dui-pds/eventstore';
import { dropSchemasStartingWith, testPostgres, uniqueSchema } from '@dui-pds/eventstore/testing';
import {
  freedomOfMovementProjection,
  ProjectionRuntime,
  personalisedProjectsProjection,
  serviceUsersProjection,
  stayContractsProjection,
  summarySheetsProjection,
  trustedPersonsProjection,
  withInlineProjections,
} from '@dui-pds/projections';
import { expect } from 'chai';
import type { Knex } from 'knex';
import { HttpProblem } from '../../../server/index.js';
import {
  type GeneratedDocument,
  type GenerationRequest,
  type GenerationSources,
  generateAccompanimentDocument,
} from './generate-accompaniment-document.js';

const ORG = 'og-documents';
const CSAPA = '130000001';
const CAARUD = '130000002';
const facilities = {
  [CSAPA]: { name: 'CSAPA Le Fil d’Ariane', address: '12 boulevard de la Libération, 13001 Marseille' },
  [CAARUD]: { name: 'CAARUD L’Escale' },
};
const NOW = new Date('2026-11-26T09:30:00Z');
const TODAY = '2026-11-26';
const durand = 'usager-durand';
const anonymous = 'usager-anonyme';
const PSEUDONYM = 'ANO-7K2M9QXA';
const ids = {
  contract: randomUUID(),
  dipc: randomUUID(),
  otherFacilityContract: randomUUID(),
  measureInForce: randomUUID(),
  measureProposed: randomUUID(),
  revokedDesignation: randomUUID(),
  designation: randomUUID(),
  project: randomUUID(),
  objective: randomUUID(),
  secondObjective: randomUUID(),
  action: randomUUID(),
  anonymousCertificate: randomUUID(),
  identifiedCertificate: randomUUID(),
  accompaniment: randomUUID(),
};

/**
 * The generation of the documents of the accompaniment from the read models and streams: the
 * facts are decided by the real deciders and appended to PostgreSQL with the inline projections,
 * and each document is read back as text.
 */
describe('generating the documents of the accompaniment (PostgreSQL, inline projections)', function () {
  this.timeout(120_000);
  let knex: Knex;
  let schema: string;
  let runtime: ProjectionRuntime;
  let sources: GenerationSources;

  /** Decides one command with the real decider and appends what it emits. */
  async function decide<Command, Event extends DomainEvent, State>(
    decider: Decider<Command, Event, State>,
    streamId: string,
    command: Command,
    where: { facilityId: string; serviceUserId: string },
  ): Promise<void> {
    await handleCommand(sources.store, decider, {
      streamId,
      commandId: randomUUID(),
      command,
      metadata: {
        organisationId: ORG,
        facilityId: where.facilityId,
        serviceUserId: where.serviceUserId,
        actor: { kind: 'professional', id: 'pro-directrice', role: 'director' },
        occurredAt: NOW.toISOString(),
      },
    });
  }

  const generate = (request: Omit<GenerationRequest, 'organisationId' | 'facilityId'> & { facilityId?: string }) =>
    generateAccompanimentDocument(
      sources,
      { organisationId: ORG, facilityId: CSAPA, requestedBy: 'pro-secretariat', ...request },
      NOW,
    );

  async function textOf(document: GeneratedDocument): Promise<string> {
    if (process.env.DUI_KEEP_PDF) await writeFile(join(tmpdir(), `generated-${document.fileName}`), document.pdf);
    const pages = await pdfPagesText(document.pdf);
    for (const [index, page] of pages.entries()) {
      const text = page.replace(/\s+/g, ' ');
      expect(text, `page ${index + 1}`).to.contain(`page ${index + 1} sur ${pages.length}`);
    }
    return pages.join('\n').replace(/\s+/g, ' ');
  }

  async function expectProblem(promise: Promise<unknown>, kind: string, detail: RegExp) {
    try {
      await promise;
    } catch (error) {
      expect(error).to.be.instanceOf(HttpProblem);
      expect((error as HttpProblem).kind).to.equal(kind);
      expect((error as HttpProblem).detail).to.match(detail);
      return;
    }
    expect.fail(`expected a ${kind} problem`);
  }

  before(async () => {
    knex = testPostgres();
    schema = uniqueSchema('generation');
    await migrateEventStore(knex, { schema });
    const log = new PostgresEventStore(knex, { schema });
    const inline = [
      serviceUsersProjection,
      stayContractsProjection,
      freedomOfMovementProjection,
      trustedPersonsProjection,
      personalisedProjectsProjection,
      summarySheetsProjection,
    ];
    runtime = new ProjectionRuntime({ knex, store: log, schema, projections: [], inline });
    await runtime.migrate();
    sources = {
      knex,
      store: withInlineProjections(log, knex, runtime),
      schemas: {
        serviceUsers: runtime.readSchema(serviceUsersProjection.name),
        stayContracts: runtime.readSchema(stayContractsProjection.name),
        freedomOfMovement: runtime.readSchema(freedomOfMovementProjection.name),
        trustedPersons: runtime.readSchema(trustedPersonsProjection.name),
        personalisedProjects: runtime.readSchema(personalisedProjectsProjection.name),
        summarySheets: runtime.readSchema(summarySheetsProjection.name),
      },
      facilities,
    };

    // Pierre Durand, followed at the CSAPA
    const atCsapa = { facilityId: CSAPA, serviceUserId: durand };
    const identity = (command: Parameters<typeof serviceUserIdentityDecider.decide>[0], where = atCsapa) =>
      decide(serviceUserIdentityDecider, serviceUserStreamId(ORG, where.serviceUserId), command, where);
    await identity({
      type: 'RegisterServiceUser',
      serviceUserId: durand,
      facilityId: CSAPA,
      traits: {
        birthName: 'DURAND',
        birthFirstNames: ['PIERRE', 'LOUIS'],
        birthDate: '1972-03-08',
        sex: 'M',
        birthplaceCode: '13055',
      },
      registeredAt: '2025-10-06T08:00:00Z',
    });
    await identity({
      type: 'ChangePostalAddress',
      postalAddress: '3 rue des Lilas, 13004 Marseille',
      at: '2025-10-06T08:05:00Z',
    });
    await identity({
      type: 'IssueCareCertificate',
      certificateId: ids.identifiedCertificate,
      issuedOn: '2026-01-10',
      periodFrom: '2025-10-06',
      periodTo: '2026-01-09',
      purpose: 'Accompagnement en addictologie',
      issuedBy: 'pro-medecin',
    });

    // his contract: drafted, handed over, signed; the six-month amendment sets the objectives and the annex
    const contract = (
      command: Parameters<typeof stayContractDecider.decide>[0],
      contractId = ids.contract,
      where = atCsapa,
    ) => decide(stayContractDecider, stayContractStreamId(ORG, contractId), command, where);
    await contract({
      type: 'DraftStayContract',
      contractId: ids.contract,
      kind: 'stay-contract',
      serviceUserId: durand,
      facilityId: CSAPA,
      accompanimentId: ids.accompaniment,
      admittedOn: '2025-10-06',
      objectives: [],
      services: ['Consultations médicales et infirmières', 'Accompagnement social'],
      annexes: [{ kind: 'operating-rules', reference: 'RF-2025' }],
    });
    await contract({ type: 'HandOverStayContract', day: '2025-10-13' });
    await contract({
      type: 'SignStayContract',
      day: '2025-10-27',
      signedForUsagerBy: 'usager',
      directorId: 'pro-directrice',
    });

    // two measures: one decided and in force, one only proposed
    const measure = (measureId: string, command: Parameters<typeof freedomOfMovementDecider.decide>[0]) =>
      decide(freedomOfMovementDecider, freedomOfMovementStreamId(ORG, measureId), command, atCsapa);
    await measure(ids.measureInForce, {
      type: 'ProposeMeasure',
      today: '2026-11-25',
      measureId: ids.measureInForce,
      serviceUserId: durand,
      facilityId: CSAPA,
      description: 'Sorties accompagnées en soirée',
      assessment: 'Désorientation nocturne constatée en réunion pluridisciplinaire.',
      proposedBy: 'dr-leroy',
      proposedAt: '2026-03-02',
    });
    await measure(ids.measureInForce, {
      type: 'DecideMeasure',
      today: '2026-11-25',
      decidedBy: 'pro-directrice',
      decidedAt: '2026-03-04',
      reviewBy: '2026-09-01',
    });
    await measure(ids.measureInForce, {
      type: 'RecordUsagerInformed',
      today: '2026-11-25',
      informedAt: '2026-03-05',
      how: 'entretien',
    });
    await measure(ids.measureInForce, {
      type: 'ReviewMeasure',
      today: '2026-11-25',
      reviewedAt: '2026-08-20',
      outcome: 'maintained',
      nextReviewBy: '2027-02-15',
    });
    await measure(ids.measureProposed, {
      type: 'ProposeMeasure',
      today: '2026-11-25',
      measureId: ids.measureProposed,
      serviceUserId: durand,
      facilityId: CSAPA,
      description: 'Code d’accès à la porte du jardin',
      assessment: 'Risque de chute.',
      proposedBy: 'dr-leroy',
      proposedAt: '2026-11-20',
    });

    await contract({
      type: 'DraftStayContractAmendment',
      day: '2026-03-20',
      reason: 'Avenant des six mois : objectifs fixés avec la personne.',
      objectives: ['Stabiliser le traitement de substitution', 'Retrouver un logement stable'],
      annexes: [
        { kind: 'operating-rules', reference: 'RF-2025' },
        { kind: 'freedom-of-movement', measureIds: [ids.measureInForce] },
      ],
    });
    await contract({
      type: 'SignStayContractAmendment',
      day: '2026-04-01',
      signedForUsagerBy: 'usager',
      directorId: 'pro-directrice',
    });
    // a second amendment, still a draft
    await contract({
      type: 'DraftStayContractAmendment',
      day: '2026-11-20',
      reason: 'Réévaluation : le logement est trouvé.',
      objectives: ['Stabiliser le traitement de substitution', 'Reprendre une activité professionnelle'],
    });

    // a contract in the CAARUD
    await contract(
      {
        type: 'DraftStayContract',
        contractId: ids.otherFacilityContract,
        kind: 'dipc',
        serviceUserId: durand,
        facilityId: CAARUD,
        accompanimentId: randomUUID(),
        admittedOn: '2026-05-04',
        objectives: [],
        services: ['Accueil'],
      },
      ids.otherFacilityContract,
      { facilityId: CAARUD, serviceUserId: durand },
    );

    // his personne de confiance: a first designation revoked, then his sister, co-signed and attested
    const trusted = (command: Parameters<typeof trustedPersonDecider.decide>[0]) =>
      decide(trustedPersonDecider, trustedPersonsStreamId(ORG, durand), command, atCsapa);
    await trusted({
      type: 'DesignateTrustedPerson',
      today: TODAY,
      trustedPersonId: ids.revokedDesignation,
      serviceUserId: durand,
      facilityId: CSAPA,
      person: { name: 'Paul Lefèvre', contact: { phone: '06 00 00 00 00' } },
      scope: ['casf'],
      designatedOn: '2025-10-06',
    });
    await trusted({
      type: 'RevokeTrustedPerson',
      today: TODAY,
      trustedPersonId: ids.revokedDesignation,
      revokedOn: '2025-12-01',
      how: 'inWriting',
    });
    await trusted({
      type: 'DesignateTrustedPerson',
      today: TODAY,
      trustedPersonId: ids.designation,
      serviceUserId: durand,
      facilityId: CSAPA,
      person: { name: 'Marie Durand', relationship: 'sœur', contact: { phone: '06 12 34 56 78' } },
      scope: ['casf', 'csp'],
      designatedOn: '2025-12-02',
      mayConsultRecord: true,
    });
    await trusted({
      type: 'RecordTrustedPersonCosignature',
      today: TODAY,
      trustedPersonId: ids.designation,
      cosignedOn: '2025-12-03',
      how: 'inPerson',
    });
    await trusted({
      type: 'RecordTrustedPersonAttestation',
      today: TODAY,
      trustedPersonId: ids.designation,
      attestedOn: '2025-12-04',
      directorId: 'pro-directrice',
    });

    // his personalised project: version 1 validated, version 2 a draft
    const project = (command: Parameters<typeof personalisedProjectDecider.decide>[0]) =>
      decide(personalisedProjectDecider, personalisedProjectStreamId(ORG, ids.project), command, atCsapa);
    await project({
      type: 'StartPersonalisedProject',
      projectId: ids.project,
      serviceUserId: durand,
      facilityId: CSAPA,
      accompanimentId: ids.accompaniment,
      startedOn: '2025-10-20',
      startedBy: 'pro-educatrice',
    });
    await project({
      type: 'AddObjective',
      objectiveId: ids.objective,
      title: 'Stabiliser le traitement de substitution',
      description: 'Consolider la posologie avec le médecin.',
      domain: 'care',
    });
    await project({
      type: 'AddAction',
      objectiveId: ids.objective,
      actionId: ids.action,
      what: 'Consultation médicale hebdomadaire',
      who: { kind: 'professional', professionalId: 'dr-leroy' },
      deadline: '2026-01-31',
    });
    await project({
      type: 'CompleteAction',
      objectiveId: ids.objective,
      actionId: ids.action,
      completedOn: '2026-01-30',
    });
    await project({
      type: 'EvaluateObjective',
      objectiveId: ids.objective,
      evaluatedOn: '2026-02-02',
      result: 'achieved',
      comment: 'Posologie stable.',
      evaluatedBy: 'dr-leroy',
    });
    await project({
      type: 'ValidateVersion',
      validatedOn: '2026-02-10',
      validatedBy: 'pro-educatrice',
      coConstruction: {
        meetingOn: '2026-02-09',
        usagerPresent: true,
        usagerWords: 'Je veux retravailler dans la restauration.',
        usagerAgreement: 'agrees',
      },
    });
    await project({
      type: 'AddObjective',
      objectiveId: ids.secondObjective,
      title: 'Reprendre une activité professionnelle',
      domain: 'integration',
    });

    // an anonymous usager, whose contract became a DIPC on a refusal to sign, and who asked for a certificate
    const atCsapaAnonymously = { facilityId: CSAPA, serviceUserId: anonymous };
    await identity(
      {
        type: 'RegisterAnonymousServiceUser',
        serviceUserId: anonymous,
        facilityId: CSAPA,
        pseudonym: PSEUDONYM,
        registeredAt: '2026-09-01T08:00:00Z',
      },
      atCsapaAnonymously,
    );
    const dipc = (command: Parameters<typeof stayContractDecider.decide>[0]) =>
      contract(command, ids.dipc, atCsapaAnonymously);
    await dipc({
      type: 'DraftStayContract',
      contractId: ids.dipc,
      kind: 'stay-contract',
      serviceUserId: anonymous,
      facilityId: CSAPA,
      accompanimentId: randomUUID(),
      admittedOn: '2026-09-01',
      objectives: ['Réduire les risques liés à la consommation'],
      services: ['Accueil et réduction des risques'],
    });
    await dipc({ type: 'HandOverStayContract', day: '2026-09-03' });
    await dipc({ type: 'RecordSignatureRefusal', day: '2026-09-10', refusedBy: 'usager' });
    await dipc({ type: 'SignStayContract', day: '2026-09-12', directorId: 'pro-directrice' });
    await identity(
      {
        type: 'IssueCareCertificate',
        certificateId: ids.anonymousCertificate,
        issuedOn: TODAY,
        periodFrom: '2026-09-01',
        periodTo: '2026-10-15',
        purpose: 'Accompagnement en addictologie',
        issuedBy: 'pro-medecin',
      },
      atCsapaAnonymously,
    );
  });

  after(async () => {
    await runtime.close();
    await dropSchemasStartingWith(knex, schema);
    await knex.destroy();
  });

  it('generates the signed contrat de séjour from its stream, with the ESSMS, the usager and its amendments', async () => {
    const document = await generate({ serviceUserId: durand, kind: 'stayContract', sourceId: ids.contract });

    expect(document).to.include({
      title: 'Contrat de séjour — version 1 signée le 27/10/2025',
      fileName: 'contrat-de-sejour-v1.pdf',
      sensitivity: 'administrative',
      storable: true,
    });
    const text = await textOf(document);
    for (const expected of [
      'CSAPA Le Fil d’Ariane',
      '12 boulevard de la Libération, 13001 Marseille — FINESS 130000001',
      'Contrat de séjour',
      'Édité le 26 novembre 2026 à 10:30 par pro-secretariat',
      'article L.311-4',
      'Personne accueillie : DURAND PIERRE',
      'Date de naissance : 8 mars 1972',
      'Adresse : 3 rue des Lilas, 13004 Marseille',
      'Admission le : 6 octobre 2025',
      'Remis à la personne le : 13 octobre 2025',
      'Consultations médicales et infirmières',
      'Accompagnement social',
      'Règlement de fonctionnement (RF-2025)',
      'Les objectifs seront précisés par avenant',
      'Modifié par l’avenant n° 1, signé le 1er avril 2026.',
      'pro-directrice',
      'Signé le 27 octobre 2025',
    ]) {
      expect(text).to.contain(expected);
    }
  });

  it('finds the usager’s contract in the ESSMS when none is named', async () => {
    const text = await textOf(await generate({ serviceUserId: durand, kind: 'stayContract' }));
    expect(text).to.contain('Version 1 signée le 27 octobre 2025');
  });

  it('generates the amendments: the signed one by number, the pending one by default', async () => {
    const first = await generate({
      serviceUserId: durand,
      kind: 'stayContractAmendment',
      sourceId: ids.contract,
      amendmentNumber: 1,
    });
    expect(first).to.include({ title: 'Avenant n° 1 au contrat de séjour — signé le 01/04/2026', storable: true });
    const firstText = await textOf(first);
    for (const expected of [
      'Avenant n° 1 au contrat de séjour',
      'Signé le 1er avril 2026',
      'modifie le document signé le 27 octobre 2025',
      'Avenant des six mois : objectifs fixés avec la personne.',
      'Proposé le : 20 mars 2026',
      'Objectif ajouté : Stabiliser le traitement de substitution',
      'Objectif ajouté : Retrouver un logement stable',
      'Annexe ajoutée : Annexe relative aux mesures individuelles',
    ]) {
      expect(firstText).to.contain(expected);
    }

    const pending = await generate({ serviceUserId: durand, kind: 'stayContractAmendment', sourceId: ids.contract });
    expect(pending.title).to.equal('Avenant n° 2 au contrat de séjour — projet à signer');
    const pendingText = await textOf(pending);
    for (const expected of [
      'Projet d’avenant du 20 novembre 2026, à signer',
      'Réévaluation : le logement est trouvé.',
      'Objectif ajouté : Reprendre une activité professionnelle',
      'Objectif retiré : Retrouver un logement stable',
    ]) {
      expect(pendingText).to.contain(expected);
    }
    expect(pendingText).not.to.contain('Signé le');
  });

  it('generates the freedom-of-movement annex: the measures in force, or those of the contract’s annex', async () => {
    const inForce = await generate({ serviceUserId: durand, kind: 'freedomOfMovementAnnex' });
    expect(inForce).to.include({ sensitivity: 'medical', fileName: 'annexe-liberte-d-aller-et-venir.pdf' });
    const text = await textOf(inForce);
    for (const expected of [
      'Annexe au contrat de séjour — liberté d’aller et venir',
      'L.311-4-1',
      '2016-1743',
      'Personne accueillie : DURAND PIERRE',
      'Mesure n° 1 : Sorties accompagnées en soirée',
      'Évaluation pluridisciplinaire : Désorientation nocturne constatée en réunion pluridisciplinaire.',
      'Proposée par le médecin : dr-leroy, le 2 mars 2026',
      'Décidée par le directeur : pro-directrice, le 4 mars 2026',
      'Information de la personne : le 5 mars 2026 (entretien)',
      'Dernière réévaluation : le 20 août 2026 : mesure maintenue',
      'À réévaluer au plus tard le : 15 février 2027',
    ]) {
      expect(text).to.contain(expected);
    }
    // a measure only proposed is not in force
    expect(text).not.to.contain('Code d’accès à la porte du jardin');

    const ofContract = await textOf(
      await generate({ serviceUserId: durand, kind: 'freedomOfMovementAnnex', sourceId: ids.contract }),
    );
    expect(ofContract).to.contain('annexe au contrat de séjour signé le 1er avril 2026');
    expect(ofContract).to.contain('Sorties accompagnées en soirée');
  });

  it('generates the attestation of the personne de confiance in force, under the CASF and the CSP', async () => {
    const document = await generate({ serviceUserId: durand, kind: 'trustedPersonAttestation' });
    expect(document).to.include({ sensitivity: 'social', storable: true });
    const text = await textOf(document);
    for (const expected of [
      'Attestation de désignation de la personne de confiance',
      'Attestation du 4 décembre 2025',
      'atteste que DURAND PIERRE a désigné, le 2 décembre 2025',
      'L.311-5-1 du code de l’action sociale et des familles et de l’article L.1111-6 du code de la santé publique',
      'Nom : Marie Durand',
      'Lien avec la personne accueillie : sœur',
      'Téléphone : 06 12 34 56 78',
      'Désignation cosignée : le 3 décembre 2025',
      'La personne accueillie l’autorise à consulter son dossier.',
      'La personne de confiance',
      'Le directeur ou son délégué',
    ]) {
      expect(text).to.contain(expected);
    }
    expect(text).not.to.contain('Paul Lefèvre');
  });

  it('generates the personalised project: the last validated version by default, or the draft asked for', async () => {
    const validated = await generate({ serviceUserId: durand, kind: 'personalisedProject' });
    expect(validated).to.include({
      title: 'Projet personnalisé — version 1 validée le 10/02/2026',
      sensitivity: 'social',
      fileName: 'projet-personnalise-v1.pdf',
    });
    const text = await textOf(validated);
    for (const expected of [
      'Version 1 validée le 10 février 2026',
      'Projet commencé le : 20 octobre 2025',
      'Réunion de co-construction le : 9 février 2026',
      'Je veux retravailler dans la restauration.',
      'Objectif 1 : Stabiliser le traitement de substitution (Soins)',
      'Consultation médicale hebdomadaire',
      '30 janvier 2026',
      'Posologie stable.',
      'Le professionnel référent du projet',
    ]) {
      expect(text).to.contain(expected);
    }
    expect(text).not.to.contain('Reprendre une activité professionnelle');

    const draft = await textOf(
      await generate({ serviceUserId: durand, kind: 'personalisedProject', sourceId: ids.project, version: 2 }),
    );
    expect(draft).to.contain('Version 2 en cours d’élaboration, non validée');
    expect(draft).to.contain('Version 1 : validée le 10 février 2026');
    expect(draft).to.contain('Objectif 2 : Reprendre une activité professionnelle (Insertion)');
  });

  it('generates the summary sheet as its route does, leaving out the parts the requester may not read', async () => {
    const document = await generate({
      serviceUserId: durand,
      kind: 'summarySheet',
      mayRead: (_facilityId, sensitivity) => sensitivity === 'administrative' || sensitivity === 'social',
    });
    expect(document).to.include({ sensitivity: 'social', fileName: 'fiche-de-synthese.pdf' });
    const text = await textOf(document);
    expect(text).to.contain('Fiche de synthèse — DURAND PIERRE');
    expect(text).to.contain('Stabiliser le traitement de substitution');
    expect(text).to.contain('Partie non accessible avec vos habilitations.');
    expect(text).not.to.contain('Sorties accompagnées en soirée');

    const whole = await generate({ serviceUserId: durand, kind: 'summarySheet' });
    expect(whole.sensitivity).to.equal('medical');
    expect(await textOf(whole)).to.contain('Sorties accompagnées en soirée');
  });

  it('names the anonymous usager by the pseudonym only, and writes the name given only on the certificate, which is not to be stored', async () => {
    const certificate = await generate({
      serviceUserId: anonymous,
      kind: 'careCertificate',
      sourceId: ids.anonymousCertificate,
      nameOnCertificate: 'Jean Martin',
    });
    expect(certificate).to.include({ storable: false, sensitivity: 'administrative' });
    const certificateText = await textOf(certificate);
    for (const expected of [
      'Certificat de prise en charge',
      'certifie que Jean Martin a été pris(e) en charge par l’établissement du 1er septembre 2026 au 15 octobre 2026',
      'Durée : 45 jours',
      'Objet de la prise en charge : Accompagnement en addictologie',
      'L.3414-1',
    ]) {
      expect(certificateText).to.contain(expected);
    }
    expect(certificateText).not.to.contain(PSEUDONYM);

    const dipc = await generate({ serviceUserId: anonymous, kind: 'dipc' });
    expect(dipc.title).to.equal('Document individuel de prise en charge — version 1 signée le 12/09/2026');
    const dipcText = await textOf(dipc);
    for (const expected of [
      'Document individuel de prise en charge (DIPC)',
      `Personne accueillie : usager anonyme, numéro ${PSEUDONYM}`,
      `Usager anonyme n° ${PSEUDONYM}`,
      'Établi à la suite du refus de signer le contrat de séjour exprimé le 10 septembre 2026 par la personne accueillie.',
      'A refusé de signer le contrat de séjour le 10 septembre 2026',
      'Réduire les risques liés à la consommation',
    ]) {
      expect(dipcText).to.contain(expected);
    }
    expect(dipcText).not.to.contain('Jean Martin');
  });

  it('answers not-found for an absent usager or source, or one of another usager', async () => {
    await expectProblem(
      generate({ serviceUserId: 'nobody', kind: 'stayContract', sourceId: ids.contract }),
      'not-found',
      /n’existe pas/,
    );
    await expectProblem(
      generate({ serviceUserId: anonymous, kind: 'stayContract', sourceId: ids.contract }),
      'not-found',
      /contrat/,
    );
    await expectProblem(
      generate({ serviceUserId: durand, kind: 'personalisedProject', sourceId: randomUUID() }),
      'not-found',
      /projet personnalisé n’existe pas/,
    );
    await expectProblem(
      generate({ serviceUserId: anonymous, kind: 'trustedPersonAttestation' }),
      'not-found',
      /Aucune personne de confiance/,
    );
    await expectProblem(
      generate({ serviceUserId: durand, kind: 'careCertificate', sourceId: randomUUID(), nameOnCertificate: 'X' }),
      'not-found',
      /certificat/,
    );
    await expectProblem(generate({ serviceUserId: 'nobody', kind: 'summarySheet' }), 'not-found', /dossier/);
  });

  it('answers conflict for a source that does not fit the kind asked', async () => {
    await expectProblem(
      generate({ serviceUserId: durand, kind: 'dipc', sourceId: ids.contract }),
      'conflict',
      /contrat de séjour/,
    );
    await expectProblem(generate({ serviceUserId: anonymous, kind: 'stayContract' }), 'conflict', /DIPC/);
    await expectProblem(
      generate({ serviceUserId: durand, kind: 'stayContractAmendment', sourceId: ids.contract, amendmentNumber: 3 }),
      'conflict',
      /L’avenant n° 3/,
    );
    await expectProblem(
      generate({ serviceUserId: anonymous, kind: 'stayContractAmendment' }),
      'conflict',
      /aucun avenant/,
    );
    await expectProblem(
      generate({ serviceUserId: durand, kind: 'stayContract', sourceId: ids.otherFacilityContract }),
      'conflict',
      /autre ESSMS/,
    );
    await expectProblem(
      generate({ serviceUserId: durand, kind: 'trustedPersonAttestation', sourceId: ids.revokedDesignation }),
      'conflict',
      /révoquée le 01\/12\/2025/,
    );
    await expectProblem(
      generate({ serviceUserId: durand, kind: 'personalisedProject', version: 5 }),
      'conflict',
      /version 5/,
    );
    await expectProblem(
      generate({ serviceUserId: anonymous, kind: 'freedomOfMovementAnnex' }),
      'conflict',
      /Aucune mesure/,
    );
    await expectProblem(
      generate({
        serviceUserId: durand,
        kind: 'freedomOfMovementAnnex',
        sourceId: ids.otherFacilityContract,
        facilityId: CAARUD,
      }),
      'conflict',
      /pas d’annexe/,
    );
    await expectProblem(
      generate({
        serviceUserId: durand,
        kind: 'careCertificate',
        sourceId: ids.identifiedCertificate,
        nameOnCertificate: 'Pierre Durand',
      }),
      'conflict',
      /anonymement/,
    );
    await expectProblem(
      generate({ serviceUserId: anonymous, kind: 'careCertificate', sourceId: ids.anonymousCertificate }),
      'validation-failed',
      /nom à porter sur le certificat/,
    );
  });

  it('prints an ESSMS configured without an address by its name and FINESS', async () => {
    const text = await textOf(
      await generate({ serviceUserId: durand, kind: 'dipc', sourceId: ids.otherFacilityContract, facilityId: CAARUD }),
    );
    expect(text).to.contain('CAARUD L’Escale');
    expect(text).to.contain('FINESS 130000002');
    expect(text).to.contain('Projet à remettre à la personne accueillie, non signé');
  });

  // last: it qualifies Pierre Durand's identity, which the documents above print without an INS
  it('prints the INS and its DataMatrix on every document once the identity is qualified, never before', async () => {
    const documents = () =>
      Promise.all(
        (
          [
            { kind: 'stayContract', sourceId: ids.contract },
            { kind: 'stayContractAmendment', sourceId: ids.contract },
            { kind: 'freedomOfMovementAnnex' },
            { kind: 'trustedPersonAttestation' },
            { kind: 'personalisedProject' },
            { kind: 'summarySheet' },
          ] as const
        ).map(async (request) => {
          const document = await generate({ serviceUserId: durand, ...request });
          const images = (await pdfPagesImageCount(document.pdf)).reduce((sum, count) => sum + count, 0);
          return { kind: request.kind, text: await textOf(document), images };
        }),
      );
    const ins = { value: `1720313055042${nirKey('1720313055042')}`, oid: INS_OIDS.nir };
    const where = { facilityId: CSAPA, serviceUserId: durand };
    const identity = (command: Parameters<typeof serviceUserIdentityDecider.decide>[0]) =>
      decide(serviceUserIdentityDecider, serviceUserStreamId(ORG, durand), command, where);

    // given his INS retrieved from the INSi (RECUP), his identity not yet checked on a document
    await identity({
      type: 'RecordInsRetrieved',
      ins,
      traits: {
        birthName: 'DURAND',
        birthFirstNames: ['PIERRE', 'LOUIS'],
        birthDate: '1972-03-08',
        sex: 'M',
        birthplaceCode: '13055',
      },
      operation: 'search',
      at: '2026-11-20T09:00:00Z',
    });
    const retrieved = await documents();
    // when his identity card is checked (QUAL)
    await identity({
      type: 'RecordIdentityDocumentCheck',
      checkId: randomUUID(),
      kind: 'national-id-card',
      expiresOn: '2030-01-01',
      checkedOn: '2026-11-20',
      checkedBy: 'pro-secretariat',
      outcome: 'consistent',
    });
    const qualified = await documents();

    // then no document printed the INS before, and each prints it, with its code, now
    for (const { kind, text, images } of retrieved) {
      expect(text, kind).not.to.contain(ins.value);
      expect(images, kind).to.equal(0);
    }
    for (const { kind, text, images } of qualified) {
      expect(text, kind).to.contain('Identité nationale de santé');
      expect(text, kind).to.contain(`INS (NIR) : ${ins.value}`);
      expect(images, kind).to.equal(1);
    }
  });
});
