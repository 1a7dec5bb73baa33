/**
 * Dependencies point inwards (DESIGN.md, Layout):
 *   http → documents → projections, segur-adapters, eventstore → domain
 * and packages/domain does no I/O. `pnpm test` runs this; test/architecture.spec.ts proves it bites.
 */
const IO_MODULES = [
  'pg',
  'knex',
  'knex-pglite',
  'express',
  'ioredis',
  '@electric-sql/pglite',
  '@eventstore/db-client',
  'pino',
  'uuid',
  'undici',
  'axios',
  'node-fetch',
  'nodemailer',
  'imapflow',
];

module.exports = {
  forbidden: [
    {
      name: 'domain-does-no-io',
      comment: 'packages/domain is pure: no database, network, file system, clock or randomness.',
      severity: 'error',
      // the tests, and the generators they share (`*.test-arbitrary.ts`), may use their test libraries
      from: { path: '^packages/domain/src', pathNot: '\\.(spec|test-arbitrary)\\.ts$' },
      to: {
        dependencyTypesNot: ['local', 'type-only'],
        // zod (validation, no I/O), as pnpm lays it out; tests may also use their test libraries
        pathNot: [
          '^node_modules/zod/',
          '^node_modules/[.]pnpm/zod@[^/]*/node_modules/zod/',
          '^(node:)?assert(/strict)?$',
        ],
      },
    },
    {
      name: 'domain-names-no-io-module',
      comment: 'Even unresolved, these modules must never appear in packages/domain.',
      severity: 'error',
      from: { path: '^packages/domain/src' },
      to: {
        path: `^(node:)?(${['fs', 'fs/promises', 'net', 'http', 'https', 'child_process', 'crypto', 'dgram', 'dns', 'tls', 'worker_threads', ...IO_MODULES].join('|')})$`,
      },
    },
    {
      name: 'domain-depends-on-no-package',
      severity: 'error',
      from: { path: '^packages/domain/src' },
      to: { path: '^packages/(eventstore|projections|segur-adapters|documents|http)/' },
    },
    {
      name: 'eventstore-depends-only-on-domain',
      severity: 'error',
      from: { path: '^packages/eventstore/src' },
      to: { path: '^packages/(projections|segur-adapters|documents|http)/' },
    },
    {
      name: 'projections-do-not-depend-on-the-shell-or-adapters',
      severity: 'error',
      from: { path: '^packages/projections/src' },
      to: { path: '^packages/(segur-adapters|documents|http)/' },
    },
    {
      name: 'documents-do-not-depend-on-the-shell-or-adapters',
      comment: 'Documents are rendered from read models: no event store writes, no network.',
      severity: 'error',
      from: { path: '^packages/documents/src' },
      to: { path: '^packages/(eventstore|segur-adapters|http)/' },
    },
    {
      name: 'segur-adapters-depend-only-on-domain',
      severity: 'error',
      from: { path: '^packages/segur-adapters/src' },
      to: { path: '^packages/(eventstore|projections|documents|http)/' },
    },
    {
      name: 'no-circular',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    // node_modules is not followed, but its modules stay in the graph so that rules can name them
    exclude: { path: '(^|/)dist/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.base.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['dui-source', 'import', 'require', 'node', 'default'],
      extensions: ['.ts', '.js', '.json'],
    },
    moduleSystems: ['es6', 'cjs'],
  },
};
