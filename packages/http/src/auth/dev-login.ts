import { type Request, Router, urlencoded } from 'express';
import { localPath } from './local-path.js';
import { sendUnauthenticated } from './problem.js';
import type { SessionStore } from './session-store.js';
import { type CookieSecurity, setSessionCookie } from './session-transport.js';
import { openSession } from './sessions.js';

export const DEV_PROVIDER = 'dev';

export interface DemoProfessional {
  professionalId: string;
  displayName: string;
  /** Shaped like Pro Santé Connect's `SubjectRefPro`, for the habilitations to work on. */
  rawPractices?: unknown;
}

export interface DevLoginOptions extends CookieSecurity {
  professionals: readonly DemoProfessional[];
  sessionStore: SessionStore;
  now?: () => Date;
}

/** Only outside production and on the embedded default: a login without any proof of identity. */
export function devLoginAllowed(config: { production: boolean; embedded: boolean; devLogin: boolean }): boolean {
  return !config.production && config.embedded && config.devLogin;
}

/**
 * `GET /auth/dev/login` shows the demo professionals, `POST /auth/dev/login` opens a session for the one
 * chosen. Mount it only when `devLoginAllowed`.
 */
export function devLoginRouter(options: DevLoginOptions): Router {
  const byId = new Map(options.professionals.map((professional) => [professional.professionalId, professional]));
  const router = Router();

  router.get('/auth/dev/login', (req, res) => {
    const chosen = typeof req.query.professionalId === 'string' ? req.query.professionalId : undefined;
    res
      .set('Cache-Control', 'no-store')
      .type('html')
      .send(loginPage(req, options.professionals, chosen, localPath(req.query.returnTo) ?? '/'));
  });

  router.post('/auth/dev/login', urlencoded({ extended: false, limit: '4kb' }), async (req, res) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const professional = typeof body.professionalId === 'string' ? byId.get(body.professionalId) : undefined;
    if (professional === undefined) {
      sendUnauthenticated(res, "Ce professionnel de démonstration n'existe pas.");
      return;
    }
    const session = await openSession(
      options.sessionStore,
      {
        professionalId: professional.professionalId,
        displayName: professional.displayName,
        provider: DEV_PROVIDER,
        ...(professional.rawPractices === undefined ? {} : { rawPractices: professional.rawPractices }),
      },
      { ...(options.now === undefined ? {} : { now: options.now }) },
    );
    setSessionCookie(res, session, options);
    res.set('Cache-Control', 'no-store').redirect(303, localPath(body.returnTo) ?? '/');
  });

  return router;
}

function loginPage(
  req: Request,
  professionals: readonly DemoProfessional[],
  chosen: string | undefined,
  returnTo: string,
): string {
  const preselected = professionals.some((professional) => professional.professionalId === chosen)
    ? chosen
    : professionals[0]?.professionalId;
  const choices = professionals
    .map((professional, index) => {
      const id = `professionnel-${index}`;
      const checked = professional.professionalId === preselected ? ' checked' : '';
      return `      <li><input type="radio" name="professionalId" id="${id}" value="${escapeHtml(professional.professionalId)}" required${checked}>
        <label for="${id}">${escapeHtml(professional.displayName)} (${escapeHtml(professional.professionalId)})</label></li>`;
    })
    .join('\n');
  const form =
    professionals.length === 0
      ? "  <p>Aucun professionnel de démonstration n'est configuré.</p>"
      : `  <form method="post" action="${escapeHtml(req.baseUrl)}/auth/dev/login">
    <fieldset>
      <legend>Se connecter en tant que</legend>
      <ul>
${choices}
      </ul>
    </fieldset>
    <input type="hidden" name="returnTo" value="${escapeHtml(returnTo)}">
    <button type="submit">Se connecter</button>
  </form>`;
  return `<!doctype html>
<html lang="fr">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>Connexion de développement – DUI-PDS</title>
</head>
<body>
<main>
  <h1>Connexion de développement</h1>
  <p><strong>Environnement de développement :</strong> cette connexion ne vérifie aucune identité et n'existe pas en production.</p>
${form}
</main>
</body>
</html>
`;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (character) => `&#${character.charCodeAt(0)};`);
}
