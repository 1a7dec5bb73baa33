export * from './agenda-feed.js';
export * from './agenda-item.js';
export * from './agenda-owner.js';
export * from './information.js';
