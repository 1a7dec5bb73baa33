export { type BenefitToWatch, benefitsToWatch } from './benefits-to-watch-query.js';
export { socialBenefitsProjection } from './social-benefits-projection.js';
