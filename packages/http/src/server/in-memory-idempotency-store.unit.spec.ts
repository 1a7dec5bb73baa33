import { InMemoryIdempotencyStore } from './in-memory-idempotency-store.js';
import { describeIdempotencyStoreBehaviour } from './testing/idempotency-store-behaviour.js';

describe('InMemoryIdempotencyStore', () => {
  describeIdempotencyStoreBehaviour(() => new InMemoryIdempotencyStore());
});
