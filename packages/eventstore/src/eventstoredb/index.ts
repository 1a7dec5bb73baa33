/**
 * `@dui-pds/eventstore/eventstoredb`: the event store on EventStoreDB. A subpath of its own, so
 * that the gRPC client (`@eventstore/db-client`) is loaded by the programs that use it only.
 */
export type { EventStoreDbClient } from './eventstoredb-client.js';
export { EventStoreDbEventStore, type EventStoreDbEventStoreOptions } from './eventstoredb-event-store.js';
