import type { AdminPort } from './admin-port';
import { CliError } from './errors';

/** The AdminPort on @skyrocket/client's Admin. */
export function openAdmin(_namesrvAddr: string): Promise<AdminPort> {
  return Promise.reject(
    new CliError('admin commands need @skyrocket/client Admin, which is not available yet'),
  );
}
