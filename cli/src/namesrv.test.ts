import { DEFAULT_NAMESRV, resolveNamesrv } from './namesrv';
import { UsageError } from './errors';

describe('resolveNamesrv', () => {
  it('prefers the flag, then NAMESRV_ADDR, then 127.0.0.1:9876', () => {
    expect(resolveNamesrv('10.0.0.1:9876', { NAMESRV_ADDR: 'ns:9876' })).toBe('10.0.0.1:9876');
    expect(resolveNamesrv(undefined, { NAMESRV_ADDR: 'ns-0:9876;ns-1:9876' })).toBe('ns-0:9876;ns-1:9876');
    expect(resolveNamesrv(undefined, { NAMESRV_ADDR: '  ' })).toBe(DEFAULT_NAMESRV);
    expect(resolveNamesrv(undefined, {})).toBe('127.0.0.1:9876');
  });

  it('accepts several addresses, IPv6 in brackets, and drops empty entries', () => {
    expect(resolveNamesrv('a:1; b:2;', {})).toBe('a:1;b:2');
    expect(resolveNamesrv('[::1]:9876', {})).toBe('[::1]:9876');
  });

  it('refuses entries that are not host:port, naming where they came from', () => {
    expect(() => resolveNamesrv('localhost', {})).toThrow(UsageError);
    expect(() => resolveNamesrv('a:99999', {})).toThrow(/-n\/--namesrv: "a:99999" is not host:port/);
    expect(() => resolveNamesrv(undefined, { NAMESRV_ADDR: 'x:y' })).toThrow(/NAMESRV_ADDR/);
    expect(() => resolveNamesrv(';', {})).toThrow(/no NameServer address/);
  });
});
