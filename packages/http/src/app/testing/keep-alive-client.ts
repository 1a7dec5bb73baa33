import http from 'node:http';
import type { HttpAnswer } from './server-under-test.js';

/**
 * Requests to a test server over one kept-alive connection, for tests that send many thousands of
 * them (the command fuzzer): `ServerUnderTest.request` opens a connection per request through
 * `fetch`, which costs about three times a request's own handling.
 */
export class KeepAliveClient {
  readonly #agent = new http.Agent({ keepAlive: true, maxSockets: 1 });

  constructor(private readonly baseUrl: string) {}

  /** POSTs `body` as it is, JSON or not (none at all when undefined). */
  post(path: string, headers: Record<string, string>, body: string | undefined): Promise<HttpAnswer> {
    const sent: Record<string, string> = { ...headers };
    if (body !== undefined) {
      sent['content-type'] = 'application/json';
      sent['content-length'] = String(Buffer.byteLength(body));
    }
    return new Promise((resolve, reject) => {
      const request = http.request(`${this.baseUrl}${path}`, { method: 'POST', agent: this.#agent, headers: sent });
      request.on('error', reject);
      request.on('response', (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('error', reject);
        response.on('end', () => resolve(answerOf(response, Buffer.concat(chunks))));
      });
      request.end(body);
    });
  }

  /** Closes the connection, so that the server's shutdown does not wait for it. */
  close(): void {
    this.#agent.destroy();
  }
}

function answerOf(response: http.IncomingMessage, bytes: Buffer): HttpAnswer {
  const headers = new Headers();
  for (let index = 0; index < response.rawHeaders.length; index += 2)
    headers.append(response.rawHeaders[index]!, response.rawHeaders[index + 1]!);
  const text = bytes.toString('utf8');
  let body: unknown = text;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    // not JSON: kept as text for the assertion to show
  }
  return { status: response.statusCode ?? 0, headers, body, bytes: new Uint8Array(bytes) };
}
