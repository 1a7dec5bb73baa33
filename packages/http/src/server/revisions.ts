import type { Request, Response } from 'express';
import { HttpProblem, validationProblem } from './problem-details.js';

/**
 * Expected revisions travel as entity tags: a query answers `ETag: "<revision>"` (strong: it
 * names one exact state of the aggregate), a command sends it back in `If-Match`, and the event
 * store refuses the append when the stream has moved on since.
 */
const STRONG_REVISION_TAG = /^"(0|[1-9][0-9]{0,15})"$/;

export function revisionEtag(revision: number): string {
  if (!Number.isSafeInteger(revision) || revision < 0) {
    throw new TypeError(`revision ${revision} is not a stream revision (an integer from 0)`);
  }
  return `"${revision}"`;
}

/** A quoted opaque tag, for representations that are not one aggregate's revision. */
export function opaqueEtag(tag: string): string {
  if (!/^[\x21\x23-\x7e]*$/.test(tag)) throw new TypeError('an entity tag holds visible ASCII characters but no "');
  return `"${tag}"`;
}

/**
 * The revision a command expects, from `If-Match`, or `undefined` without the header. One strong
 * tag only: `*`, weak tags and lists cannot name a single revision to append after.
 */
export function expectedRevisionOf(request: Request): number | undefined {
  const header = request.get('If-Match');
  if (header === undefined) return undefined;
  const match = STRONG_REVISION_TAG.exec(header.trim());
  const revision = match === null ? undefined : Number(match[1]);
  if (revision === undefined || !Number.isSafeInteger(revision)) {
    throw validationProblem('L’en-tête If-Match n’est pas valide.', [
      {
        path: 'headers.if-match',
        message:
          'If-Match doit contenir une seule révision entre guillemets, telle que renvoyée dans l’en-tête ETag (par exemple "3")',
      },
    ]);
  }
  return revision;
}

/** For commands that must not run blind: without `If-Match`, 428. */
export function requireExpectedRevision(request: Request): number {
  const revision = expectedRevisionOf(request);
  if (revision === undefined) {
    throw new HttpProblem(
      'precondition-required',
      'Cette commande exige l’en-tête If-Match avec la révision lue (en-tête ETag de la ressource), pour ne pas écraser une modification faite entre-temps.',
    );
  }
  return revision;
}

export function setRevision(response: Response, revision: number): void {
  response.setHeader('ETag', revisionEtag(revision));
}
