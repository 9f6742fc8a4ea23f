export * from './admin-server';
export * from './clock';
export * from './config';
export * from './errors';
export * from './logger';
export * from './metrics';
export * from './retry';
export * from './main-runner';
