export * from './meta';
export * from './pod';
export * from './name-server';
export * from './broker';
