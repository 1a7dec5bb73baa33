// `pnpm test:faults`: the fault tests (a server killed, PostgreSQL and Redis stopped, workers
// killed), run apart from `pnpm test` because they start and stop servers of their own.
module.exports = {
  spec: ['packages/http/src/faults/*.faults.spec.ts'],
  'node-option': ['conditions=dui-source', 'import=tsx'],
  extension: ['ts'],
  timeout: 300000,
  reporter: 'spec',
  exit: true,
};
