export * from './offset-store';
export * from './remote-broker-offset-store';
export * from './local-file-offset-store';
export * from './create-offset-store';
