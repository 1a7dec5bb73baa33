export { infectiousWasteProjection } from './infectious-waste-projection.js';
export {
  type InfectiousWasteAlertsView,
  type InfectiousWasteCollectionView,
  type InfectiousWasteContainerView,
  type InfectiousWasteLedgerView,
  infectiousWasteAlertsOf,
  infectiousWasteLedgerOf,
} from './infectious-waste-queries.js';
