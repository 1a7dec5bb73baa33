import assert from 'node:assert/strict';
import fc from 'fast-check';
import { asEventList, foldEvents } from '../decider.js';
import { DomainRuleViolation } from '../errors.js';
import { DeciderSpecification } from '../testing/index.js';
import {
  applyChanges,
  type DirectoryCommand,
  type DirectoryEntryAdded,
  type DirectoryEvent,
  directoryEntryDecider,
  directoryEntryStreamId,
  directoryEventSchemas,
  PARTNER_ROLES,
  RELATIVE_ROLES,
  roleFitsKind,
} from './directory-entry.js';

const spec = DeciderSpecification.for(directoryEntryDecider);
const refusedWith = (code: string) => (error: Error) => error instanceof DomainRuleViolation && error.code === code;
const entryId = '0195f0a0-0000-7000-8000-0000000000d1';
const sister: DirectoryEntryAdded = {
  entryId,
  serviceUserId: 'usager-1',
  facilityId: '750000001',
  kind: 'relative',
  role: 'family',
  roleDetails: 'sœur',
  name: 'Claire Martin',
  contact: { phone: '06 12 34 56 78' },
  source: 'manual',
};
const added: DirectoryEvent = { type: 'DirectoryEntryAdded', data: sister };
const gp: DirectoryEntryAdded = {
  entryId,
  serviceUserId: 'usager-1',
  facilityId: '750000001',
  kind: 'professional',
  role: 'generalPractitioner',
  name: 'Dr Anne Moreau',
  contact: { phone: '01 23 45 67 89', email: 'a.moreau@example.org', postalAddress: '3 rue des Lilas, 75011 Paris' },
  rpps: '99700000011',
  source: 'annuaireSante',
};

