import {
  INS_OIDS,
  nirKey,
  type ServiceUserIdentityEvent,
  type StrictTraits,
  serviceUserStreamId,
} from '@dui-pds/domain';
import { expect } from 'chai';
import { erased, type GivenEvent, ProjectionSpecification } from '../testing/projection-specification.js';
import { findServiceUsers, serviceUserIdentities, serviceUserIdentity } from './service-user-queries.js';
import { serviceUsersProjection } from './service-users-projection.js';

const organisationId = 'og-1';
const csapa = '750000001';
const at = '2026-11-20T09:00:00+01:00';
const jeanne: StrictTraits = {
  birthName: 'MARTIN',
  birthFirstNames: ['JEANNE', 'MARIE'],
  birthDate: '1985-05-12',
  sex: 'F',
  birthplaceCode: '75056',
};
const ins = { value: `2850575056123${nirKey('2850575056123')}`, oid: INS_OIDS.nirTest } as const;

function stream(
  serviceUserId: string,
  events: ServiceUserIdentityEvent[],
  organisation = organisationId,
): GivenEvent[] {
  return events.map((event) => ({
    type: event.type,
    data: event.data,
    streamId: serviceUserStreamId(organisation, serviceUserId),
    metadata: { organisationId: organisation, facilityId: csapa, serviceUserId },
  }));
}
const registered = (serviceUserId: string, traits = jeanne): ServiceUserIdentityEvent => ({
  type: 'ServiceUserRegistered',
  data: { serviceUserId, facilityId: csapa, traits, registeredAt: at, status: 'PROV' },
});
const anonymous = (serviceUserId: string): ServiceUserIdentityEvent => ({
  type: 'AnonymousServiceUserRegistered',
  data: { serviceUserId, facilityId: csapa, pseudonym: 'ANO-7K3M9Q2X', sex: 'M', birthYear: 1990, registeredAt: at },
});
const retrieved: ServiceUserIdentityEvent = {
  type: 'InsRetrieved',
  data: { ins, traits: jeanne, operation: 'search', at, status: 'RECUP' },
};
const checked: ServiceUserIdentityEvent = {
  type: 'IdentityDocumentChecked',
  data: {
    checkId: '0195f0a0-0000-7000-8000-0000000000d1',
    kind: 'passport',
    checkedOn: '2026-11-21',
    checkedBy: 'pro-secretary',
    outcome: 'consistent',
    validates: true,
    status: 'QUAL',
  },
};

