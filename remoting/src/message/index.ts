// Message encodings (PROTOCOL.md §3): records, batch bodies, properties, ids, flags and tag codes.
export * from './batch';
export * from './crc32';
export * from './decode-error';
export * from './host-address';
export { readSafeInt64, writeSafeInt64 } from './int64';
export * from './message-id';
export * from './properties';
export * from './record';
export * from './sys-flag';
export * from './tag-code';
