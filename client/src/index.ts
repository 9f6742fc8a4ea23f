// The SDK's public surface; see README.md in this folder.
export * from './errors';
export * from './core';
export * from './producer';
export * from './admin';
// Named here so that they win over same-named star exports of other folders (no ambiguity errors).
export type { MessageQueue, SubscriptionData } from './core';
export * from './consumer';
