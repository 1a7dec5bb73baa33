import type { IncomingMessage } from 'node:http';
import express from 'express';
import { HttpProblem } from './problem-details.js';

const JSON_TYPES = ['application/json', 'application/*+json'];

/**
 * In UTF-8 JSON text the NUL character can only be written as this escape (a raw one is a syntax
 * error), so a body whose bytes lack it holds no NUL once parsed.
 */
const NUL_ESCAPE = Buffer.from('\\u0000');

/** Requests whose raw UTF-8 body was searched for the escape and found without it. */
const withoutNulEscape = new WeakSet<IncomingMessage>();

/** The JSON body parser, which also notes whether the raw text could hold a NUL character. */
export function jsonBody(limit: string | number): express.RequestHandler {
  return express.json({
    limit,
    type: JSON_TYPES,
    verify: (request, _response, raw, encoding) => {
      // other encodings (UTF-16 is allowed) write the escape with other bytes: those bodies are walked
      if (encoding === 'utf-8' && !raw.includes(NUL_ESCAPE)) withoutNulEscape.add(request);
    },
  });
}

/**
 * PostgreSQL's text and jsonb cannot hold the NUL character, so a body carrying one would be
 * accepted by the schemas and then fail on write: it is refused before any route. (Not with a
 * JSON.parse reviver: a reviver makes core-js, which pdfjs-dist's legacy build loads, swap in a
 * JSON.parse of its own that accepts truncated texts.) The parsed body is walked only when its
 * raw text could hold one: searching the bytes costs far less than walking a large body.
 */
export function refuseNulCharacters(
  request: express.Request,
  _response: express.Response,
  next: express.NextFunction,
): void {
  if (!withoutNulEscape.has(request) && holdsNulCharacter(request.body)) {
    next(
      new HttpProblem('validation-failed', 'Le corps de la requête contient un caractère nul (U+0000), refusé.', {
        extensions: { errors: [{ path: 'body', message: 'caractère nul' }] },
      }),
    );
  } else next();
}

/** Walked with a stack of its own: a hostile body may nest deeper than the call stack goes. */
function holdsNulCharacter(body: unknown): boolean {
  const pending: unknown[] = [body];
  while (pending.length > 0) {
    const value = pending.pop();
    if (typeof value === 'string') {
      if (value.includes('\u0000')) return true;
    } else if (typeof value === 'object' && value !== null) {
      for (const [key, inner] of Object.entries(value)) {
        if (key.includes('\u0000')) return true;
        pending.push(inner);
      }
    }
  }
  return false;
}
