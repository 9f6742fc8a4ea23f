export * from './client-instance';
export * from './config';
export * from './events';
export * from './fastjson';
export * from './heartbeat-data';
export * from './lifecycle';
export * from './nameserver-list';
export * from './route';
