import { createHash } from 'node:crypto';
import canonicalize from 'canonicalize';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { Logger } from 'pino';
import {
  IDEMPOTENCY_KEY_TTL_MS,
  IDEMPOTENCY_LOCK_TTL_MS,
  type IdempotencyStore,
  type StoredResponse,
} from './idempotency-store.js';
import { loggerOf } from './logging.js';
import { HttpProblem, validationProblem } from './problem-details.js';
import { principalOf } from './request-context.js';
import { IdempotentAnswerUnreadableError } from './sealed-idempotency-store.js';

/**
 * `Idempotency-Key` on every command (IETF draft "The Idempotency-Key HTTP Header Field"): a
 * client that lost an answer sends the same request again with the same key and gets the same
 * answer, the command having run once. The key is scoped to the caller, so two professionals
 * cannot collide or read each other's answers.
 */
export const IDEMPOTENCY_KEY_HEADER = 'Idempotency-Key';
export const IDEMPOTENCY_REPLAYED_HEADER = 'Idempotency-Replayed';
const VALID_KEY = /^[\x21-\x7e]{1,255}$/;
/** The headers a replay gives back; the rest (date, correlation id) belong to the new exchange. */
const REPLAYED_HEADERS = ['content-type', 'content-language', 'etag', 'location'] as const;

export interface IdempotencyOptions {
  /** How long an answer is kept for replays; 24 hours by default. */
  ttlMs?: number;
  /** How long an unanswered claim holds its key; 5 minutes by default. */
  lockTtlMs?: number;
  logger: Logger;
}

/** The command route's guard: claims the key, replays a stored answer, or records this one. */
export function idempotentCommand(store: IdempotencyStore, options: IdempotencyOptions): RequestHandler {
  const ttlMs = options.ttlMs ?? IDEMPOTENCY_KEY_TTL_MS;
  const lockTtlMs = options.lockTtlMs ?? IDEMPOTENCY_LOCK_TTL_MS;
  return async (request: Request, response: Response, next: NextFunction) => {
    const key = scopedKey(callerScope(response), idempotencyKeyOf(request));
    const fingerprint = requestFingerprint(request);
    const claim = await store.claim(key, fingerprint, lockTtlMs).catch(unreadableAnswerProblem);
    if (claim.state !== 'claimed' && claim.fingerprint !== fingerprint) {
      throw new HttpProblem(
        'idempotency-key-reused',
        'Cette clé d’idempotence a déjà servi pour une autre requête : utilisez une nouvelle clé pour chaque nouvelle commande.',
      );
    }
    if (claim.state === 'in-progress') {
      throw new HttpProblem(
        'conflict',
        'Une requête avec la même clé d’idempotence est encore en cours de traitement : réessayez dans un instant.',
        { headers: { 'Retry-After': '1' } },
      );
    }
    if (claim.state === 'completed') {
      replay(response, claim.response);
      return;
    }
    const { token } = claim;
    recordAnswer(response, async (answer) => {
      if (answer === undefined) return store.release(key, token);
      // An answer that could not be kept must not leave its key "in progress" until the claim lapses.
      await store.complete(key, token, answer, ttlMs).catch(async (error: unknown) => {
        await store.release(key, token).catch(() => {});
        throw error;
      });
    }).catch((error: unknown) => {
      // The answer still goes out; only a retry would run the command again (its events are idempotent too).
      loggerOf(request, options.logger).warn({ err: error }, 'idempotency key not recorded');
    });
    next();
  };
}

function unreadableAnswerProblem(error: unknown): never {
  if (!(error instanceof IdempotentAnswerUnreadableError)) throw error;
  throw new HttpProblem(
    'internal-error',
    'La réponse enregistrée pour cette clé d’idempotence ne peut pas être relue : vérifiez ce que la commande a enregistré, puis, s’il le faut, renvoyez-la avec une nouvelle clé.',
  );
}

