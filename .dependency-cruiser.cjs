/**
 * Layer contracts of DESIGN.md §2. `npm test` runs this; a forbidden import fails the build.
 * Packages are matched by folder; imports through the @skyrocket/* names resolve to the same folders.
 */
const layer = (from, allowed) => ({
  name: `${from}-imports-only-${allowed.join('-') || 'nothing'}`,
  severity: 'error',
  comment: `${from}/ may import only: ${allowed.join(', ') || 'nothing internal'}`,
  from: { path: `^${from}/` },
  to: {
    path: '^(common|remoting|store|nameserver|broker|client|cli|operator)/',
    pathNot: [`^${from}/`, ...allowed.map((a) => `^${a}/`)],
  },
});

module.exports = {
  forbidden: [
    { name: 'no-circular', severity: 'error', from: {}, to: { circular: true } },
    layer('common', []),
    layer('remoting', ['common']),
    // The stored record is the wire record (DESIGN.md §4), so the store may use remoting's message codec, and only it.
    layer('store', ['common', 'remoting/src/message']),
    layer('nameserver', ['remoting', 'common']),
    layer('broker', ['store', 'remoting', 'common']),
    layer('client', ['remoting', 'common']),
    layer('operator', ['common']),
    // The CLI runs every component and drives clusters through the client; of the operator it uses only its entry.
    {
      name: 'cli-uses-only-the-operator-entry',
      severity: 'error',
      from: { path: '^cli/' },
      to: { path: '^operator/src/', pathNot: '^operator/src/index\\.ts$' },
    },
    {
      name: 'processors-are-independent',
      severity: 'error',
      comment: 'one processor per request code; processors never import each other',
      from: { path: '^(nameserver|broker)/src/processors/([^/]+)\\.ts$' },
      to: {
        path: '^(nameserver|broker)/src/processors/',
        pathNot: ['^$1/src/processors/$2\\.ts$', 'processors/(index|processor)\\.ts$'],
      },
    },
    {
      name: 'no-test-code-in-production',
      severity: 'error',
      from: { path: '^[a-z]+/src/', pathNot: '\\.test\\.ts$|/testing/' },
      to: { path: '\\.test\\.ts$|^test/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)dist/' },
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
  },
};