describe('an entry of the usager’s directory', () => {
  it('is added with its role and contact, trimmed, empty parts left out', () => {
    spec
      .given([])
      .when({
        type: 'AddDirectoryEntry',
        ...sister,
        name: ' Claire Martin ',
        roleDetails: ' sœur ',
        contact: { phone: ' 06 12 34 56 78 ', email: ' ', postalAddress: '' },
        note: '  ',
        source: undefined,
      })
      .thenEmits([added]);
    spec
      .given([])
      .when({ type: 'AddDirectoryEntry', ...gp })
      .thenEmits([{ type: 'DirectoryEntryAdded', data: gp }]);
    spec
      .given([added])
      .when({ type: 'AddDirectoryEntry', ...sister })
      .thenRefuses(refusedWith('DIRECTORY_ENTRY_ALREADY_ADDED'));
  });

  it('refuses a role that does not fit the kind, an RPPS but for a professional, a FINESS but for a structure', () => {
    spec
      .given([])
      .when({ type: 'AddDirectoryEntry', ...sister, role: 'pharmacy' })
      .thenRefuses(refusedWith('DIRECTORY_ROLE_NOT_FOR_KIND'));
    spec
      .given([])
      .when({ type: 'AddDirectoryEntry', ...gp, role: 'friend' })
      .thenRefuses(refusedWith('DIRECTORY_ROLE_NOT_FOR_KIND'));
    spec
      .given([])
      .when({ type: 'AddDirectoryEntry', ...sister, rpps: '99700000011' })
      .thenRefuses(refusedWith('RPPS_ONLY_FOR_PROFESSIONAL'));
    spec
      .given([])
      .when({ type: 'AddDirectoryEntry', ...gp, finess: '750000001' })
      .thenRefuses(refusedWith('FINESS_ONLY_FOR_STRUCTURE'));
    spec
      .given([])
      .when({ type: 'AddDirectoryEntry', ...gp, rpps: '1234' })
      .thenRefuses(refusedWith('RPPS_INVALID'));
    const { rpps: _, ...withoutRpps } = gp;
    const pharmacy: DirectoryEntryAdded = {
      ...withoutRpps,
      kind: 'structure',
      role: 'pharmacy',
      name: 'Pharmacie du Canal',
      finess: '2A0000015',
    };
    spec
      .given([])
      .when({ type: 'AddDirectoryEntry', ...pharmacy })
      .thenEmits([{ type: 'DirectoryEntryAdded', data: pharmacy }]);
  });

  it('refuses a missing name and a malformed phone or e-mail, in French', () => {
    spec
      .given([])
      .when({ type: 'AddDirectoryEntry', ...sister, name: '  ' })
      .thenRefuses(refusedWith('DIRECTORY_NAME_REQUIRED'));
    spec
      .given([])
      .when({ type: 'AddDirectoryEntry', ...sister, contact: { phone: 'appeler le soir' } })
      .thenRefuses(refusedWith('PHONE_INVALID'));
    assert.throws(
      () =>
        directoryEntryDecider.decide(
          { type: 'AddDirectoryEntry', ...sister, contact: { email: 'claire.martin' } },
          directoryEntryDecider.initialState(),
        ),
      { code: 'EMAIL_INVALID', message: 'Adresse électronique invalide.' },
    );
  });

  it('is updated field by field, the event saying only what changed; null clears', () => {
    spec
      .given([added])
      .when({
        type: 'UpdateDirectoryEntry',
        entryId,
        name: 'Claire Martin',
        roleDetails: null,
        contact: { phone: '06 12 34 56 78', email: 'claire@example.org' },
      })
      .thenEmits([
        {
          type: 'DirectoryEntryUpdated',
          data: {
            entryId,
            changes: { roleDetails: null, contact: { phone: '06 12 34 56 78', email: 'claire@example.org' } },
          },
        },
      ]);
    spec
      .given([added])
      .when({ type: 'UpdateDirectoryEntry', entryId, name: 'Claire Martin', contact: { phone: '06 12 34 56 78' } })
      .thenRefuses(refusedWith('DIRECTORY_ENTRY_UNCHANGED'));
    spec
      .given([added])
      .when({ type: 'UpdateDirectoryEntry', entryId, role: 'hospital' })
      .thenRefuses(refusedWith('DIRECTORY_ROLE_NOT_FOR_KIND'));
    spec
      .given([])
      .when({ type: 'UpdateDirectoryEntry', entryId, name: 'X' })
      .thenRefuses(refusedWith('DIRECTORY_ENTRY_NOT_FOUND'));
  });

  it('is removed once, with its reason when given, and takes nothing after', () => {
    spec
      .given([added])
      .when({ type: 'RemoveDirectoryEntry', entryId, reason: ' brouille familiale ' })
      .thenEmits([{ type: 'DirectoryEntryRemoved', data: { entryId, reason: 'brouille familiale' } }]);
    spec
      .given([added])
      .when({ type: 'RemoveDirectoryEntry', entryId })
      .thenEmits([{ type: 'DirectoryEntryRemoved', data: { entryId } }]);
    const removed: DirectoryEvent = { type: 'DirectoryEntryRemoved', data: { entryId } };
    spec
      .given([added, removed])
      .when({ type: 'RemoveDirectoryEntry', entryId })
      .thenRefuses(refusedWith('DIRECTORY_ENTRY_REMOVED'));
    spec
      .given([added, removed])
      .when({ type: 'UpdateDirectoryEntry', entryId, name: 'Claire Dupont' })
      .thenRefuses(refusedWith('DIRECTORY_ENTRY_REMOVED'));
  });

  it('refuses everything once its usager was forgotten', () => {
    spec
      .given([{ type: 'DirectoryEntryAdded', data: { $erased: true } }])
      .when({ type: 'UpdateDirectoryEntry', entryId, name: 'Claire Dupont' })
      .thenRefuses(refusedWith('DIRECTORY_ENTRY_ERASED'));
  });

  it('names one stream per entry, the organisation escaped', () => {
    assert.equal(directoryEntryStreamId('og/1', entryId), `directory-entry/og%2F1/${entryId}`);
  });

  it('splits the roles between the entourage and the partners', () => {
    for (const role of RELATIVE_ROLES) assert.ok(roleFitsKind('relative', role) && !roleFitsKind('structure', role));
    for (const role of PARTNER_ROLES) assert.ok(!roleFitsKind('relative', role) && roleFitsKind('professional', role));
  });

  it('folds, whatever the updates, to what the last value of each field says, and every event fits its schema', () => {
    const text = fc.constantFrom(' ', 'Claire', 'Claire Dupont', 'Dr Moreau');
    const change: fc.Arbitrary<DirectoryCommand> = fc.record(
      {
        type: fc.constant('UpdateDirectoryEntry' as const),
        entryId: fc.constant(entryId),
        role: fc.constantFrom(...RELATIVE_ROLES, 'pharmacy' as const),
        roleDetails: fc.oneof(text, fc.constant(null)),
        name: text,
        contact: fc.record({ phone: fc.constantFrom('06 00 00 00 00', '01 23 45 67 89') }, { requiredKeys: [] }),
        note: fc.oneof(text, fc.constant(null)),
      },
      { requiredKeys: ['type', 'entryId'] },
    );
    fc.assert(
      fc.property(fc.array(change, { maxLength: 12 }), (changes) => {
        let state = foldEvents(directoryEntryDecider, [added]);
        let expected = state.status === 'active' && !state.erased ? { ...state } : undefined;
        for (const command of changes) {
          let events: readonly DirectoryEvent[];
          try {
            events = asEventList(directoryEntryDecider.decide(command, state));
          } catch (error) {
            if (error instanceof DomainRuleViolation) continue;
            throw error;
          }
          for (const event of events) {
            directoryEventSchemas[event.type].parse(event.data);
            if (event.type === 'DirectoryEntryUpdated' && expected && !('$erased' in event.data)) {
              expected = { ...expected, ...applyChanges(expected, event.data.changes), updates: expected.updates + 1 };
            }
            state = directoryEntryDecider.evolve(state, event);
          }
          // the kind never changes, and the role always fits it
          assert.ok(state.status === 'active' && !state.erased);
          assert.ok(roleFitsKind(state.kind, state.role));
        }
        assert.deepEqual(state, expected);
      }),
      { numRuns: 300 },
    );
  });
});
