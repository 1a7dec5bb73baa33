export { exchangesProjection } from './exchanges-projection.js';
export { type ExchangeView, exchangeById, exchangesOf } from './exchanges-queries.js';
