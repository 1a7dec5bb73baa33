import { BlobErasedError } from '@dui-pds/documents';
import { DomainRuleViolation } from '@dui-pds/domain';
import {
  DuplicateEventIdError,
  InvalidEventError,
  ServiceUserTenantMismatchError,
  StaleTransactionError,
  SubjectForgottenError,
  TenantMismatchError,
  WrongExpectedRevisionError,
} from '@dui-pds/eventstore';
import type { ErrorRequestHandler, NextFunction, Request, RequestHandler, Response } from 'express';
import type { Logger } from 'pino';
import { z } from 'zod';
import { loggerOf } from './logging.js';
import { HttpProblem, type ProblemKind, sendProblem } from './problem-details.js';
import { databaseUnavailableProblem, isDatabaseUnavailable } from './unavailable-database.js';
import { requestValidationProblem } from './validation.js';

/**
 * The last middleware: every error becomes a problem document. What the caller did wrong is
 * said in French; what went wrong inside is logged (with the correlation id, the error's class
 * and stack frames, never its message) and answered with a generic 500; a database out of reach
 * is answered with 503 and `Retry-After`.
 */
export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (error: unknown, request: Request, response: Response, _next: NextFunction) => {
    const problem = problemFor(error, request);
    if (problem?.kind === 'service-unavailable') {
      // an outage, not a bug: its name and code say enough, and its message may quote a statement
      const { name, code, cause } = error as { name?: unknown; code?: unknown; cause?: { code?: unknown } };
      loggerOf(request, logger).warn({ reason: name, code: code ?? cause?.code }, 'database unavailable');
    } else if (problem === undefined || problem.status >= 500) {
      loggerOf(request, logger).error({ err: error }, 'unexpected error');
    }
    if (response.headersSent) {
      // Part of the answer is out: the only honest signal left is to cut the connection.
      request.socket.destroy();
      return;
    }
    sendProblem(response, problem ?? internalError());
  };
}

/** Answers 404 for any path no route claimed; the path is not repeated (it may name a usager). */
export function notFoundHandler(): RequestHandler {
  return (_request, response) => {
    sendProblem(response, new HttpProblem('not-found', 'Aucune ressource ne correspond à cette adresse.'));
  };
}

function internalError(): HttpProblem {
  return new HttpProblem(
    'internal-error',
    'Une erreur inattendue est survenue. Réessayez plus tard ; si elle persiste, transmettez l’identifiant de corrélation au support.',
  );
}

/** The problem a known error stands for, or `undefined` for an unexpected one. */
export function problemFor(error: unknown, request: Request): HttpProblem | undefined {
  if (error instanceof HttpProblem) return error;
  if (error instanceof z.ZodError) return requestValidationProblem(error);
  if (error instanceof DomainRuleViolation && error.code === 'RECORD_ARCHIVED') {
    return new HttpProblem('record-archived', error.message, { extensions: { code: error.code } });
  }
  if (error instanceof SubjectForgottenError) {
    return new HttpProblem(
      'record-destroyed',
      'Le dossier de cet usager a été détruit au terme de sa durée de conservation : rien ne peut plus y être enregistré.',
    );
  }
  if (error instanceof BlobErasedError) {
    return new HttpProblem(
      'record-destroyed',
      'Le dossier de cet usager a été détruit au terme de sa durée de conservation : ses documents ne peuvent plus être lus.',
    );
  }
  if (error instanceof DomainRuleViolation) {
    const hasDetails = Object.keys(error.details).length > 0;
    return new HttpProblem('domain-rule-violated', error.message, {
      extensions: { code: error.code, ...(hasDetails ? { details: error.details } : {}) },
    });
  }
  if (error instanceof WrongExpectedRevisionError) return revisionProblem(error, request);
  // the stream moved while the command's transaction ran: to the caller, a concurrent change like any other
  if (error instanceof StaleTransactionError) return new HttpProblem('conflict', CONCURRENT_CHANGE);
  if (error instanceof InvalidEventError) {
    return new HttpProblem('validation-failed', 'Les données de la commande ont été refusées par le journal.', {
      extensions: { errors: [] },
    });
  }
  // A stream, or a usager, of another organisation is answered as absent: its existence is not to be revealed.
  if (error instanceof TenantMismatchError || error instanceof ServiceUserTenantMismatchError) {
    return new HttpProblem('not-found', 'Aucune ressource ne correspond à cette adresse.');
  }
  if (error instanceof DuplicateEventIdError) {
    return new HttpProblem('conflict', 'Cette commande a déjà été enregistrée en partie ; relisez la ressource.');
  }
  if (isDatabaseUnavailable(error)) return databaseUnavailableProblem();
  return bodyParserProblem(error) ?? clientErrorProblem(error);
}

function revisionProblem(error: WrongExpectedRevisionError, request: Request): HttpProblem {
  const extensions = {
    ...(typeof error.expected === 'number' ? { expectedRevision: error.expected } : {}),
    ...(error.actual === undefined ? {} : { currentRevision: error.actual }),
  };
  if (request.get('If-Match') !== undefined) {
    return new HttpProblem(
      'precondition-failed',
      'La ressource a été modifiée depuis votre lecture (If-Match). Relisez-la, puis recommencez si besoin.',
      { extensions },
    );
  }
  return new HttpProblem('conflict', CONCURRENT_CHANGE, { extensions });
}

const CONCURRENT_CHANGE =
  'La ressource a été modifiée en même temps par une autre requête. Relisez-la, puis recommencez si besoin.';

/** body-parser's errors, told apart by their `type`; their messages quote the body, so are dropped. */
function bodyParserProblem(error: unknown): HttpProblem | undefined {
  const type = typeof error === 'object' && error !== null ? (error as { type?: unknown }).type : undefined;
  switch (type) {
    case 'entity.parse.failed':
      return new HttpProblem('validation-failed', 'Le corps de la requête n’est pas un JSON valide.', {
        extensions: { errors: [{ path: 'body', message: 'JSON mal formé' }] },
      });
    case 'entity.too.large':
      return new HttpProblem('payload-too-large', 'Le corps de la requête dépasse la taille autorisée.');
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return new HttpProblem('unsupported-media-type', 'Le corps de la requête doit être du JSON encodé en UTF-8.');
    case 'request.aborted':
    case 'request.size.invalid':
      return new HttpProblem('validation-failed', 'Le corps de la requête est incomplet.', {
        extensions: { errors: [] },
      });
    default:
      return undefined;
  }
}

const CLIENT_ERROR_KINDS: Partial<Record<number, ProblemKind>> = {
  401: 'unauthenticated',
  403: 'forbidden',
  404: 'not-found',
  405: 'method-not-allowed',
  409: 'conflict',
  412: 'precondition-failed',
  413: 'payload-too-large',
  415: 'unsupported-media-type',
  428: 'precondition-required',
  429: 'rate-limited',
};

/** Other errors that carry a 4xx status (http-errors, as Express's router throws for a bad URI). */
function clientErrorProblem(error: unknown): HttpProblem | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const { status, statusCode } = error as { status?: unknown; statusCode?: unknown };
  const code = typeof status === 'number' ? status : statusCode;
  if (typeof code !== 'number' || code < 400 || code >= 500) return undefined;
  const kind = CLIENT_ERROR_KINDS[code];
  if (kind === undefined) {
    return new HttpProblem('validation-failed', 'La requête n’a pas pu être comprise.', { extensions: { errors: [] } });
  }
  return new HttpProblem(kind, 'La requête n’a pas pu être traitée.');
}
