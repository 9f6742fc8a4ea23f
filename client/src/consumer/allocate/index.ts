export * from './allocate-strategy';
export * from './allocate-averagely';
export * from './allocate-averagely-by-circle';
