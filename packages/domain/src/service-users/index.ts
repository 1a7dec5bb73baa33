export * from './ins.js';
export * from './service-user-identity.js';
export * from './strict-traits.js';
