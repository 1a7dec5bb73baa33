import { expect } from 'chai';
import { readIncomingMail } from '../incoming-mail.js';
import { buildDeliveryStatusNotification, readDeliveryStatus } from './delivery-status.js';
import {
  buildDispositionNotification,
  type Disposition,
  dispositionField,
  readDisposition,
  readDispositionNotification,
} from './disposition-notification.js';

const original = Buffer.from(
  'From: resultats@labo-test.mssante.fr\r\nTo: csapa@csapa-test.mssante.fr\r\nMessage-ID: <r-1@labo-test.mssante.fr>\r\n' +
    'Subject: XDM/1.0/DDM+CR d examens biologiques DUPONT Marie 01/02/1980\r\n\r\nCorps\r\n',
);
const error902: Disposition = {
  actionMode: 'automatic-action',
  sendingMode: 'MDN-sent-automatically',
  type: 'processed',
  error: { code: '902', label: 'Identifiant patient inconnu' },
};

describe('message disposition notifications (RFC 8098, CI-SIS volet MSSanté)', () => {
  it('writes and reads the Disposition field, with the volet’s error modifier', () => {
    expect(dispositionField(error902)).to.equal(
      'automatic-action/MDN-sent-automatically; processed/Error: 902^Identifiant patient inconnu^applicationErrorCondition|E^Error^errorSeverity',
    );
    expect(readDisposition(dispositionField(error902))).to.deep.equal(error902);
    // the volet's own example, as another system writes it
    expect(
      readDisposition(
        'automatic-action/MDN-sent-automatically; processed/Error: 902^Identifiant de patient inconnu^messageErrorCondition| E^Error^errorSeverity',
      )?.error,
    ).to.deep.equal({ code: '902', label: 'Identifiant de patient inconnu' });
    expect(readDisposition('manual-action/MDN-sent-manually; displayed')).to.deep.equal({
      actionMode: 'manual-action',
      sendingMode: 'MDN-sent-manually',
      type: 'displayed',
    });
    expect(readDisposition('n’importe quoi')).to.equal(undefined);
  });

  it('builds an error MDN as the volet shows it, and reads it back from the raw message', async () => {
    // given a lab's message the CSAPA could not file
    const raw = await buildDispositionNotification({
      from: 'csapa@csapa-test.mssante.fr',
      to: 'resultats@labo-test.mssante.fr',
      messageId: '<mdn-1@csapa-test.mssante.fr>',
      date: new Date('2026-03-20T10:00:00Z'),
      original: {
        messageId: '<r-1@labo-test.mssante.fr>',
        recipient: 'csapa@csapa-test.mssante.fr',
        subject: 'XDM/1.0/DDM+CR d examens biologiques DUPONT Marie 01/02/1980',
        raw: original,
      },
      disposition: error902,
      returnedAttachments: [{ fileName: 'IHE_XDM.ZIP', contentType: 'application/zip', content: Buffer.from('PK') }],
    });
    const text = raw.toString('utf8');
    // then it is a multipart/report with the three parts and the returned archive
    expect(text).to.match(/Content-Type: multipart\/report; report-type=disposition-notification;/);
    expect(text).to.contain('Content-Type: message/disposition-notification');
    expect(text).to.contain('Content-Type: message/rfc822');
    expect(text).to.contain('Original-Message-ID: <r-1@labo-test.mssante.fr>');
    expect(text).to.contain('filename=IHE_XDM.ZIP');
    // and a reader finds the report and the subject with its code
    const mail = await readIncomingMail(raw);
    expect(mail.kind).to.equal('disposition-notification');
    expect(mail.subject).to.equal(
      '[KO Intégration système !][902] XDM/1.0/DDM+CR d examens biologiques DUPONT Marie 01/02/1980',
    );
    expect(mail.kind === 'disposition-notification' && mail.report).to.deep.equal({
      originalMessageId: '<r-1@labo-test.mssante.fr>',
      originalRecipient: 'csapa@csapa-test.mssante.fr',
      finalRecipient: 'csapa@csapa-test.mssante.fr',
      disposition: error902,
    });
  });

  it('reads a notification without the fields it needs as nothing', () => {
    expect(readDispositionNotification('Disposition: automatic-action/MDN-sent-automatically; processed')).to.equal(
      undefined,
    );
  });
});

describe('delivery status notifications (RFC 3464)', () => {
  it('builds and reads back a DSN: the envelope id, each recipient’s action and status, the original id', async () => {
    const raw = await buildDeliveryStatusNotification({
      reportingMta: 'mail.localhost',
      to: 'csapa@csapa-test.mssante.fr',
      messageId: '<dsn-1@mail.localhost>',
      date: new Date('2026-03-20T10:00:00Z'),
      originalEnvelopeId: 'envoi-1@csapa-test.mssante.fr',
      arrivalDate: new Date('2026-03-20T09:59:00Z'),
      recipients: [
        { finalRecipient: 'dr.martin@hopital-test.mssante.fr', action: 'delivered', status: '2.0.0' },
        {
          finalRecipient: 'inconnu@hopital-test.mssante.fr',
          action: 'failed',
          status: '5.1.1',
          diagnostic: '550 boîte inconnue',
        },
      ],
      originalHeaders: 'From: csapa@csapa-test.mssante.fr\r\nMessage-ID: <envoi-1@csapa-test.mssante.fr>',
    });
    const mail = await readIncomingMail(raw);
    expect(mail.kind).to.equal('delivery-status');
    expect(mail.kind === 'delivery-status' && mail.report).to.deep.equal({
      originalEnvelopeId: 'envoi-1@csapa-test.mssante.fr',
      reportingMta: 'mail.localhost',
      recipients: [
        { finalRecipient: 'dr.martin@hopital-test.mssante.fr', action: 'delivered', status: '2.0.0' },
        {
          finalRecipient: 'inconnu@hopital-test.mssante.fr',
          action: 'failed',
          status: '5.1.1',
          diagnostic: 'smtp; 550 boîte inconnue',
        },
      ],
      originalMessageId: '<envoi-1@csapa-test.mssante.fr>',
    });
  });

  it('skips a recipient block it cannot read', () => {
    expect(
      readDeliveryStatus('Reporting-MTA: dns; x\r\n\r\nFinal-Recipient: rfc822; a@b.fr\r\nAction: ailleurs\r\n')
        .recipients,
    ).to.deep.equal([]);
  });
});
