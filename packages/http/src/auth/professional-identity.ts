/** Who is behind a request, once authenticated: what the session keeps and the shell reads. */
export interface AuthenticatedProfessional {
  /** The national professional id for Pro Santé Connect (RPPS/ADELI, prefixed), else the provider's subject. */
  professionalId: string;
  displayName: string;
  /** Id of the provider that authenticated the professional (`psc`, an organisation's provider, `dev`). */
  provider: string;
  /** Authentication context class the provider vouched for (`eidas1` for Pro Santé Connect). */
  acr?: string;
  /**
   * Practices and roles as the provider gave them (Pro Santé Connect's `SubjectRefPro`), kept raw: the
   * habilitations are decided by the shell, not here.
   */
  rawPractices?: unknown;
}
