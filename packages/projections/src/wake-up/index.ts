export { RedisAppendNotifier, type RedisAppendNotifierOptions } from './redis-append-notifier.js';
