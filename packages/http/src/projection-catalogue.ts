import { activityJournal, type Projection } from '@dui-pds/projections';

/** The projections this deployment runs: what `dui migrate` creates and `dui projections` knows. */
export const projectionCatalogue: readonly Projection[] = [activityJournal];
