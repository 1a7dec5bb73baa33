import {
  foldEvents,
  type OrganisationRetentionPolicyEvent,
  organisationRetentionPolicyDecider,
  type RetentionPolicy,
  type RetentionPolicySet,
  retentionPolicyInForce,
  retentionPolicyStreamId,
} from '@dui-pds/domain';
import type { EventStore } from '@dui-pds/eventstore';

/** An organisation's keeping of social data: what is in force, and every decision that led to it. */
export interface OrganisationRetentionPolicyView {
  inForce: RetentionPolicy;
  /** `organisation` once it decided; `instance` while the instance's default applies. */
  source: 'organisation' | 'instance';
  decisions: RetentionPolicySet[];
}

/** Read from the organisation's stream, over the instance's default (`DUI_SOCIAL_ARCHIVE_YEARS`). */
export async function organisationRetentionPolicy(
  store: Pick<EventStore<never>, 'readStream'>,
  organisationId: string,
  instanceDefault: RetentionPolicy,
): Promise<OrganisationRetentionPolicyView> {
  const events = (await store.readStream(retentionPolicyStreamId(organisationId))).map(
    (event) => ({ type: event.type, data: event.data }) as OrganisationRetentionPolicyEvent,
  );
  const state = foldEvents(organisationRetentionPolicyDecider, events);
  return {
    inForce: retentionPolicyInForce(state, instanceDefault),
    source: state.decided === undefined ? 'instance' : 'organisation',
    decisions: events.map((event) => event.data),
  };
}
