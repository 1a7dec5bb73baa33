import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';

export interface SoapTransportOptions {
  /** Mutual TLS, in PEM: the structure's certificate and key, and the authorities of the peer's. */
  tls?: { cert: string; key: string; ca: string };
  /** How long a call may take before it counts as unavailable. */
  timeoutMs: number;
  /** The largest answer read; a larger one is cut off. */
  maxAnswerBytes: number;
  /** Whom the errors name (`the teleservice`, `the DMP`). */
  peer: string;
  /** The adapter's own "unavailable" error, for every way of not getting an answer. */
  unavailable: (reason: string, options?: { cause?: unknown }) => Error;
}

export interface SoapRequest {
  contentType: string;
  accept: string;
  body: Buffer;
}

export interface SoapAnswer {
  status: number;
  contentType: string;
  body: Buffer;
}

/**
 * One POST of a SOAP message and its whole answer, over connections kept alive (mutual TLS on
 * https), for the adapters of the national services (INSi, DMP). Not getting an answer (no
 * connection, a refused certificate, a timeout, an answer too large) is the adapter's own
 * `unavailable` error, whose reason names the socket or TLS problem, never what was sent. Reading
 * the answer (HTTP status, SOAP fault, content) is the adapter's.
 */
export class SoapTransport {
  readonly #agent: HttpAgent;
  readonly #options: SoapTransportOptions;
  /** The errors this transport made itself: passed on as they are. */
  readonly #own = new WeakSet<Error>();

  constructor(secure: boolean, options: SoapTransportOptions) {
    this.#options = options;
    this.#agent = secure ? new HttpsAgent({ keepAlive: true, ...options.tls }) : new HttpAgent({ keepAlive: true });
  }

  post(endpoint: URL, request: SoapRequest): Promise<SoapAnswer> {
    const send = endpoint.protocol === 'https:' ? httpsRequest : httpRequest;
    const { timeoutMs } = this.#options;
    return new Promise((resolve, reject) => {
      const outgoing = send(
        endpoint,
        {
          method: 'POST',
          agent: this.#agent,
          headers: {
            'content-type': request.contentType,
            accept: request.accept,
            'content-length': request.body.length,
          },
          timeout: timeoutMs,
        },
        (response) => {
          this.#readAnswer(response).then(resolve, (error: Error) => reject(this.#unavailable(error)));
        },
      );
      outgoing.on('timeout', () => outgoing.destroy(this.#error(`no answer within ${timeoutMs} ms`)));
      outgoing.on('error', (error) => reject(this.#unavailable(error)));
      outgoing.end(request.body);
    });
  }

  /** Closes the kept-alive connections. */
  close(): void {
    this.#agent.destroy();
  }

  async #readAnswer(response: IncomingMessage): Promise<SoapAnswer> {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of response) {
      size += (chunk as Buffer).length;
      if (size > this.#options.maxAnswerBytes) {
        response.destroy();
        throw this.#error('answer too large');
      }
      chunks.push(chunk as Buffer);
    }
    return {
      status: response.statusCode ?? 0,
      contentType: response.headers['content-type'] ?? '',
      body: Buffer.concat(chunks),
    };
  }

  #error(reason: string, options?: { cause?: unknown }): Error {
    const error = this.#options.unavailable(reason, options);
    this.#own.add(error);
    return error;
  }

  /** A connection error names the peer and the TLS or socket problem, never what was sent. */
  #unavailable(error: Error): Error {
    if (this.#own.has(error)) return error;
    const code = (error as NodeJS.ErrnoException).code;
    return this.#error(`cannot reach ${this.#options.peer} (${code ?? error.name})`, { cause: error });
  }
}
