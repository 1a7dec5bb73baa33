import { expect } from 'chai';
import { ConfigurationError, loadServerConfig } from './config.js';

const mailbox = {
  DUI_MSSANTE_SMTP_URL: 'smtps://smtp.operateur.test:465',
  DUI_MSSANTE_IMAP_URL: 'imaps://imap.operateur.test:993',
  DUI_MSSANTE_ADDRESS: 'Secretariat@CSAPA.mssante.fr',
  DUI_MSSANTE_USER: 'secretariat',
  DUI_MSSANTE_PASSWORD: 'secret',
  DUI_MSSANTE_ORGANISATION: 'og-1',
};
const problemsOf = (env: Record<string, string>): readonly string[] => {
  try {
    loadServerConfig(env);
  } catch (error) {
    if (error instanceof ConfigurationError) return error.problems;
    throw error;
  }
  return [];
};

describe('the MSSanté mailbox settings', () => {
  it('reads the mailbox whole, the address lower-cased, polled every 5 minutes by default', () => {
    const config = loadServerConfig({ ...mailbox, DUI_MSSANTE_PRODUCT_REFERENCE: 'REF-1' });
    expect(config.mssante).to.deep.equal({
      smtpUrl: 'smtps://smtp.operateur.test:465',
      imapUrl: 'imaps://imap.operateur.test:993',
      address: 'secretariat@csapa.mssante.fr',
      user: 'secretariat',
      password: 'secret',
      organisationId: 'og-1',
      productReference: 'REF-1',
    });
    expect(config.mssanteInboxEveryMs).to.equal(300_000);
    expect(loadServerConfig({}).mssante).to.equal(undefined);
  });

  it('refuses half a mailbox, naming what is missing in French, and wrong URLs', () => {
    const { DUI_MSSANTE_PASSWORD: _, DUI_MSSANTE_ORGANISATION: __, ...half } = mailbox;
    expect(problemsOf(half)).to.deep.equal([
      'la messagerie MSSanté est configurée à moitié : DUI_MSSANTE_PASSWORD, DUI_MSSANTE_ORGANISATION manquent (DUI_MSSANTE_SMTP_URL, DUI_MSSANTE_IMAP_URL, DUI_MSSANTE_ADDRESS, DUI_MSSANTE_USER, DUI_MSSANTE_PASSWORD, DUI_MSSANTE_ORGANISATION vont ensemble)',
    ]);
    const wrong = problemsOf({ ...mailbox, DUI_MSSANTE_SMTP_URL: 'https://smtp.test', DUI_MSSANTE_POLL_MINUTES: '-1' });
    expect(wrong.some((problem) => problem.startsWith('DUI_MSSANTE_SMTP_URL doit être'))).to.equal(true);
    expect(wrong.some((problem) => problem.startsWith('DUI_MSSANTE_POLL_MINUTES doit être'))).to.equal(true);
    expect(wrong.join('\n')).not.to.contain('secret');
  });
});
