import { AuthenticationRefused } from './authentication-refused.js';
import type { ClaimsMapping, OidcProviderSettings } from './oidc-settings.js';
import type { AuthenticatedProfessional } from './professional-identity.js';

export type Claims = Readonly<Record<string, unknown>>;

/**
 * Refuses any `acr` but the required one, wherever it appears: the ID token always, userinfo when it
 * states one. An absent `acr` in the ID token is refused too, since nothing then vouches for the level.
 */
export function checkAcr(settings: OidcProviderSettings, idToken: Claims, userinfo?: Claims): string | undefined {
  const acr = typeof idToken.acr === 'string' ? idToken.acr : undefined;
  const required = settings.requiredAcr;
  if (required === undefined) return acr;
  if (acr !== required) throw acrRefused(idToken.acr, required);
  if (userinfo !== undefined && 'acr' in userinfo && userinfo.acr !== required)
    throw acrRefused(userinfo.acr, required);
  return acr;
}

function acrRefused(stated: unknown, required: string): AuthenticationRefused {
  return new AuthenticationRefused(
    `Le niveau d'authentification fourni (${describeAcr(stated)}) est insuffisant : le niveau ${required} est exigé.`,
  );
}

function describeAcr(acr: unknown): string {
  return typeof acr === 'string' && /^[\w.:-]{1,64}$/.test(acr) ? acr : 'non précisé';
}

/** Userinfo wins over the ID token: Pro Santé Connect gives the professional's claims there. */
export function professionalFromClaims(
  settings: Pick<OidcProviderSettings, 'id' | 'claimsMapping' | 'practicesOf'>,
  claims: Claims,
  acr: string | undefined,
): AuthenticatedProfessional {
  const mapping = settings.claimsMapping;
  const professionalId = text(claims[mapping.professionalId]);
  if (professionalId === undefined) {
    throw new AuthenticationRefused(
      `Le fournisseur d'identité n'a pas transmis l'identifiant du professionnel (${mapping.professionalId}).`,
    );
  }
  const practices = mapping.practices === undefined ? undefined : claims[mapping.practices];
  return {
    professionalId,
    displayName: displayName(mapping, claims) ?? professionalId,
    provider: settings.id,
    ...(acr === undefined ? {} : { acr }),
    ...practicesPart(settings, practices),
  };
}

/** Mapped when the provider's profile knows how (Pro Santé Connect), else kept raw when given. */
function practicesPart(
  settings: Pick<OidcProviderSettings, 'practicesOf'>,
  claim: unknown,
): Pick<AuthenticatedProfessional, 'practices' | 'rawPractices'> {
  if (settings.practicesOf !== undefined) return { practices: settings.practicesOf(claim) };
  return claim === undefined ? {} : { rawPractices: claim };
}

function displayName(mapping: ClaimsMapping, claims: Claims): string | undefined {
  const whole = mapping.displayName === undefined ? undefined : text(claims[mapping.displayName]);
  if (whole !== undefined) return whole;
  const parts = [mapping.givenName, mapping.familyName]
    .map((claim) => (claim === undefined ? undefined : text(claims[claim])))
    .filter((part): part is string => part !== undefined);
  return parts.length === 0 ? undefined : parts.join(' ');
}

function text(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const trimmed = value.trim();
  return trimmed === '' ? undefined : trimmed;
}
