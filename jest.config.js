// Three tiers: unit tests beside the code, integration tests over real sockets under test/integration,
// compatibility tests against Apache RocketMQ's own Java programs under test/compat, operator tests against a real
// control plane under test/k8s.
const transform = {
  '^.+\\.(ts|js)$': ['@swc/jest', { jsc: { target: 'es2022' }, module: { type: 'commonjs' } }],
};
// light-my-request (fastify's inject) requires cookie@2, which is ESM-only; Node 20.19 loads it through
// require(esm) but jest's module runtime does not, so jest compiles that one package to CommonJS.
const transformIgnorePatterns = ['/node_modules/(?!cookie/)'];
const moduleNameMapper = {
  '^@skyrocket/remoting/message$': '<rootDir>/remoting/src/message',
  '^@skyrocket/([a-z-]+)$': '<rootDir>/$1/src',
};
const common = {
  transform,
  transformIgnorePatterns,
  moduleNameMapper,
  testEnvironment: 'node',
  rootDir: __dirname,
};

/** @type {import('jest').Config} */
module.exports = {
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/*/src/**/*.test.ts'] },
    { ...common, displayName: 'integration', testMatch: ['<rootDir>/test/integration/**/*.test.ts'] },
    { ...common, displayName: 'compat', testMatch: ['<rootDir>/test/compat/**/*.test.ts'] },
    // The operator against a real kube-apiserver + etcd (+ kube-controller-manager) built from their Go modules.
    { ...common, displayName: 'k8s', testMatch: ['<rootDir>/test/k8s/**/*.test.ts'] },
  ],
};
