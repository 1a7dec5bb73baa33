import { type DirectoryEntryAdded, type DirectoryEvent, directoryEntryStreamId } from '@dui-pds/domain';
import { expect } from 'chai';
import { erased, type GivenEvent, ProjectionSpecification } from '../testing/projection-specification.js';
import { directoryProjection } from './directory-projection.js';
import { directoryEntryById, directoryEntryHistory, directoryOf } from './directory-queries.js';

const organisationId = 'og-1';
const csapa = '750000001';
const id = (n: number) => `0195f0a0-0000-7000-8000-${String(n).padStart(12, '0')}`;

function stream(
  entry: number,
  events: DirectoryEvent[],
  facilityId = csapa,
  organisation = organisationId,
): GivenEvent[] {
  return events.map((event, index) => ({
    type: event.type,
    data: event.data,
    streamId: directoryEntryStreamId(organisation, id(entry)),
    metadata: {
      organisationId: organisation,
      facilityId,
      serviceUserId: 'usager-1',
      occurredAt: `2026-03-0${index + 1}T09:00:00.000Z`,
      actor: { kind: 'professional', id: 'pro-social', role: 'socialWorker' },
    },
  }));
}
const added = (entry: number, data: Partial<DirectoryEntryAdded> = {}): DirectoryEvent => ({
  type: 'DirectoryEntryAdded',
  data: {
    entryId: id(entry),
    serviceUserId: 'usager-1',
    facilityId: csapa,
    kind: 'relative',
    role: 'family',
    name: 'Claire Martin',
    contact: { phone: '06 12 34 56 78' },
    source: 'manual',
    ...data,
  },
});

describe('the directory projection', () => {
  const spec = ProjectionSpecification.for(directoryProjection);
  after(() => spec.close());

  it('keeps each entry as updated, removed ones as such, with the history of its changes', async () => {
    const schema = await spec.modelAfter([
      ...stream(1, [
        added(1, { roleDetails: 'sœur' }),
        {
          type: 'DirectoryEntryUpdated',
          data: { entryId: id(1), changes: { roleDetails: null, contact: { email: 'claire@example.org' } } },
        },
      ]),
      ...stream(2, [
        added(2, { kind: 'professional', role: 'generalPractitioner', name: 'Dr Anne Moreau', rpps: '99700000011' }),
      ]),
      ...stream(3, [
        added(3, { kind: 'structure', role: 'spip', name: 'SPIP de Paris' }),
        { type: 'DirectoryEntryRemoved', data: { entryId: id(3), reason: 'fin de la mesure' } },
      ]),
      ...stream(4, [added(4, { name: 'Autre ESSMS', facilityId: '750000002' })], '750000002'),
      ...stream(5, [added(5, { name: 'Autre organisme' })], csapa, 'og-2'),
    ]);

    const directory = await directoryOf(spec.db, schema, {
      organisationId,
      serviceUserId: 'usager-1',
      facilityId: csapa,
    });
    expect(directory.map((entry) => [entry.name, entry.kind, entry.role, entry.contact])).to.deep.equal([
      ['Claire Martin', 'relative', 'family', { email: 'claire@example.org' }],
      ['Dr Anne Moreau', 'professional', 'generalPractitioner', { phone: '06 12 34 56 78' }],
    ]);
    expect(directory[0]).to.include({
      roleDetails: null,
      status: 'active',
      revision: 1,
      addedAt: '2026-03-01T09:00:00.000Z',
    });
    expect(directory[1]).to.include({ rpps: '99700000011', revision: 0 });

    const all = await directoryOf(spec.db, schema, {
      organisationId,
      serviceUserId: 'usager-1',
      facilityId: csapa,
      includeRemoved: true,
    });
    expect(all.map((entry) => [entry.name, entry.status, entry.removalReason])).to.deep.equal([
      ['Claire Martin', 'active', null],
      ['Dr Anne Moreau', 'active', null],
      ['SPIP de Paris', 'removed', 'fin de la mesure'],
    ]);

    expect(await directoryEntryHistory(spec.db, schema, { organisationId, entryId: id(1) })).to.deep.equal([
      {
        revision: 0,
        change: 'added',
        occurredAt: '2026-03-01T09:00:00.000Z',
        by: 'pro-social',
        details: {
          kind: 'relative',
          role: 'family',
          roleDetails: 'sœur',
          name: 'Claire Martin',
          contact: { phone: '06 12 34 56 78' },
          source: 'manual',
        },
      },
      {
        revision: 1,
        change: 'updated',
        occurredAt: '2026-03-02T09:00:00.000Z',
        by: 'pro-social',
        details: { roleDetails: null, contact: { email: 'claire@example.org' } },
      },
    ]);
    expect(await directoryEntryById(spec.db, schema, { organisationId: 'og-2', entryId: id(1) })).to.equal(undefined);
  });

  it('forgets a forgotten usager’s entries and their history', async () => {
    const schema = await spec.modelAfter([
      ...stream(1, [added(1), { type: 'DirectoryEntryRemoved', data: { entryId: id(1) } }]).map((event) =>
        erased(event),
      ),
      ...stream(2, [added(2)]),
    ]);
    expect(await directoryEntryById(spec.db, schema, { organisationId, entryId: id(1) })).to.equal(undefined);
    expect(await directoryEntryHistory(spec.db, schema, { organisationId, entryId: id(1) })).to.deep.equal([]);
    expect(await directoryEntryById(spec.db, schema, { organisationId, entryId: id(2) })).to.include({
      name: 'Claire Martin',
    });
  });
});
