import { type Principal, ROLE_LABELS, type Role } from '@dui-pds/domain';

/**
 * Who takes each step of a prescription, beyond what the access matrix opens (medical data is
 * written by the care team's doctors, nurses and pharmacists): the decider records the prescriber
 * and who recorded a result, but it knows no roles, so the shell checks them from the principal's
 * roles in the prescription's ESSMS.
 *
 * - Only a doctor prescribes, and changes what was prescribed: suspends, resumes, stops or closes
 *   a medicine, cancels an exam (a nurse or a pharmacist who sees a reason to stop tells the doctor).
 * - A doctor or a nurse records an exam's result: the nurse often does the rapid test (TROD) or
 *   receives the laboratory's report.
 */
export const PRESCRIPTION_STEP_ROLES = {
  prescribe: ['doctor'],
  change: ['doctor'],
  recordResult: ['doctor', 'nurse'],
} as const satisfies Record<string, readonly Role[]>;

export type PrescriptionStep = keyof typeof PRESCRIPTION_STEP_ROLES;

const STEP_LABELS: Readonly<Record<PrescriptionStep, string>> = {
  prescribe: 'Prescrire',
  change: 'Suspendre, reprendre, arrêter ou clore une prescription, ou annuler un examen,',
  recordResult: 'Enregistrer le résultat d’un examen',
};

export type PrescriptionStepAnswer = { allowed: true } | { allowed: false; message: string };

/** Whether the principal may take this step on a prescription of this ESSMS, and if not, why (French). */
export function mayTakePrescriptionStep(
  principal: Pick<Principal, 'roles'>,
  step: PrescriptionStep,
  facilityId: string,
): PrescriptionStepAnswer {
  const allowed: readonly Role[] = PRESCRIPTION_STEP_ROLES[step];
  if (principal.roles.some((grant) => grant.facilityId === facilityId && allowed.includes(grant.role))) {
    return { allowed: true };
  }
  const who = allowed.map((role) => ROLE_LABELS[role]).join(' ou ');
  return { allowed: false, message: `${STEP_LABELS[step]} revient, dans cet établissement, à : ${who}.` };
}
