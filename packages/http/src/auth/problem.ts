import type { Response } from 'express';

export const UNAUTHENTICATED_PROBLEM_TYPE = 'https://dui-pds.org/problems/unauthenticated';

/** RFC 9457 problem details for a request without a valid authentication; `detail` is French. */
export function sendUnauthenticated(res: Response, detail: string): void {
  res.set('WWW-Authenticate', 'Bearer realm="dui-pds"');
  sendProblem(res, 401, 'unauthenticated', 'Authentification requise', detail);
}

/** RFC 9457 problem details of one of the API's kinds (`https://dui-pds.org/problems/<kind>`); French title and detail. */
export function sendProblem(res: Response, status: number, kind: string, title: string, detail: string): void {
  res
    .status(status)
    .set('Cache-Control', 'no-store')
    .type('application/problem+json')
    .json({ type: `https://dui-pds.org/problems/${kind}`, title, status, detail });
}
