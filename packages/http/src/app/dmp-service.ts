import { readFile } from 'node:fs/promises';
import {
  type Dmp,
  DmpSoapClient,
  issueEphemeralCertificates,
  startDmpSoapStandIn,
  unconfiguredDmp,
} from '@dui-pds/segur-adapters';
import { ConfigurationError, type DmpConfig, type ServerConfig } from '../server/index.js';

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
      tls: await readTlsFiles(config.dmp),
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

/** The three PEM files; one that cannot be read stops the start, naming its variable, not its content. */
async function readTlsFiles(dmp: DmpConfig): Promise<{ cert: string; key: string; ca: string }> {
  const files = [
    ['cert', 'DUI_DMP_CERT_FILE', dmp.certFile],
    ['key', 'DUI_DMP_KEY_FILE', dmp.keyFile],
    ['ca', 'DUI_DMP_CA_FILE', dmp.caFile],
  ] as const;
  const problems: string[] = [];
  const read: Record<string, string> = {};
  for (const [part, variable, path] of files) {
    try {
      read[part] = await readFile(path, 'utf8');
    } catch {
      problems.push(`${variable} : le fichier ${path} ne peut pas être lu`);
    }
  }
  if (problems.length > 0) throw new ConfigurationError(problems);
  return { cert: read.cert as string, key: read.key as string, ca: read.ca as string };
}
