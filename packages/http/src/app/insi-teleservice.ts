import {
  type Insi,
  InsiSoapClient,
  issueEphemeralCertificates,
  startInsiSoapStandIn,
  unconfiguredInsi,
} from '@dui-pds/segur-adapters';
import type { ServerConfig } from '../server/index.js';
import { readTlsFiles } from './tls-files.js';

/** The INSi the routes call, and how to let it go when the server stops. */
export interface InsiTeleservice {
  insi: Insi;
  close(): Promise<void>;
}

/** How the software names itself to the CNAM (ContexteLPS Nom and Version). */
const SOFTWARE = { name: 'DUI-PDS', version: '0.1.0' } as const;

/** The authorisation number the local stand-in expects: not a CNDA number, and refused by the real INSi. */
const LOCAL_AUTHORISATION_NUMBER = 'DUI-PDS-LOCAL';

/**
 * The configured teleservice over SOAP with mutual TLS; without configuration, in development, a
 * local stand-in speaking the same protocol over mutual TLS with throw-away certificates (so
 * that the embedded default runs the real exchange offline); in production without
 * configuration, none: every INSi route answers that the teleservice is unavailable.
 */
export async function openInsiTeleservice(config: ServerConfig): Promise<InsiTeleservice> {
  if (config.insi) {
    const client = new InsiSoapClient({
      endpoint: config.insi.url,
      tls: await readTlsFiles('DUI_INSI', config.insi),
      lps: {
        authorisationNumber: config.insi.authorisationNumber,
        softwareName: SOFTWARE.name,
        softwareVersion: SOFTWARE.version,
        instance: config.insi.instance,
      },
      emitter: config.insi.emitter,
    });
    return { insi: client, close: async () => client.close() };
  }
  if (config.mode === 'production') return { insi: unconfiguredInsi(), close: async () => {} };
  return localStandIn();
}

async function localStandIn(): Promise<InsiTeleservice> {
  const certificates = await issueEphemeralCertificates({ name: 'DUI-PDS INSi stand-in' });
  const standIn = await startInsiSoapStandIn({
    tls: { ...certificates.server, ca: certificates.ca },
    authorisationNumber: LOCAL_AUTHORISATION_NUMBER,
  });
  const client = new InsiSoapClient({
    endpoint: standIn.url,
    tls: { ...certificates.client, ca: certificates.ca },
    lps: {
      authorisationNumber: LOCAL_AUTHORISATION_NUMBER,
      softwareName: SOFTWARE.name,
      softwareVersion: SOFTWARE.version,
      instance: 'local',
    },
    emitter: 'local',
  });
  return {
    insi: client,
    async close() {
      client.close();
      await standIn.close();
    },
  };
}
