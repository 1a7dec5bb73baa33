import type { RequestHandler, Response } from 'express';
import { sendUnauthenticated } from './problem.js';
import type { AuthenticatedProfessional } from './professional-identity.js';
import type { SessionStore } from './session-store.js';
import { sessionTokenOf } from './session-transport.js';
import { resolveSession } from './sessions.js';

declare global {
  namespace Express {
    interface Locals {
      /** Set by `authenticate` when the request carries a live session. */
      professional?: AuthenticatedProfessional;
    }
  }
}

/**
 * Resolves the session named by the `dui_session` cookie or a bearer token into
 * `res.locals.professional`. Never refuses: an unknown or expired session leaves it undefined, and
 * `requireProfessional` decides. A failing store is an error, not an anonymous request.
 */
export function authenticate(sessionStore: SessionStore, options: { now?: () => Date } = {}): RequestHandler {
  return async (req, res, next) => {
    res.locals.professional = undefined;
    const token = sessionTokenOf(req);
    if (token !== undefined) {
      const professional = await resolveSession(sessionStore, token, options);
      if (professional !== undefined) res.locals.professional = professional;
    }
    next();
  };
}

export const requireProfessional: RequestHandler = (_req, res, next) => {
  if (professionalOf(res) === undefined) {
    sendUnauthenticated(res, 'Veuillez vous connecter pour accéder à cette ressource.');
    return;
  }
  next();
};

export function professionalOf(res: Response): AuthenticatedProfessional | undefined {
  return res.locals.professional;
}
