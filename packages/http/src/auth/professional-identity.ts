import type { ProfessionalPractice } from '@dui-pds/segur-adapters';

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
   * The professions and sites Pro Santé Connect vouches for (`SubjectRefPro`, mapped). They suggest
   * habilitations; they grant none.
   */
  practices?: ProfessionalPractice[];
  /** Practices and roles of another provider, kept as it gave them: the habilitations are decided by the shell. */
  rawPractices?: unknown;
}
