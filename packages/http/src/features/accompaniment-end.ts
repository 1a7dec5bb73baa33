import { type ActEndedWithAccompaniment, accompanimentEndedRefusal, usagerDeceasedRefusal } from '@dui-pds/domain';
import { accompanimentEnd, deathDayOf } from '@dui-pds/projections';
import type { Knex } from 'knex';

/**
 * Refuses `act`, dated `day`, in an accompaniment whose exit day has passed (ADR 0028): 422
 * `ACCOMPANIMENT_ENDED`. Read from the exits projection before deciding, after the access check
 * (a refusal tells of the exit): an exit recorded in the same instant is not seen, the race that
 * dispensations accept too.
 */
export async function refuseActAfterExit(
  knex: Knex,
  accompanimentExitsSchema: string,
  where: { organisationId: string; accompanimentId: string },
  day: string,
  act: ActEndedWithAccompaniment,
): Promise<void> {
  const refusal = accompanimentEndedRefusal(await accompanimentEnd(knex, accompanimentExitsSchema, where), day, act);
  if (refusal !== undefined) throw refusal;
}

/**
 * Refuses what no longer happens once the usager's death is recorded, in any ESSMS of the
 * organisation (ADR 0028): 422 `USAGER_DECEASED`, `consequence` saying what, in French. An act
 * dated (`actDay`) is refused only after the day of the death: what happened up to it may still
 * be recorded late.
 */
export async function refuseAfterDeath(
  knex: Knex,
  accompanimentExitsSchema: string,
  where: { organisationId: string; serviceUserId: string },
  consequence: string,
  { actDay }: { actDay?: string } = {},
): Promise<void> {
  const refusal = usagerDeceasedRefusal(await deathDayOf(knex, accompanimentExitsSchema, where), consequence, actDay);
  if (refusal !== undefined) throw refusal;
}