describe('the service users projection (identities)', () => {
  const spec = ProjectionSpecification.for(serviceUsersProjection);
  after(() => spec.close());

  it('keeps each identity with its status, its INS, and the pseudonym of an anonymous record', async () => {
    // given a record qualified by the INSi and a passport, and an anonymous one
    const schema = await spec.modelAfter([
      ...stream('usager/1', [registered('usager/1'), retrieved, checked]),
      ...stream('usager-2', [anonymous('usager-2')]),
    ]);
    // when they are read
    const qualified = await serviceUserIdentity(spec.db, schema, { organisationId, serviceUserId: 'usager/1' });
    const hidden = await serviceUserIdentity(spec.db, schema, { organisationId, serviceUserId: 'usager-2' });
    // then the qualified identity shows its INS, the anonymous one no trait
    expect(qualified).to.deep.include({
      birthName: 'MARTIN',
      birthFirstNames: ['JEANNE', 'MARIE'],
      identityStatus: 'QUAL',
      ins,
      anonymous: false,
      revision: 2,
    });
    expect(hidden).to.deep.include({
      anonymous: true,
      pseudonym: 'ANO-7K3M9Q2X',
      birthName: null,
      birthYear: 1990,
      identityStatus: null,
      ins: null,
    });
    expect(await serviceUserIdentity(spec.db, schema, { organisationId: 'og-2', serviceUserId: 'usager/1' })).to.equal(
      undefined,
    );
  });

  it('gives many identities in one read, the same as one by one, and none of another organisation', async () => {
    // given two usagers of the organisation and one of another
    const schema = await spec.modelAfter([
      ...stream('usager/1', [registered('usager/1'), retrieved, checked]),
      ...stream('usager-2', [anonymous('usager-2')]),
      ...stream('usager-3', [registered('usager-3')], 'og-2'),
    ]);
    // when the register asks for them all at once, with a repeat and an unknown id
    const identities = await serviceUserIdentities(spec.db, schema, {
      organisationId,
      serviceUserIds: ['usager/1', 'usager-2', 'usager/1', 'usager-3', 'nobody'],
    });
    // then each known usager of the organisation is there, as the single read gives it
    expect([...identities.keys()].sort()).to.deep.equal(['usager-2', 'usager/1']);
    for (const serviceUserId of ['usager/1', 'usager-2']) {
      expect(identities.get(serviceUserId)).to.deep.equal(
        await serviceUserIdentity(spec.db, schema, { organisationId, serviceUserId }),
      );
    }
    expect(await serviceUserIdentities(spec.db, schema, { organisationId, serviceUserIds: [] })).to.have.property(
      'size',
      0,
    );
    // and a register naming more usagers than one statement takes finds them all the same
    const many = Array.from({ length: 1500 }, (_, index) => `unknown-${index}`);
    const found = await serviceUserIdentities(spec.db, schema, {
      organisationId,
      serviceUserIds: [...many, 'usager/1', 'usager-2'],
    });
    expect([...found.keys()].sort()).to.deep.equal(['usager-2', 'usager/1']);
  });

  it('shows no INS for an identity the INSi returned but no document checked (RECUP)', async () => {
    const schema = await spec.modelAfter(stream('usager-1', [registered('usager-1'), retrieved]));
    const identity = await serviceUserIdentity(spec.db, schema, { organisationId, serviceUserId: 'usager-1' });
    expect(identity).to.deep.include({ identityStatus: 'RECUP', ins: null });
  });

  it('finds usagers of an ESSMS by the start of their name, and their birth date', async () => {
    const schema = await spec.modelAfter([
      ...stream('usager-1', [registered('usager-1')]),
      ...stream('usager-2', [registered('usager-2', { ...jeanne, birthName: 'MARTINEZ', birthDate: '1990-01-01' })]),
      ...stream('usager-3', [registered('usager-3', { ...jeanne, birthName: 'DURAND' })]),
      ...stream('usager-4', [anonymous('usager-4')]),
      ...stream('usager-5', [registered('usager-5')], 'og-2'),
    ]);
    const find = (name: string, birthDate?: string) =>
      findServiceUsers(spec.db, schema, {
        organisationId,
        facilityId: csapa,
        name,
        ...(birthDate ? { birthDate } : {}),
      }).then((found) => found.map((identity) => identity.serviceUserId));
    expect(await find('mart')).to.deep.equal(['usager-1', 'usager-2']);
    expect(await find('mart', '1990-01-01')).to.deep.equal(['usager-2']);
    expect(await find('ano-7k3m9q2x')).to.deep.equal(['usager-4']);
    expect(await find('%')).to.deep.equal([]);
  });

  it('drops a forgotten usager’s identity', () =>
    spec
      .given([
        ...stream('usager-1', [registered('usager-1'), retrieved]).map((event) => erased(event)),
        ...stream('usager-2', [anonymous('usager-2')]),
      ])
      .thenTable('identities', [
        {
          organisation_id: organisationId,
          service_user_id: 'usager-2',
          facility_id: csapa,
          anonymous: true,
          pseudonym: 'ANO-7K3M9Q2X',
          birth_name: null,
          birth_first_names: null,
          birth_date: null,
          sex: 'M',
          birthplace_code: null,
          birth_year: 1990,
          used_name: null,
          used_first_name: null,
          postal_address: null,
          identity_status: null,
          ins_value: null,
          ins_oid: null,
          last_document_check: null,
          registered_at: at,
          revision: 0,
        },
      ]));
});
