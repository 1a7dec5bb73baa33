import { expect } from 'chai';
import { buildCdaDocument } from '../cda/build-cda-document.js';
import type { CdaDocumentInput } from '../cda/cda-document-input.js';
import { CDA_DOCUMENT_TYPES } from '../cda/cda-document-types.js';
import { validateAgainstAnsCdaSchema } from '../testing/ans-cda-schema.js';
import { EXAMPLE_INS, exampleCdaInput, examplePatient, MINIMAL_PDF } from '../testing/cda-examples.js';
import { xdsDocumentEntryOf } from '../xds/xds-document-entry.js';
import {
  buildMssanteMessage,
  type MssanteMessageInput,
  mssanteSubject,
  patientMssanteAddress,
} from './mssante-message.js';
import { receivedMssanteDocuments } from './received/received-documents.js';

const documentOf = (input: CdaDocumentInput) => ({
  cda: buildCdaDocument(input),
  input,
  entry: xdsDocumentEntryOf(input),
  pdfFileName: 'projet-personnalise.pdf',
});
const messageOf = (input: CdaDocumentInput, overrides: Partial<MssanteMessageInput> = {}): MssanteMessageInput => ({
  messageId: '<m-1@csapa-test.mssante.fr>',
  to: ['dr.martin@hopital-test.mssante.fr'],
  documents: [documentOf(input)],
  text: 'Bonjour, veuillez trouver ci-joint le projet personnalisé.',
  submission: { id: '2.25.1', sourceId: '2.25.2', submissionTime: new Date('2024-07-02T08:00:00Z') },
  sender: { organisation: 'CSAPA Les Tilleuls', software: 'DUI-PDS', softwareVersion: '0.1.0' },
  productReference: 'REF-PRODUIT-TEST',
  acknowledgements: true,
  ...overrides,
});

describe('an MSSanté message with its XDM archive', () => {
  it('has the reference’s subject and headers, the archive and the PDF, for a qualified identity', async () => {
    // given a personalised project of a usager whose identity is qualified
    const mail = buildMssanteMessage(messageOf(exampleCdaInput()));
    // then the subject names the document and the usager, never the INS
    expect(mail.subject).to.equal("XDM/1.0/DDM+Projet personnalise d'accompagnement PAT-TROIS Dominique 28/03/1979");
    expect(mail.subject).not.to.contain(EXAMPLE_INS.value);
    expect(mail.headers).to.deep.equal({
      'X-MSS-CODECDA': '80788-3',
      'X-MSS-INS': 'O',
      'X-MSS-NIL': 'REF-PRODUIT-TEST',
    });
    expect(mail.attachments.map((attachment) => [attachment.fileName, attachment.contentType])).to.deep.equal([
      ['IHE_XDM.ZIP', 'application/zip'],
      ['projet-personnalise.pdf', 'application/pdf'],
    ]);
    expect(mail.attachments[1]?.content.equals(MINIMAL_PDF)).to.equal(true);
    // and the archive's CDA is valid and carries the INS, as the receiving side reads it
    const received = receivedMssanteDocuments(mail.attachments);
    if (received.kind !== 'documents') throw new Error(`the archive should read: ${JSON.stringify(received)}`);
    const [document] = received.documents;
    expect((await validateAgainstAnsCdaSchema(document?.cdaBytes.toString('utf8') ?? '')).errors).to.deep.equal([]);
    expect(document?.cda.patient).to.deep.equal({
      ins: EXAMPLE_INS,
      birthName: 'PAT-TROIS',
      birthFirstNames: ['DOMINIQUE', 'MARIE-LOUISE'],
      birthDate: '1979-03-28',
      sex: 'F',
      birthplaceCode: '51215',
    });
    expect(document?.cda.body).to.deep.equal({ kind: 'pdf', content: MINIMAL_PDF });
    expect(document?.cda.type?.code).to.equal('80788-3');
  });

  it('says N in X-MSS-INS and carries no INS for any other identity', () => {
    const mail = buildMssanteMessage(messageOf(exampleCdaInput({ patient: examplePatient('not-qualified') })));
    expect(mail.headers['X-MSS-INS']).to.equal('N');
    const received = receivedMssanteDocuments(mail.attachments);
    expect(received.kind === 'documents' && received.documents[0]?.cda.patient.ins).to.equal(undefined);
  });

  it('names several documents by their number, and blocks the usager’s reply only when asked', () => {
    const project = exampleCdaInput();
    const result = exampleCdaInput({ id: { root: '2.25.3' }, type: CDA_DOCUMENT_TYPES.biologyReport, title: 'Bilan' });
    const mail = buildMssanteMessage(
      messageOf(project, {
        to: [patientMssanteAddress(EXAMPLE_INS)],
        documents: [documentOf(project), documentOf(result)],
        replyBlocked: true,
        productReference: undefined,
      }),
    );
    expect(mail.subject).to.match(/^XDM\/1\.0\/DDM\+2 documents PAT-TROIS Dominique 28\/03\/1979$/);
    expect(mail.headers).to.deep.equal({ 'X-MSS-CODECDA': '80788-3,11502-2', 'X-MSS-INS': 'O', 'X-MSS-MES': 'FIN' });
    expect(mail.to).to.deep.equal([`${EXAMPLE_INS.value}@patient.mssante.fr`]);
  });

  it('refuses documents of two usagers in one message', () => {
    const other = exampleCdaInput({
      patient: { ...examplePatient('qualified'), localId: { root: '2.25.9', extension: 'autre' } },
    });
    expect(() =>
      buildMssanteMessage(
        messageOf(exampleCdaInput(), { documents: [documentOf(exampleCdaInput()), documentOf(other)] }),
      ),
    ).to.throw(TypeError, /one usager per message/);
  });

  it('writes the subject without accents, the first name capitalised, the label cut at 40 characters', () => {
    expect(
      mssanteSubject(["Lettre de liaison à la sortie d'une structure sociale"], {
        ...examplePatient('not-qualified'),
        traits: {
          birthName: 'ÉLÉONORE',
          birthFirstNames: ['JEAN-ÉRIC'],
          birthDate: '1978-11-26',
          sex: 'M',
          birthplaceCode: '75056',
        },
      }),
    ).to.equal("XDM/1.0/DDM+Lettre de liaison a la sortie d'une stru ELEONORE Jean-Eric 26/11/1978");
  });
});
