import { describeEventStoreConformance } from '../testing/conformance.js';
import { EventStoreDbEventStore } from './eventstoredb-event-store.js';

/**
 * The EventStoreDB conformance run. Runs only against a live server, e.g.
 * EVENTSTOREDB_URL='esdb://localhost:2113?tls=false'; the user must be allowed to read $all.
 * Without it, mocha reports every test as pending (never as passed). The suite writes to streams
 * and organisations of its own: the server need not be empty. The unit tests on a fake client
 * (eventstoredb-adapter-mapping-on-fake-client.unit.spec.ts) do not replace it.
 */
const connectionString = process.env.EVENTSTOREDB_URL;
const describeWithServer = connectionString ? describe : describe.skip;

describeWithServer('EventStoreDB conformance run on a live server (EVENTSTOREDB_URL)', () => {
  describeEventStoreConformance(
    'EventStoreDB',
    async () => {
      const store = EventStoreDbEventStore.connect(connectionString ?? '');
      return { store, dispose: () => store.close() };
    },
    { modelRuns: 25 },
  );
});
