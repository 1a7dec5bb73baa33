import { randomBytes } from 'node:crypto';
import {
  dovecotBinary,
  type SecureMessaging,
  SmtpImapSecureMessaging,
  startLocalMailServers,
} from '@dui-pds/segur-adapters';
import type { ServerConfig } from '../server/index.js';

/** The organisation's MSSanté mailbox the routes use, and how to let it go when the server stops. */
export interface MssanteMailbox {
  messaging: SecureMessaging;
  /** The organisation it belongs to: the only one whose usagers it sends for and files into. */
  organisationId: string;
  /** The software's « référence produit » (X-MSS-NIL), when declared. */
  productReference: string | undefined;
  close(): Promise<void>;
}

/** The address of the embedded demo's mailbox, on the local servers. */
export const DEMO_MSSANTE_ADDRESS = 'secretariat@csapa-demo.mssante.fr';

/**
 * The configured mailbox (DUI_MSSANTE_*), over TLS in production (STARTTLS required on `smtp://`
 * and `imap://`); without configuration, for the embedded demo only and when Dovecot is installed,
 * local mail servers on loopback (smtp-server and Dovecot) with a mailbox for the demo
 * organisation; otherwise none, and the MSSanté routes answer 503.
 */
export async function openMssanteMailbox(
  config: ServerConfig,
  demo: { organisationId: string } | undefined,
): Promise<MssanteMailbox | undefined> {
  if (config.mssante) {
    const { smtpUrl, imapUrl, address, user, password, organisationId, productReference } = config.mssante;
    const messaging = new SmtpImapSecureMessaging({
      address,
      smtpUrl,
      imapUrl,
      user,
      password,
      requireTls: config.mode === 'production',
    });
    return { messaging, organisationId, productReference, close: () => messaging.close() };
  }
  if (demo === undefined || (await dovecotBinary()) === undefined) return undefined;
  const user = { address: DEMO_MSSANTE_ADDRESS, password: randomBytes(16).toString('hex') };
  const servers = await startLocalMailServers({ users: [user] });
  const messaging = new SmtpImapSecureMessaging({
    address: user.address,
    smtpUrl: `smtp://${servers.smtp.host}:${servers.smtp.port}`,
    imapUrl: `imap://${servers.imap.host}:${servers.imap.port}`,
    user: user.address,
    password: user.password,
    requireTls: false,
  });
  return {
    messaging,
    organisationId: demo.organisationId,
    productReference: undefined,
    async close() {
      await messaging.close();
      await servers.close();
    },
  };
}
