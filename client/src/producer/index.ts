export * from './compression';
export * from './fault-strategy';
export * from './message';
export * from './producer';
export * from './queue-selector';
export * from './send-result';
export * from './transaction-producer';
