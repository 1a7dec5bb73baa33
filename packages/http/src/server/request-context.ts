import type { Request, Response } from 'express';
import type { Logger } from 'pino';

/**
 * What the shell knows of the caller. Authentication (plugged in `beforeRoutes`) puts its
 * principal in `res.locals.principal` (or, as `src/auth` does, the professional in
 * `res.locals.professional`); the shell reads only these two ids from it, to scope idempotency
 * keys and rate limits and to log who acted.
 */
export interface PrincipalIds {
  professionalId?: string;
  organisationId?: string;
}

export function principalOf(response: Response): PrincipalIds | undefined {
  const principal = rawPrincipalOf(response);
  if (typeof principal !== 'object' || principal === null) return undefined;
  const { professionalId, organisationId } = principal as Record<string, unknown>;
  return {
    ...(typeof professionalId === 'string' && professionalId !== '' ? { professionalId } : {}),
    ...(typeof organisationId === 'string' && organisationId !== '' ? { organisationId } : {}),
  };
}

/** The principal as authentication left it, `undefined` on a route it does not guard. */
export function rawPrincipalOf(response: Response): unknown {
  return response.locals.principal ?? response.locals.professional;
}

/** What a route handler gets besides its validated input. */
export interface RequestContext {
  correlationId: string;
  /** `res.locals.principal` (else `res.locals.professional`) as authentication left it. */
  principal: unknown;
  /** Bound to the correlation id. Never log bodies, queries or error messages through it. */
  log: Logger;
  request: Request;
  response: Response;
}
