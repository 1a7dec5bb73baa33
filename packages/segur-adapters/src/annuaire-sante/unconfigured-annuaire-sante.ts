import {
  type AnnuaireOrganisation,
  type AnnuairePractitioner,
  type AnnuaireSante,
  AnnuaireSanteUnavailable,
} from './annuaire-sante-port.js';

/**
 * The Annuaire Santé where none is configured (production without its URL and key): every
 * search fails as unavailable, so that the routes answer 503 rather than fictitious practitioners.
 */
export class UnconfiguredAnnuaireSante implements AnnuaireSante {
  async searchPractitioners(): Promise<AnnuairePractitioner[]> {
    throw notConfigured();
  }

  async practitioner(): Promise<AnnuairePractitioner | undefined> {
    throw notConfigured();
  }

  async searchOrganisations(): Promise<AnnuaireOrganisation[]> {
    throw notConfigured();
  }
}

function notConfigured(): AnnuaireSanteUnavailable {
  return new AnnuaireSanteUnavailable('not-configured', 'the Annuaire Santé is not configured');
}
