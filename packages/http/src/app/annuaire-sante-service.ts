import { randomUUID } from 'node:crypto';
import {
  type AnnuaireSante,
  AnnuaireSanteFhirClient,
  startAnnuaireSanteFhirStandIn,
  UnconfiguredAnnuaireSante,
} from '@dui-pds/segur-adapters';
import type { ServerConfig } from '../server/index.js';

/** The Annuaire Santé the directory routes search, and how to let it go when the server stops. */
export interface AnnuaireSanteService {
  annuaireSante: AnnuaireSante;
  close(): Promise<void>;
}

/**
 * The configured ANS FHIR API; without configuration, in development, a local FHIR stand-in on
 * loopback serving fictitious practitioners, searched by the same client (so that the embedded
 * default runs the real protocol offline); in production without configuration, none: the
 * searches and imports answer that the Annuaire Santé is unavailable.
 */
export async function openAnnuaireSante(config: ServerConfig): Promise<AnnuaireSanteService> {
  if (config.annuaireSante) {
    const { url, apiKey } = config.annuaireSante;
    return { annuaireSante: new AnnuaireSanteFhirClient({ baseUrl: url, apiKey }), close: async () => {} };
  }
  if (config.mode === 'production') return { annuaireSante: new UnconfiguredAnnuaireSante(), close: async () => {} };
  // a key of its own: nothing else on the machine searches it by chance
  const apiKey = randomUUID();
  const standIn = await startAnnuaireSanteFhirStandIn({ apiKey });
  return {
    annuaireSante: new AnnuaireSanteFhirClient({ baseUrl: standIn.url, apiKey }),
    close: () => standIn.close(),
  };
}
