// Codes and constants of the remoting protocol (PROTOCOL.md §1.2, §2.1).
export * from './request-code';
export * from './response-code';
export * from './language-code';
export * from './serialize-type';
export * from './version';
