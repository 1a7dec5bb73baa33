import type { Insi } from './insi-port.js';

/**
 * The INSi could not answer: not configured, unreachable, refused the connection, answered a
 * SOAP fault, an HTTP error, or something unreadable. The message says which, in English for the
 * logs, and never quotes the traits sent nor what came back.
 */
export class InsiUnavailable extends Error {
  override readonly name = 'InsiUnavailable';
  constructor(reason: string, options?: { cause?: unknown }) {
    super(`INSi unavailable: ${reason}`, options);
  }
}

/** Where no teleservice is configured (production without its settings): every call is unavailable. */
export function unconfiguredInsi(): Insi {
  const refuse = async (): Promise<never> => {
    throw new InsiUnavailable('not configured');
  };
  return { search: refuse, verify: refuse };
}
