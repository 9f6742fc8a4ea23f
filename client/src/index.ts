// The SDK's public surface; see README.md in this folder.
export * from './errors';
export * from './core';
