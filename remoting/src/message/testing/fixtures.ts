// Test helper: loads the recorded byte fixtures of ../fixtures (hex with # comment lines).
import { readFileSync } from 'node:fs';
import * as path from 'node:path';

export type FixtureName =
  'record-v1-ipv4' | 'record-v1-ipv6-born' | 'record-v2-ipv6' | 'pull-body' | 'batch-body' | 'properties';

export function loadHexFixture(name: FixtureName): Buffer {
  const text = readFileSync(path.join(__dirname, '..', 'fixtures', `${name}.hex`), 'utf8');
  const hex = text
    .split('\n')
    .filter((line) => !line.startsWith('#'))
    .join('')
    .replace(/\s+/g, '');
  if (!/^([0-9a-f]{2})*$/i.test(hex)) throw new Error(`fixture ${name} is not valid hex`);
  return Buffer.from(hex, 'hex');
}
