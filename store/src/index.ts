export * from './corrupted-record-error';
export * from './file/file-message-store';
export * from './get-message';
export * from './layout';
export * from './memory/memory-message-store';
export * from './message-store';
export * from './metadata/atomic-json';
export { wholeRecordsLength } from './replication';
