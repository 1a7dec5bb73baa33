import { expect } from 'chai';
import { type LocalMailServers, startLocalMailServers } from '../testing/mail-servers.js';
import { buildDispositionNotification } from './acknowledgements/disposition-notification.js';
import type { IncomingMail } from './incoming-mail.js';
import { SecureMessageRefused, SecureMessagingUnavailable } from './secure-messaging-port.js';
import { SmtpImapSecureMessaging } from './smtp-imap-secure-messaging.js';

const csapa = { address: 'accueil@csapa-test.mssante.fr', password: 'mot-de-passe-csapa' };
const lab = { address: 'resultats@labo-test.mssante.fr', password: 'mot-de-passe-labo' };

describe('the MSSanté mailbox over SMTP and IMAP, against local servers (smtp-server and Dovecot)', function () {
  this.timeout(60_000);
  let servers: LocalMailServers;
  const clients: SmtpImapSecureMessaging[] = [];
  const mailboxOf = (user: { address: string; password: string }) => {
    const client = new SmtpImapSecureMessaging({
      address: user.address,
      smtpUrl: `smtp://${servers.smtp.host}:${servers.smtp.port}`,
      imapUrl: `imap://${servers.imap.host}:${servers.imap.port}`,
      user: user.address,
      password: user.password,
      requireTls: false,
    });
    clients.push(client);
    return client;
  };
  const everythingIn = async (mailbox: SmtpImapSecureMessaging) => {
    const read: IncomingMail[] = [];
    await mailbox.pollInbox(async (mail) => {
      read.push(mail);
    });
    return read;
  };

  before(async () => {
    servers = await startLocalMailServers({ users: [csapa, lab] });
  });
  after(async () => {
    for (const client of clients) await client.close();
    await servers.close();
  });

  it('sends a message with its attachment and MSSanté headers, which the recipient reads once over IMAP', async () => {
    // given the CSAPA's mailbox and the lab's
    const sender = mailboxOf(csapa);
    const recipient = mailboxOf(lab);
    // when the CSAPA sends a message asking for acknowledgements
    const submission = await sender.send({
      messageId: '<envoi-1@csapa-test.mssante.fr>',
      to: [lab.address],
      subject: 'XDM/1.0/DDM+Projet personnalise DUPONT Marie 01/02/1980',
      text: 'Veuillez trouver ci-joint le document.',
      headers: { 'X-MSS-INS': 'O', 'X-MSS-CODECDA': '80788-3' },
      attachments: [{ fileName: 'IHE_XDM.ZIP', contentType: 'application/zip', content: Buffer.from('PK-archive') }],
      acknowledgements: true,
    });
    // then the server took it, and the lab reads it with its headers and attachment
    expect(submission.accepted).to.deep.equal([lab.address]);
    const [received, ...others] = await everythingIn(recipient);
    expect(others).to.have.length(0);
    expect(received?.kind).to.equal('message');
    if (received?.kind !== 'message') return;
    expect(received.messageId).to.equal('<envoi-1@csapa-test.mssante.fr>');
    expect(received.from).to.equal(csapa.address);
    expect(received.subject).to.equal('XDM/1.0/DDM+Projet personnalise DUPONT Marie 01/02/1980');
    expect(received.headers.get('x-mss-ins')).to.equal('O');
    expect(received.headers.get('x-mss-codecda')).to.equal('80788-3');
    expect(received.dispositionNotificationTo).to.equal(csapa.address);
    expect(received.headers.get('return-receipt-to')).to.equal(csapa.address);
    expect(
      received.attachments.map((attachment) => [attachment.fileName, attachment.content.toString()]),
    ).to.deep.equal([['IHE_XDM.ZIP', 'PK-archive']]);
    // and a second pass finds nothing new
    expect(await everythingIn(recipient)).to.deep.equal([]);
  });

  it('brings back the delivery status of the server and the disposition of the recipient’s system', async () => {
    // given a message sent with acknowledgements, and read by the lab
    const sender = mailboxOf(csapa);
    const recipient = mailboxOf(lab);
    await everythingIn(sender);
    await sender.send({
      messageId: '<envoi-2@csapa-test.mssante.fr>',
      to: [lab.address],
      subject: 'Un message',
      text: 'Texte',
      headers: {},
      attachments: [],
      acknowledgements: true,
    });
    const [original] = await everythingIn(recipient);
    if (original?.kind !== 'message') throw new Error('the lab should have received the message');
    // when the lab's system answers that it could not file it
    const mdn = await buildDispositionNotification({
      from: lab.address,
      to: csapa.address,
      messageId: '<mdn-1@labo-test.mssante.fr>',
      date: new Date(),
      original: {
        messageId: '<envoi-2@csapa-test.mssante.fr>',
        recipient: lab.address,
        subject: 'Un message',
        raw: original.raw,
      },
      disposition: {
        actionMode: 'automatic-action',
        sendingMode: 'MDN-sent-automatically',
        type: 'processed',
        error: { code: '902', label: 'Identifiant patient inconnu' },
      },
    });
    await recipient.sendNotification(csapa.address, mdn);
    // then the CSAPA's inbox holds the server's DSN and the lab's MDN, both naming the message
    const acknowledgements = await everythingIn(sender);
    const dsn = acknowledgements.find((mail) => mail.kind === 'delivery-status');
    const disposition = acknowledgements.find((mail) => mail.kind === 'disposition-notification');
    expect(dsn?.kind === 'delivery-status' && dsn.report).to.deep.include({
      originalEnvelopeId: 'envoi-2@csapa-test.mssante.fr',
      originalMessageId: '<envoi-2@csapa-test.mssante.fr>',
    });
    expect(dsn?.kind === 'delivery-status' && dsn.report.recipients).to.deep.equal([
      { finalRecipient: lab.address, action: 'delivered', status: '2.0.0' },
    ]);
    expect(disposition?.kind === 'disposition-notification' && disposition.report).to.deep.equal({
      originalMessageId: '<envoi-2@csapa-test.mssante.fr>',
      originalRecipient: lab.address,
      finalRecipient: lab.address,
      disposition: {
        actionMode: 'automatic-action',
        sendingMode: 'MDN-sent-automatically',
        type: 'processed',
        error: { code: '902', label: 'Identifiant patient inconnu' },
      },
    });
    expect(disposition?.subject).to.equal('[KO Intégration système !][902] Un message');
  });

  it('leaves a message whose handling failed for the next pass', async () => {
    const sender = mailboxOf(csapa);
    const recipient = mailboxOf(lab);
    await everythingIn(recipient);
    await sender.send({
      messageId: '<envoi-3@csapa-test.mssante.fr>',
      to: [lab.address],
      subject: 'Encore',
      text: 'Texte',
      headers: {},
      attachments: [],
      acknowledgements: false,
    });
    const failing = await recipient.pollInbox(async () => {
      throw new Error('base indisponible');
    });
    expect(failing).to.deep.equal({ handled: 0, failed: 1 });
    const again = await everythingIn(recipient);
    expect(again.map((mail) => mail.messageId)).to.deep.equal(['<envoi-3@csapa-test.mssante.fr>']);
  });

  it('reports a refused recipient, and a server that does not answer, in their own terms', async () => {
    const sender = mailboxOf(csapa);
    let refused: unknown;
    try {
      await sender.send({
        messageId: '<envoi-4@csapa-test.mssante.fr>',
        to: ['personne@nulle-part.invalid'],
        subject: 'Perdu',
        text: 'Texte',
        headers: {},
        attachments: [],
        acknowledgements: false,
      });
    } catch (error) {
      refused = error;
    }
    expect(refused).to.be.instanceOf(SecureMessageRefused);
    const nowhere = new SmtpImapSecureMessaging({
      address: csapa.address,
      smtpUrl: 'smtp://127.0.0.1:1',
      imapUrl: 'imap://127.0.0.1:1',
      user: csapa.address,
      password: csapa.password,
      requireTls: false,
    });
    clients.push(nowhere);
    let unavailable: unknown;
    try {
      await nowhere.pollInbox(async () => {});
    } catch (error) {
      unavailable = error;
    }
    expect(unavailable).to.be.instanceOf(SecureMessagingUnavailable);
  });
});
