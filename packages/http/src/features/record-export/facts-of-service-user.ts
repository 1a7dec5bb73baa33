import type { EventStore, RecordedEvent } from '@dui-pds/eventstore';

const PAGE = 2_000;

/**
 * The facts of one usager's record: the events whose subject they are, read from their
 * organisation's log page by page. The log has no index by usager (every index is paid on every
 * append), and an export is rare: one pass over the tenant's log is the price.
 */
export async function factsOfServiceUser(
  store: Pick<EventStore<never>, 'readAll'>,
  where: { organisationId: string; serviceUserId: string },
): Promise<RecordedEvent[]> {
  const facts: RecordedEvent[] = [];
  let after: bigint | undefined;
  for (;;) {
    const page = await store.readAll({
      organisationId: where.organisationId,
      maxCount: PAGE,
      ...(after === undefined ? {} : { after }),
    });
    for (const event of page) if (event.metadata.serviceUserId === where.serviceUserId) facts.push(event);
    if (page.length < PAGE) return facts;
    after = page.at(-1)!.globalPosition;
  }
}
