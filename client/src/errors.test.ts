import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { SkyrocketError } from '@skyrocket/common';
import { createResponse, createRequest, ResponseCode } from '@skyrocket/remoting';
import {
  ClientError,
  ClientErrorCatalog,
  isRetriableResponseCode,
  responseError,
  toClientError,
} from './errors';

describe('client error catalog', () => {
  it('gives every error a description and a retriable flag', () => {
    for (const [name, spec] of Object.entries(ClientErrorCatalog)) {
      expect(spec.description.length).toBeGreaterThan(10);
      expect(new ClientError(name as keyof typeof ClientErrorCatalog, 'x').retriable).toBe(spec.retriable);
    }
  });

  it('maps broker response codes with their remark and retriability', () => {
    const request = createRequest(10);
    const busy = responseError(
      createResponse(request, ResponseCode.SYSTEM_BUSY, { remark: 'too busy' }),
      'send',
      {
        address: 'a:1',
      },
    );
    expect(busy.errorName).toBe('BROKER_BUSY');
    expect(busy.retriable).toBe(true);
    expect(busy.responseCode).toBe(2);
    expect(busy.remark).toBe('too busy');
    expect(busy.message).toMatch(/SYSTEM_BUSY \(2\): too busy \[a:1\]/);
    const illegal = responseError(createResponse(request, ResponseCode.MESSAGE_ILLEGAL), 'send');
    expect(illegal.errorName).toBe('BROKER_ERROR');
    expect(illegal.retriable).toBe(false);
    expect(isRetriableResponseCode(ResponseCode.TOPIC_NOT_EXIST)).toBe(true);
  });

  it('turns transport errors into retriable client errors', () => {
    const timeout = toClientError(new SkyrocketError('REQUEST_TIMEOUT', 'timed out'), 'a:1');
    expect(timeout.errorName).toBe('REQUEST_TIMEOUT');
    expect(timeout.retriable).toBe(true);
    expect(timeout.address).toBe('a:1');
    expect(toClientError(new SkyrocketError('CONNECT_FAILED', 'refused')).errorName).toBe(
      'CONNECTION_FAILED',
    );
    const same = new ClientError('SHUT_DOWN', 'x');
    expect(toClientError(same)).toBe(same);
  });
});

describe('README error table', () => {
  it('lists exactly the catalog, with the same retriable flags', () => {
    const readme = readFileSync(path.join(__dirname, '..', 'README.md'), 'utf8');
    const rows = [...readme.matchAll(/^\| `([A-Z_]+)` \| (yes|no|per code|per cause) \|/gm)].map((m) => [
      m[1],
      m[2],
    ]);
    expect(rows.map(([name]) => name).sort()).toEqual(Object.keys(ClientErrorCatalog).sort());
    for (const [name, retriable] of rows) {
      const spec = ClientErrorCatalog[name as keyof typeof ClientErrorCatalog];
      if (retriable === 'yes' || retriable === 'no')
        expect({ name, retriable: spec.retriable }).toEqual({ name, retriable: retriable === 'yes' });
    }
  });
});
