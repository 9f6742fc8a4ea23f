export * from './conditions';
export * from './summary';
