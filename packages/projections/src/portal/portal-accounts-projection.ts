import type { PortalAccountEventType, PortalAccountInvited, PortalAccountRevoked } from '@dui-pds/domain';
import { isErased, type RecordedEvent } from '@dui-pds/eventstore';
import type { Knex } from 'knex';
import { defineProjection } from '../projection.js';

const handled: readonly PortalAccountEventType[] = [
  'PortalAccountInvited',
  'PortalSecondFactorEnrolled',
  'PortalAccountRevoked',
];

/**
 * The usager portal accounts, one row per account (its stream, `portalAccountStreamId`): whose
 * account it is (the usager, or their personne de confiance), its login, and whether it is
 * invited, active or revoked. No secret is kept here: the login flow reads the account's stream.
 *
 * The login is unique across organisations: the portal's login form asks for nothing else. The
 * unique index makes a duplicate invitation fail in its append transaction (inline projection),
 * even when two invitations race past the route's own check.
 */
export const portalAccountsProjection = defineProjection({
  name: 'portal_accounts',
  version: 1,
  handles: handled,
  async migrate(db, schema) {
    await db.schema.withSchema(schema).createTable('accounts', (table) => {
      table.text('organisation_id').notNullable();
      table.uuid('account_id').notNullable();
      table.text('login').notNullable().unique();
      table.text('service_user_id').notNullable();
      table.text('facility_id').notNullable();
      table.text('holder').notNullable();
      table.text('trusted_person_id');
      table.text('status').notNullable();
      table.text('invited_at').notNullable();
      table.text('invitation_expires_at').notNullable();
      table.text('revoked_at');
      table.integer('revision').notNullable();
      table.primary(['organisation_id', 'account_id']);
      table.index(['organisation_id', 'service_user_id']);
    });
  },
  async evolve(event, { table }) {
    const accountId = accountIdOf(event.streamId);
    const row = () =>
      table('accounts').where({ organisation_id: event.metadata.organisationId, account_id: accountId });
    if (isErased(event.data)) {
      await row().delete();
      return;
    }
    switch (event.type as PortalAccountEventType) {
      case 'PortalAccountInvited': {
        const data = event.data as PortalAccountInvited;
        await table('accounts')
          .insert({
            organisation_id: event.metadata.organisationId,
            account_id: data.accountId,
            login: data.login,
            service_user_id: data.serviceUserId,
            facility_id: data.facilityId,
            holder: data.holder,
            trusted_person_id: data.trustedPersonId ?? null,
            status: 'invited',
            invited_at: data.at,
            invitation_expires_at: data.expiresAt,
            revision: event.streamRevision,
          })
          .onConflict(['organisation_id', 'account_id'])
          .ignore();
        return;
      }
      case 'PortalSecondFactorEnrolled':
        await row().whereNot({ status: 'revoked' }).update({ status: 'active', revision: event.streamRevision });
        return;
      case 'PortalAccountRevoked':
        await row().update({
          status: 'revoked',
          revoked_at: (event.data as PortalAccountRevoked).at,
          revision: event.streamRevision,
        });
        return;
    }
  },
});

/** Accounts live in streams `portal-account/<organisation>/<accountId>` (`portalAccountStreamId`). */
function accountIdOf(streamId: RecordedEvent['streamId']): string {
  return streamId.split('/').at(-1) ?? streamId;
}

export interface PortalAccountView {
  organisationId: string;
  accountId: string;
  login: string;
  serviceUserId: string;
  facilityId: string;
  holder: 'service-user' | 'trusted-person';
  trustedPersonId: string | null;
  status: 'invited' | 'active' | 'revoked';
  invitedAt: string;
  invitationExpiresAt: string;
  revokedAt: string | null;
  revision: number;
}

interface AccountRow {
  organisation_id: string;
  account_id: string;
  login: string;
  service_user_id: string;
  facility_id: string;
  holder: PortalAccountView['holder'];
  trusted_person_id: string | null;
  status: PortalAccountView['status'];
  invited_at: string;
  invitation_expires_at: string;
  revoked_at: string | null;
  revision: number;
}

function view(row: AccountRow): PortalAccountView {
  return {
    organisationId: row.organisation_id,
    accountId: row.account_id,
    login: row.login,
    serviceUserId: row.service_user_id,
    facilityId: row.facility_id,
    holder: row.holder,
    trustedPersonId: row.trusted_person_id,
    status: row.status,
    invitedAt: row.invited_at,
    invitationExpiresAt: row.invitation_expires_at,
    revokedAt: row.revoked_at,
    revision: Number(row.revision),
  };
}

/** The account a login names, in whichever organisation; undefined when none. */
export async function portalAccountByLogin(
  db: Knex,
  readSchema: string,
  login: string,
): Promise<PortalAccountView | undefined> {
  const row = (await db.withSchema(readSchema).from('accounts').where({ login }).first()) as AccountRow | undefined;
  return row && view(row);
}

/** One account of an organisation; undefined when none. */
export async function portalAccount(
  db: Knex,
  readSchema: string,
  where: { organisationId: string; accountId: string },
): Promise<PortalAccountView | undefined> {
  const row = (await db
    .withSchema(readSchema)
    .from('accounts')
    .where({ organisation_id: where.organisationId, account_id: where.accountId })
    .first()) as AccountRow | undefined;
  return row && view(row);
}

/** The portal accounts opened for a usager (theirs and their personnes de confiance'), oldest first. */
export async function portalAccountsOf(
  db: Knex,
  readSchema: string,
  where: { organisationId: string; serviceUserId: string },
): Promise<PortalAccountView[]> {
  const rows = (await db
    .withSchema(readSchema)
    .from('accounts')
    .where({ organisation_id: where.organisationId, service_user_id: where.serviceUserId })
    .orderBy(['invited_at', 'account_id'])) as AccountRow[];
  return rows.map(view);
}

/** An account by its identifier alone (a uuid), as an invitation link names it; undefined when none. */
export async function portalAccountById(
  db: Knex,
  readSchema: string,
  accountId: string,
): Promise<PortalAccountView | undefined> {
  const row = (await db.withSchema(readSchema).from('accounts').where({ account_id: accountId }).first()) as
    | AccountRow
    | undefined;
  return row && view(row);
}
