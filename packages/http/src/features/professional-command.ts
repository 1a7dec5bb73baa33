import type { Decider, Principal } from '@dui-pds/domain';
import { type DomainEvent, type EventStore, type ExpectedRevision, handleCommand } from '@dui-pds/eventstore';
import type { Knex } from 'knex';
import type { RequestContext } from '../server/request-context.js';
import type { ProfessionalAccess } from './professional-access.js';

/**
 * A professional's command on one stream, as every feature sends it: the command id from the
 * request's `Idempotency-Key`, the envelope from the principal and where the act happens, and the
 * revision the caller saw (`If-Match`) when there is one. Answers the state after the command and
 * the stream's new revision, for the `ETag`.
 */
export async function professionalCommand<Command, Event extends DomainEvent, State>(
  store: EventStore<Knex.Transaction>,
  access: ProfessionalAccess,
  decider: Decider<Command, Event, State>,
  request: {
    principal: Principal;
    context: RequestContext;
    streamId: string;
    command: Command;
    where: { facilityId?: string; serviceUserId?: string };
    expectedRevision?: ExpectedRevision | undefined;
  },
): Promise<{ state: State; revision: number }> {
  const { principal, context, streamId, command, where, expectedRevision } = request;
  const result = await handleCommand(store, decider, {
    streamId,
    commandId: access.commandId(principal, context),
    command,
    metadata: access.metadata(principal, context, where),
    ...(expectedRevision === undefined ? {} : { expectedRevision }),
  });
  return { state: result.state, revision: result.nextExpectedRevision as number };
}
