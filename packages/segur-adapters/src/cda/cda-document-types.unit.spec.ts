import { DOCUMENT_KINDS, GENERATED_DOCUMENT_KINDS } from '@dui-pds/domain';
import { expect } from 'chai';
import { CDA_DOCUMENT_TYPES, cdaDocumentTypeOf, XDS_CLASS_CODES, xdsClassCodeOf } from './cda-document-types.js';
import { CDA_OIDS } from './cda-vocabulary.js';

/** JDV_J07-XdsTypeCode-CISIS as the ANS publishes it (2024-09-27), for the codes the record uses. */
const JDV_J07: Readonly<Record<string, string>> = {
  '80788-3': "Projet personnalisé d'accompagnement",
  '28653-4': 'Document du secteur social / médico-social',
  SYNTH: 'Synthèse',
  CERT_DECL: 'Certificat, déclaration',
  'PIECE-IDENTITE': "Copie pièce d'identité",
  '51851-4': 'Document administratif',
  '11488-4': 'CR ou fiche de consultation ou de visite',
  '11502-2': "CR d'examens biologiques",
  '74207-2': "Document de liaison d'urgence",
  '88348-8': "Lettre de liaison d'entrée en structure sociale ou médico-sociale",
  '83981-1': "Lettre de liaison à la sortie d'une structure sociale ou médico-sociale",
  '34842-5': "Grille d'évaluation médico-social",
  '83901-9': 'Bilan psychologique',
};

describe('cdaDocumentTypeOf: the CI-SIS document type of the record’s documents', () => {
  it('gives every generated kind a type, so that every document the record makes can be sent', () => {
    for (const kind of GENERATED_DOCUMENT_KINDS) expect(cdaDocumentTypeOf(kind), kind).to.not.equal(undefined);
  });

  it('takes every type it gives from the JDV_J07, LOINC where LOINC has one', () => {
    for (const kind of DOCUMENT_KINDS) {
      const type = cdaDocumentTypeOf(kind);
      if (type === undefined) continue;
      expect(JDV_J07[type.code], `${kind} → ${type.code}`).to.equal(type.displayName);
      expect([CDA_OIDS.loinc, CDA_OIDS.complementaryDocumentType]).to.include(type.codeSystem);
      if (/^\d+-\d$/.test(type.code)) expect(type.codeSystem).to.equal(CDA_OIDS.loinc);
    }
    for (const type of Object.values(CDA_DOCUMENT_TYPES)) expect(JDV_J07[type.code]).to.equal(type.displayName);
  });

  it('names the personalised project 80788-3, an exam result 11502-2, and nothing for a letter or "other"', () => {
    expect(cdaDocumentTypeOf('personalisedProject')?.code).to.equal('80788-3');
    expect(cdaDocumentTypeOf('examResult')?.code).to.equal('11502-2');
    expect(cdaDocumentTypeOf('summarySheet')?.code).to.equal('SYNTH');
    expect(cdaDocumentTypeOf('letter')).to.equal(undefined);
    expect(cdaDocumentTypeOf('other')).to.equal(undefined);
  });

  it('classes a project as a care plan, a synthesis as one, a contract as a management document, a report by default', () => {
    expect(xdsClassCodeOf(CDA_DOCUMENT_TYPES.personalisedProject)).to.equal(XDS_CLASS_CODES.carePlan);
    expect(xdsClassCodeOf(CDA_DOCUMENT_TYPES.synthesis)).to.equal(XDS_CLASS_CODES.synthesis);
    expect(xdsClassCodeOf(CDA_DOCUMENT_TYPES.emergencyLiaisonDocument)).to.equal(XDS_CLASS_CODES.synthesis);
    expect(xdsClassCodeOf(CDA_DOCUMENT_TYPES.socialSectorDocument)).to.equal(XDS_CLASS_CODES.management);
    expect(xdsClassCodeOf(CDA_DOCUMENT_TYPES.certificate)).to.equal(XDS_CLASS_CODES.certificate);
    expect(xdsClassCodeOf(CDA_DOCUMENT_TYPES.exitLiaisonLetter)).to.equal(XDS_CLASS_CODES.report);
  });
});
