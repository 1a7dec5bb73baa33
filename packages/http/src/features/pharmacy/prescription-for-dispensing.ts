import {
  DomainRuleViolation,
  foldEvents,
  type MedicinePrescribed,
  type PrescriptionEvent,
  prescriptionDecider,
  prescriptionStreamId,
} from '@dui-pds/domain';
import type { EventStore } from '@dui-pds/eventstore';
import type { Knex } from 'knex';
import { HttpProblem } from '../../server/index.js';
import type { RegisteredPrescriptionReader } from './pharmacy-routes.js';

/**
 * The prescription the pharmacy registers for dispensing, as the prescriptions module recorded it:
 * a medicine prescription in force (not suspended, stopped or completed), with what it allows in
 * all (duration × daily units) and, for methadone or BHD, its TSO terms.
 */
export function prescriptionForDispensing(store: EventStore<Knex.Transaction>): RegisteredPrescriptionReader {
  return async (organisationId, prescriptionId) => {
    const events = await store.readStream(prescriptionStreamId(organisationId, prescriptionId));
    const state = foldEvents(
      prescriptionDecider,
      events.map((event) => ({ type: event.type, data: event.data }) as PrescriptionEvent),
    );
    const prescribed = events.find((event) => event.type === 'MedicinePrescribed')?.data as
      | MedicinePrescribed
      | { $erased: true }
      | undefined;
    if (state.status === 'none' || prescribed === undefined || '$erased' in prescribed) {
      throw new HttpProblem('not-found', 'Aucune prescription de médicament ne porte cet identifiant.');
    }
    if (state.status !== 'prescribed') {
      throw new DomainRuleViolation(
        'PRESCRIPTION_NOT_IN_FORCE',
        'Cette prescription n’est pas en cours (suspendue, arrêtée ou terminée) : elle ne se délivre pas.',
      );
    }
    const totalUnits = prescribed.durationDays * prescribed.dailyUnits;
    if (!Number.isInteger(totalUnits)) {
      throw new DomainRuleViolation(
        'UNITS_NOT_WHOLE',
        'La prescription ne fait pas un nombre entier d’unités de prise : elle ne peut être tenue en stock.',
      );
    }
    const lastDay = state.kind === 'medicine' ? state.lastDay : undefined;
    return {
      facilityId: prescribed.facilityId,
      prescriptionId: prescribed.prescriptionId,
      serviceUserId: prescribed.serviceUserId,
      productId: prescribed.productId,
      totalUnits,
      prescribedOn: prescribed.prescribedOn,
      endsOn: lastDay ?? prescribed.startsOn,
      prescriber: {
        professionalId: prescribed.prescriber.professionalId,
        name: prescribed.prescriber.name,
        address: prescribed.prescriber.address,
      },
      ...(state.kind === 'medicine' && state.tso ? { tso: state.tso } : {}),
    };
  };
}
