import assert from 'node:assert/strict';
import type { Principal, Role } from '@dui-pds/domain';
import { mayTakeMeasureStep } from './measure-steps.js';

const CSAPA = '750000001';
const CAARUD = '750000002';
const principal = (
  professionalId: string,
  ...roles: [string, Role][]
): Pick<Principal, 'professionalId' | 'roles'> => ({
  professionalId,
  roles: roles.map(([facilityId, role]) => ({ facilityId, role })),
});

describe('the steps of a freedom-of-movement measure, by role', () => {
  it('lets a doctor of the ESSMS propose, and nobody else', () => {
    assert.equal(mayTakeMeasureStep(principal('d', [CSAPA, 'doctor']), 'propose', { facilityId: CSAPA }).allowed, true);
    for (const role of ['nurse', 'director', 'socialWorker', 'secretary'] as const) {
      const answer = mayTakeMeasureStep(principal('p', [CSAPA, role]), 'propose', { facilityId: CSAPA });
      assert.equal(answer.allowed, false, role);
    }
    assert.equal(
      mayTakeMeasureStep(principal('d', [CAARUD, 'doctor']), 'propose', { facilityId: CSAPA }).allowed,
      false,
    );
  });

  it('lets the director decide, unless they proposed the measure themselves', () => {
    const director = principal('dir', [CSAPA, 'director']);
    assert.equal(mayTakeMeasureStep(director, 'decide', { facilityId: CSAPA, proposedBy: 'doc' }).allowed, true);
    const answer = mayTakeMeasureStep(principal('doc', [CSAPA, 'doctor']), 'decide', {
      facilityId: CSAPA,
      proposedBy: 'other',
    });
    assert.deepEqual(answer, {
      allowed: false,
      message: 'Cette étape d’une mesure de liberté d’aller et venir revient à : direction.',
    });
    const both = principal('doc', [CSAPA, 'doctor'], [CSAPA, 'director']);
    assert.equal(mayTakeMeasureStep(both, 'decide', { facilityId: CSAPA, proposedBy: 'doc' }).allowed, false);
    assert.equal(mayTakeMeasureStep(both, 'decide', { facilityId: CSAPA, proposedBy: 'other' }).allowed, true);
  });

  it('lets a doctor or the director review', () => {
    assert.equal(mayTakeMeasureStep(principal('d', [CSAPA, 'doctor']), 'review', { facilityId: CSAPA }).allowed, true);
    assert.equal(
      mayTakeMeasureStep(principal('r', [CSAPA, 'director']), 'review', { facilityId: CSAPA }).allowed,
      true,
    );
    assert.equal(mayTakeMeasureStep(principal('n', [CSAPA, 'nurse']), 'review', { facilityId: CSAPA }).allowed, false);
  });
});
