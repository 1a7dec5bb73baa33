import type { Response } from 'express';

export const UNAUTHENTICATED_PROBLEM_TYPE = 'https://dui-pds.org/problems/unauthenticated';

/** RFC 9457 problem details for a request without a valid authentication; `detail` is French. */
export function sendUnauthenticated(res: Response, detail: string): void {
  res
    .status(401)
    .set('WWW-Authenticate', 'Bearer realm="dui-pds"')
    .set('Cache-Control', 'no-store')
    .type('application/problem+json')
    .json({ type: UNAUTHENTICATED_PROBLEM_TYPE, title: 'Authentification requise', status: 401, detail });
}
