import {
  type Dmp,
  DmpSoapClient,
  issueEphemeralCertificates,
  startDmpSoapStandIn,
  unconfiguredDmp,
} from '@dui-pds/segur-adapters';
import type { ServerConfig } from '../server/index.js';
import { readTlsFiles } from './tls-files.js';

/** The DMP the routes call, and how to let it go when the server stops. */
export interface DmpService {
  dmp: Dmp;
  close(): Promise<void>;
}

/** How the software names itself to the DMP (LPS_Nom, LPS_Version). */
const SOFTWARE = { name: 'DUI-PDS', version: '0.1.0' } as const;

/** The homologation number the local stand-in expects: not one the DMP issued. */
const LOCAL_HOMOLOGATION_NUMBER = 'DUI-PDS-LOCAL';

/**
 * The configured DMPi web services over SOAP with mutual TLS; without configuration, in
 * development, a local stand-in speaking the same protocol over mutual TLS with throw-away
 * certificates (the embedded default runs the real exchange offline, VIHF signature included);
 * in production without configuration, none: every DMP route answers that the DMP is unavailable.
 */
export async function openDmp(config: ServerConfig): Promise<DmpService> {
  if (config.dmp) {
    const client = new DmpSoapClient({
      endpoint: config.dmp.url,
      tls: await readTlsFiles('DUI_DMP', config.dmp),
      software: {
        ...SOFTWARE,
        homologationNumber: config.dmp.homologationNumber,
        ...(config.dmp.instance === undefined ? {} : { instanceId: config.dmp.instance }),
      },
    });
    return { dmp: client, close: async () => client.close() };
  }
  if (config.mode === 'production') return { dmp: unconfiguredDmp(), close: async () => {} };
  return localStandIn();
}

async function localStandIn(): Promise<DmpService> {
  const certificates = await issueEphemeralCertificates({ name: 'DUI-PDS DMP stand-in' });
  const standIn = await startDmpSoapStandIn({
    tls: { ...certificates.server, ca: certificates.ca },
    homologationNumber: LOCAL_HOMOLOGATION_NUMBER,
  });
  const client = new DmpSoapClient({
    endpoint: standIn.url,
    tls: { ...certificates.client, ca: certificates.ca },
    software: { ...SOFTWARE, homologationNumber: LOCAL_HOMOLOGATION_NUMBER },
  });
  return {
    dmp: client,
    async close() {
      client.close();
      await standIn.close();
    },
  };
}
