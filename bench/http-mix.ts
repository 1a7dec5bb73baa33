import { randomUUID } from 'node:crypto';
import type { CareUnit } from './http-care-unit.js';
import { UNITS_PRESCRIBED } from './http-care-unit.js';
import type { PlannedRequest } from './http-load.js';

/**
 * The commands of a care day, in the proportions of a CSAPA's morning: of every ten, five
 * transmissions, three presences, two dispensations, interleaved rather than in blocks.
 */
const COMMAND_CYCLE = [
  'handover',
  'presence',
  'handover',
  'dispensation',
  'handover',
  'presence',
  'handover',
  'dispensation',
  'handover',
  'presence',
] as const;

/** Reads of the same day: the handover feed, the day's attendance sheet, a summary sheet, the stock. */
const QUERY_CYCLE = ['feed', 'summary', 'attendance', 'feed', 'stock', 'summary', 'attendance', 'feed'] as const;

const HANDOVER_TEXT =
  'Usager reçu ce matin pour son traitement, calme, pas de signe de surdosage. RDV médecin jeudi, à revoir avec l’équipe.';

/** Today in Paris, as the server dates a dispensation. */
export function parisToday(): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Paris' }).format(new Date());
}

function daysBefore(day: string, days: number): string {
  const at = new Date(`${day}T12:00:00Z`);
  at.setUTCDate(at.getUTCDate() - days);
  return at.toISOString().slice(0, 10);
}

/**
 * The next command of the mix, every call a new one: new ids, a presence on a day the usager has
 * none yet (going back one day each time every usager has had one), a dispensation of one unit
 * taken in turn from each usager's prescription. The counters go on across rounds, so that no
 * round repeats what an earlier one wrote.
 */
export function commandMix(unit: CareUnit): () => PlannedRequest {
  const { organisationId, facilityId, usagers, staff } = unit;
  const today = parisToday();
  let sent = 0;
  let handovers = 0;
  let presences = 0;
  let dispensations = 0;
  return () => {
    const kind = COMMAND_CYCLE[sent++ % COMMAND_CYCLE.length]!;
    switch (kind) {
      case 'handover': {
        const usager = usagers[handovers++ % usagers.length]!;
        return {
          kind,
          method: 'POST',
          path: `/organisations/${organisationId}/usagers/${usager.serviceUserId}/handovers`,
          token: staff.nurse,
          body: {
            handoverId: randomUUID(),
            facilityId,
            category: 'soins',
            targetTeam: 'equipe-soins',
            text: HANDOVER_TEXT,
          },
        };
      }
      case 'presence': {
        const usager = usagers[presences % usagers.length]!;
        const day = daysBefore(today, Math.floor(presences / usagers.length));
        presences += 1;
        return {
          kind,
          method: 'POST',
          path: `/organisations/${organisationId}/accompaniments/${usager.accompanimentId}/presences`,
          token: staff.nurse,
          body: {
            attendanceId: randomUUID(),
            serviceUserId: usager.serviceUserId,
            facilityId,
            day,
            arrivedAt: '09:15',
            leftAt: '11:30',
            planned: true,
          },
        };
      }
      case 'dispensation': {
        if (dispensations >= usagers.length * UNITS_PRESCRIBED) {
          throw new Error('the prescriptions of the bench are exhausted: prescribe more units');
        }
        const usager = usagers[dispensations++ % usagers.length]!;
        return {
          kind,
          method: 'POST',
          path: `/organisations/${organisationId}/facilities/${facilityId}/pharmacy/dispensations`,
          token: staff.nurse,
          body: {
            lineId: randomUUID(),
            prescriptionId: usager.prescriptionId,
            serviceUserId: usager.serviceUserId,
            units: 1,
          },
        };
      }
    }
  };
}

/** The next read of the mix, as the nurse of the usagers' care team. */
export function queryMix(unit: CareUnit): () => PlannedRequest {
  const { organisationId, facilityId, usagers, staff } = unit;
  const facility = `/organisations/${organisationId}/facilities/${facilityId}`;
  const today = parisToday();
  let sent = 0;
  return () => {
    const kind = QUERY_CYCLE[sent % QUERY_CYCLE.length]!;
    const usager = usagers[sent++ % usagers.length]!;
    const path = {
      feed: `${facility}/handovers`,
      summary: `/organisations/${organisationId}/usagers/${usager.serviceUserId}/summary-sheet`,
      attendance: `${facility}/attendance-sheet?day=${today}`,
      stock: `${facility}/pharmacy/stock`,
    }[kind];
    return { kind, method: 'GET', path, token: staff.nurse };
  };
}
