import { type Principal, ROLE_LABELS, type Role } from '@dui-pds/domain';

/**
 * Who takes each step of a measure restricting freedom of movement (L.311-4-1 CASF, décret
 * 2016-1743), beyond what the access matrix opens: the decider records who proposed and who
 * decided, but it knows no roles, so the shell checks them from the principal's roles in the
 * measure's ESSMS.
 *
 * - A doctor proposes, with the multidisciplinary assessment.
 * - The director decides: the one who answers for the establishment, and not the doctor who
 *   proposed, so that the measure has passed two pairs of eyes.
 * - The review is the same collegial procedure: conducted by a doctor, or recorded by the director
 *   who draws the decision from it.
 * - Anyone who may write the usager's administrative data records how the usager was informed.
 */
export const MEASURE_STEP_ROLES = {
  propose: ['doctor'],
  decide: ['director'],
  review: ['doctor', 'director'],
} as const satisfies Record<string, readonly Role[]>;

export type MeasureStep = keyof typeof MEASURE_STEP_ROLES;

export type MeasureStepRefusal = { allowed: true } | { allowed: false; message: string };

/** Whether the principal may take this step of a measure of this ESSMS, and if not, why (French). */
export function mayTakeMeasureStep(
  principal: Pick<Principal, 'professionalId' | 'roles'>,
  step: MeasureStep,
  measure: { facilityId: string; proposedBy?: string },
): MeasureStepRefusal {
  const allowed: readonly Role[] = MEASURE_STEP_ROLES[step];
  const holds = principal.roles.some(
    (grant) => grant.facilityId === measure.facilityId && allowed.includes(grant.role),
  );
  if (!holds) {
    const who = allowed.map((role) => ROLE_LABELS[role]).join(' ou ');
    return { allowed: false, message: `Cette étape d’une mesure de liberté d’aller et venir revient à : ${who}.` };
  }
  if (step === 'decide' && measure.proposedBy === principal.professionalId) {
    return {
      allowed: false,
      message: 'Le médecin qui a proposé la mesure ne peut pas la décider : la décision revient à un autre que lui.',
    };
  }
  return { allowed: true };
}
