import { randomUUID } from 'node:crypto';
import type { HttpAnswer, RequestOptions } from './server-under-test.js';

/** An answer, and which instance gave it (its index in the client's list). */
export interface BalancedAnswer extends HttpAnswer {
  instance: number;
}

/**
 * What a load balancer does, for tests of several server instances: each request goes to the next
 * instance in turn, unless the test names one (`via`) to show that what one wrote the other reads.
 */
export class RoundRobinClient {
  readonly #instances: readonly string[];
  /** How many requests each instance answered. */
  readonly served: number[];
  #next = 0;

  constructor(instances: readonly string[]) {
    if (instances.length === 0) throw new TypeError('a load balancer needs at least one instance');
    this.#instances = instances;
    this.served = instances.map(() => 0);
  }

  async request(
    method: 'GET' | 'POST',
    path: string,
    options: RequestOptions & { via?: number } = {},
  ): Promise<BalancedAnswer> {
    const instance = options.via ?? this.#pick();
    const headers: Record<string, string> = {};
    if (options.as) headers.authorization = `Bearer ${options.as}`;
    if (options.ifMatch) headers['if-match'] = options.ifMatch;
    if (method === 'POST' && options.idempotencyKey !== null) {
      headers['idempotency-key'] = options.idempotencyKey ?? randomUUID();
    }
    let body: string | undefined;
    if (options.rawBody !== undefined || options.body !== undefined) {
      headers['content-type'] = 'application/json';
      body = options.rawBody ?? JSON.stringify(options.body);
    }
    const response = await fetch(`${this.#instances[instance]}${path}`, { method, headers, body });
    const bytes = new Uint8Array(await response.arrayBuffer());
    this.served[instance]! += 1;
    return { status: response.status, headers: response.headers, body: parsed(bytes), bytes, instance };
  }

  #pick(): number {
    const instance = this.#next;
    this.#next = (this.#next + 1) % this.#instances.length;
    return instance;
  }
}

function parsed(bytes: Uint8Array): unknown {
  const text = new TextDecoder().decode(bytes);
  try {
    return text ? JSON.parse(text) : undefined;
  } catch {
    // not JSON: kept as text for the assertion to show
    return text;
  }
}
