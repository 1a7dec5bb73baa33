import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { IdempotencyClaim, IdempotencyKeeper, KeptAnswer } from './idempotency-store.js';

/**
 * Idempotency keys in Redis, shared by every HTTP instance: one hash per key (state, fingerprint,
 * claim token, response) that expires by itself. Each step is one Lua script, so that a claim is
 * "set if absent" and completing or releasing touches only the claim it holds.
 */
const CLAIM = `
if redis.call('EXISTS', KEYS[1]) == 1 then return redis.call('HGETALL', KEYS[1]) end
redis.call('HSET', KEYS[1], 'state', 'in-progress', 'fingerprint', ARGV[1], 'token', ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return false`;

const COMPLETE = `
if redis.call('HGET', KEYS[1], 'token') ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'state', 'completed', 'response', ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return 1`;

const RELEASE = `
if redis.call('HGET', KEYS[1], 'token') == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

export interface RedisIdempotencyStoreOptions {
  /** Defaults to `dui:idempotency:`. */
  prefix?: string;
}

export class RedisIdempotencyStore implements IdempotencyKeeper {
  private readonly prefix: string;

  constructor(
    private readonly redis: Redis,
    options: RedisIdempotencyStoreOptions = {},
  ) {
    this.prefix = options.prefix ?? 'dui:idempotency:';
  }

  async claim(key: string, fingerprint: string, lockTtlMs: number): Promise<IdempotencyClaim<KeptAnswer>> {
    const token = randomUUID();
    const held = (await this.redis.eval(CLAIM, 1, this.prefix + key, fingerprint, token, lockTtlMs)) as string[] | null;
    if (held === null) return { state: 'claimed', token };
    const fields = new Map<string, string>();
    for (let index = 0; index + 1 < held.length; index += 2) fields.set(held[index]!, held[index + 1]!);
    const heldFingerprint = fields.get('fingerprint') ?? '';
    const response = fields.get('response');
    if (fields.get('state') === 'completed' && response !== undefined) {
      return { state: 'completed', fingerprint: heldFingerprint, response: JSON.parse(response) as KeptAnswer };
    }
    return { state: 'in-progress', fingerprint: heldFingerprint };
  }

  async complete(key: string, token: string, response: KeptAnswer, ttlMs: number): Promise<void> {
    await this.redis.eval(COMPLETE, 1, this.prefix + key, token, JSON.stringify(response), ttlMs);
  }

  async release(key: string, token: string): Promise<void> {
    await this.redis.eval(RELEASE, 1, this.prefix + key, token);
  }
}
