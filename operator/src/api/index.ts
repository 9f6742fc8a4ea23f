export * from './common';
export * from './name-server-cluster';
export * from './broker-cluster';
export * from './topic';
export * from './consumer-group';
export { crdManifests, crdFileName, openApiSchema, toStructural } from './crd';
export type { JsonSchema } from './crd';
