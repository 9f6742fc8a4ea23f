// Custom headers (extFields) of the requests and responses Skyrocket handles, one module per request family.
export * from './codec';
export * from './fields';
export * from './broker-registration';
export * from './broker-permission';
export * from './route';
export * from './kv-config';
export * from './send-message';
export * from './pull-message';
export * from './consumer-offset';
export * from './queue-offset';
export * from './query-message';
export * from './client-management';
export * from './consumer-send-msg-back';
export * from './transaction';
export * from './topic-admin';
