import type { Response } from 'express';

/**
 * RFC 9457 problem documents: every error the API answers is one of these kinds, each with a
 * stable `type` URI that clients branch on (the French `title` and `detail` are for people).
 */
export const PROBLEM_BASE_URI = 'https://dui-pds.org/problems/';
export const PROBLEM_MEDIA_TYPE = 'application/problem+json';

const KINDS = {
  'validation-failed': { status: 400, title: 'Requête invalide' },
  unauthenticated: { status: 401, title: 'Authentification requise' },
  forbidden: { status: 403, title: 'Accès refusé' },
  'not-found': { status: 404, title: 'Ressource introuvable' },
  'method-not-allowed': { status: 405, title: 'Méthode non autorisée' },
  conflict: { status: 409, title: 'Conflit' },
  'record-archived': { status: 409, title: 'Dossier archivé' },
  'record-destroyed': { status: 410, title: 'Dossier détruit' },
  'precondition-failed': { status: 412, title: 'La ressource a changé entre-temps' },
  'payload-too-large': { status: 413, title: 'Requête trop volumineuse' },
  'unsupported-media-type': { status: 415, title: 'Type de contenu non pris en charge' },
  'idempotency-key-reused': { status: 422, title: 'Clé d’idempotence déjà utilisée pour une autre requête' },
  'domain-rule-violated': { status: 422, title: 'Règle métier non respectée' },
  'precondition-required': { status: 428, title: 'Précondition requise' },
  'rate-limited': { status: 429, title: 'Trop de requêtes' },
  'internal-error': { status: 500, title: 'Erreur interne' },
  'service-unavailable': { status: 503, title: 'Service indisponible' },
} as const satisfies Record<string, { status: number; title: string }>;

export type ProblemKind = keyof typeof KINDS;

export const PROBLEM_KINDS = Object.keys(KINDS) as ProblemKind[];

/** One wrong field of a request: where (`body.nom`, `params.serviceUserId`, `headers.if-match`) and why, in French. */
export interface FieldError {
  path: string;
  message: string;
}

export interface ProblemDocument {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance?: string;
  [extension: string]: unknown;
}

export function problemType(kind: ProblemKind): string {
  return PROBLEM_BASE_URI + kind;
}

export function problemStatus(kind: ProblemKind): number {
  return KINDS[kind].status;
}

export function problemTitle(kind: ProblemKind): string {
  return KINDS[kind].title;
}

export interface HttpProblemOptions {
  /** Members added to the document: `errors` for validation-failed, `code` for domain-rule-violated. */
  extensions?: Record<string, unknown>;
  /** Response headers that go with the problem (`Retry-After`, `Allow`). */
  headers?: Record<string, string>;
  instance?: string;
}

/**
 * An error that already knows its answer: thrown anywhere in a request, the error handler sends
 * it as is. `detail` is shown to staff, so it is French and holds no personal data.
 */
export class HttpProblem extends Error {
  override readonly name = 'HttpProblem';
  readonly status: number;
  readonly extensions: Record<string, unknown>;
  readonly headers: Record<string, string>;
  readonly instance: string | undefined;

  constructor(
    readonly kind: ProblemKind,
    readonly detail: string,
    options: HttpProblemOptions = {},
  ) {
    super(detail);
    this.status = problemStatus(kind);
    this.extensions = options.extensions ?? {};
    this.headers = options.headers ?? {};
    this.instance = options.instance;
  }

  toDocument(): ProblemDocument {
    return {
      ...this.extensions,
      type: problemType(this.kind),
      title: problemTitle(this.kind),
      status: this.status,
      detail: this.detail,
      ...(this.instance === undefined ? {} : { instance: this.instance }),
    };
  }
}

/** A validation-failed problem listing the wrong fields. */
export function validationProblem(detail: string, errors: readonly FieldError[]): HttpProblem {
  return new HttpProblem('validation-failed', detail, { extensions: { errors } });
}

/**
 * Sends a problem, with the request's correlation id as an extension so that staff can quote it
 * to support. Responses with a problem are never cached: they may describe a usager's record.
 */
export function sendProblem(response: Response, problem: HttpProblem): void {
  const correlationId = response.locals.correlationId;
  const document = problem.toDocument();
  if (typeof correlationId === 'string') document.correlationId = correlationId;
  for (const [name, value] of Object.entries(problem.headers)) response.setHeader(name, value);
  response.status(problem.status).type(PROBLEM_MEDIA_TYPE).setHeader('Cache-Control', 'no-store');
  response.send(JSON.stringify(document));
}
