import { randomBytes } from 'node:crypto';

/** A topic, group or broker name unique to this test run (RocketMQ names allow [%|a-zA-Z0-9_-]). */
export function uniqueName(prefix: string): string {
  return `${prefix}_${randomBytes(4).toString('hex')}`;
}
