import { randomUUID } from 'node:crypto';
import type { HabilitationCommand } from '@dui-pds/domain';

/** Who works in the ESSMS the load is sent to: a session token each. */
export interface Staff {
  nurse: string;
  /** Prescribes, and keeps the pharmacy ledger (a CSAPA's doctor may, R.5132-76 CSP). */
  doctor: string;
  secretary: string;
}

/** One usager of the ESSMS, with what the command mix writes to. */
export interface BenchUsager {
  serviceUserId: string;
  accompanimentId: string;
  /** A registered prescription of many units, so that the load never exhausts it. */
  prescriptionId: string;
}

/** An ESSMS ready for the load: its staff, its usagers, a pharmacy with stock. */
export interface CareUnit {
  url: string;
  organisationId: string;
  facilityId: string;
  staff: Staff;
  usagers: BenchUsager[];
}

/** Diazepam: listed (liste I), so each dispensation takes an ordonnancier number. */
const PRODUCT = {
  productId: 'diazepam-10',
  name: 'Diazépam 10 mg, comprimé',
  productClass: 'listed',
  unit: 'comprimé',
};
/** Units a prescription allows: far above what a run dispenses to one usager (one unit each time). */
const DAILY_UNITS = 20;
const DURATION_DAYS = 30;
/** Far above what a run dispenses in all. */
const STOCK_UNITS = 200_000;

export function usagerIds(count: number): string[] {
  return Array.from({ length: count }, (_, index) => `usager-bench-${index + 1}`);
}

/** The care teams the load needs: the nurse and the doctor in every usager's team. */
export function careTeamGrants(
  facilityId: string,
  professionals: { nurse: string; doctor: string },
  serviceUserIds: readonly string[],
): HabilitationCommand[] {
  return serviceUserIds.flatMap((serviceUserId) =>
    [professionals.nurse, professionals.doctor].map(
      (professionalId): HabilitationCommand => ({ type: 'AddToCareTeam', professionalId, serviceUserId, facilityId }),
    ),
  );
}

/**
 * Readies an ESSMS over HTTP, as its staff would: each usager registered by the secretary and
 * prescribed diazepam by the doctor, the product defined and received, each prescription
 * registered at the pharmacy. The habilitations must be in place.
 */
export async function prepareCareUnit(
  url: string,
  where: { organisationId: string; facilityId: string },
  staff: Staff,
  serviceUserIds: readonly string[],
): Promise<CareUnit> {
  const { organisationId, facilityId } = where;
  const organisation = `/organisations/${organisationId}`;
  const pharmacy = `${organisation}/facilities/${facilityId}/pharmacy`;
  await send(url, staff.doctor, 'POST', `${pharmacy}/products`, { product: PRODUCT });
  await send(url, staff.doctor, 'POST', `${pharmacy}/receipts`, {
    lineId: randomUUID(),
    productId: PRODUCT.productId,
    lot: 'LOT-BENCH-1',
    expiresOn: '2099-12-31',
    units: STOCK_UNITS,
    supplier: 'Répartiteur (banc d’essai)',
  });

  const usagers: BenchUsager[] = [];
  for (const [index, serviceUserId] of serviceUserIds.entries()) {
    await send(url, staff.secretary, 'POST', `${organisation}/usagers`, {
      serviceUserId,
      facilityId,
      traits: {
        birthName: `ESSAI ${letters(index)}`,
        birthFirstNames: ['CAMILLE'],
        birthDate: `19${50 + (index % 50)}-0${1 + (index % 9)}-1${index % 10}`,
        sex: index % 2 === 0 ? 'F' : 'M',
        birthplaceCode: '75056',
      },
    });
    const prescriptionId = randomUUID();
    await send(url, staff.doctor, 'POST', `${organisation}/usagers/${serviceUserId}/medicine-prescriptions`, {
      prescriptionId,
      facilityId,
      productId: PRODUCT.productId,
      productName: PRODUCT.name,
      dose: '10 mg',
      posology: 'un comprimé matin, midi et soir',
      dailyUnits: DAILY_UNITS,
      durationDays: DURATION_DAYS,
      prescriber: { name: 'Dr Banc d’Essai', address: '1 rue de l’Essai, 75001 Paris', setting: 'csapa' },
    });
    await send(url, staff.nurse, 'POST', `${pharmacy}/prescriptions`, { prescriptionId });
    usagers.push({ serviceUserId, accompanimentId: randomUUID(), prescriptionId });
  }
  return { url, organisationId, facilityId, staff, usagers };
}

/** Units one usager's prescription allows in all. */
export const UNITS_PRESCRIBED = DAILY_UNITS * DURATION_DAYS;

/** One request of the preparation; anything but a 2xx stops the bench, saying what was refused. */
export async function send(url: string, token: string, method: 'GET' | 'POST', path: string, body?: unknown) {
  const headers: Record<string, string> = { authorization: `Bearer ${token}` };
  if (method === 'POST') headers['idempotency-key'] = randomUUID();
  if (body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(`${url}${path}`, {
    method,
    headers,
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path} → ${response.status}: ${text.slice(0, 500)}`);
  return text ? (JSON.parse(text) as unknown) : undefined;
}

/** 0 → A, 25 → Z, 26 → BA: distinct birth names without digits. */
function letters(index: number): string {
  let name = '';
  let rest = index;
  do {
    name = String.fromCharCode(65 + (rest % 26)) + name;
    rest = Math.floor(rest / 26);
  } while (rest > 0);
  return name;
}