/** The key the client sent, checked; 428 without one. */
export function idempotencyKeyOf(request: Request): string {
  const key = request.get(IDEMPOTENCY_KEY_HEADER);
  if (key === undefined || key === '') {
    throw new HttpProblem(
      'precondition-required',
      'Toute commande exige l’en-tête Idempotency-Key : une valeur unique par commande (un UUID par exemple), renvoyée telle quelle en cas de nouvel essai.',
    );
  }
  if (!VALID_KEY.test(key)) {
    throw validationProblem('L’en-tête Idempotency-Key n’est pas valide.', [
      {
        path: 'headers.idempotency-key',
        message: 'Idempotency-Key doit contenir de 1 à 255 caractères ASCII visibles, sans espace',
      },
    ]);
  }
  return key;
}

/** Whose keys these are: the professional, else their organisation, else everyone unauthenticated. */
export function callerScope(response: Response): string {
  const principal = principalOf(response);
  if (principal?.professionalId !== undefined) return `professional:${principal.professionalId}`;
  if (principal?.organisationId !== undefined) return `organisation:${principal.organisationId}`;
  return 'anonymous';
}

export function scopedKey(scope: string, key: string): string {
  return sha256(`${scope}\u0000${key}`);
}

/**
 * What makes two requests the same: method, URL and body (canonical JSON, so key order does not
 * count). A body JSON.parse accepts but canonical JSON cannot hold (a lone surrogate, a number out
 * of range) is refused here, before anything else looks at it.
 */
export function requestFingerprint(request: Request): string {
  let body: string | undefined;
  try {
    body = canonicalize(request.body ?? null);
  } catch {
    body = undefined;
  }
  if (body === undefined) {
    throw new HttpProblem(
      'validation-failed',
      'Le corps de la requête contient un nombre hors limites ou un caractère invalide (surrogate isolé).',
      { extensions: { errors: [] } },
    );
  }
  return sha256(`${request.method}\n${request.originalUrl}\n${body}`);
}

/**
 * Only answers a retry should get again are stored: successes and client errors, except 409
 * (a conflict may clear) and 429 (a rate limit will). A server error releases the key.
 */
export function isReplayable(status: number): boolean {
  return (status >= 200 && status < 300) || (status >= 400 && status < 500 && status !== 409 && status !== 429);
}

function replay(response: Response, stored: StoredResponse): void {
  response.status(stored.status);
  for (const [name, value] of Object.entries(stored.headers)) response.setHeader(name, value);
  response.setHeader(IDEMPOTENCY_REPLAYED_HEADER, 'true');
  response.end(Buffer.from(stored.body, 'base64'));
}

type Recorder = (answer: StoredResponse | undefined) => Promise<void>;

/**
 * Holds the response's end until its answer is recorded, so that a retry arriving just after
 * the answer finds it stored rather than in progress. A streamed answer is not recorded.
 */
function recordAnswer(response: Response, record: Recorder): Promise<void> {
  return new Promise((resolve, reject) => {
    let streamed = false;
    const write = response.write;
    response.write = function (this: Response, ...args: Parameters<Response['write']>) {
      streamed = true;
      return write.apply(this, args);
    } as Response['write'];
    const end = response.end;
    response.end = function (this: Response, ...args: unknown[]) {
      response.end = end;
      response.write = write;
      const answer =
        streamed || !isReplayable(response.statusCode) ? undefined : storedAnswer(response, args[0], args[1]);
      record(answer)
        .then(resolve, reject)
        .finally(() => (end as (...endArgs: unknown[]) => Response).apply(this, args));
      return this;
    } as Response['end'];
  });
}

function storedAnswer(response: Response, chunk: unknown, encoding: unknown): StoredResponse {
  const headers: Record<string, string> = {};
  for (const name of REPLAYED_HEADERS) {
    const value = response.getHeader(name);
    if (value !== undefined) headers[name] = String(value);
  }
  return { status: response.statusCode, headers, body: bodyBytes(chunk, encoding).toString('base64') };
}

function bodyBytes(chunk: unknown, encoding: unknown): Buffer {
  if (Buffer.isBuffer(chunk)) return chunk;
  if (chunk instanceof Uint8Array) return Buffer.from(chunk);
  if (typeof chunk === 'string')
    return Buffer.from(chunk, typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8');
  return Buffer.alloc(0);
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
