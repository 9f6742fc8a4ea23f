export * from './app';
export * from './config';
export * from './route/route-data';
export * from './route/route-info-manager';
