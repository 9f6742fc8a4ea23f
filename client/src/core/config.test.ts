import { isClientError } from '../errors';
import { parseClientConfig } from './config';
import { addressServerUrl, NameServerList } from './nameserver-list';
import { silentLogger } from '@skyrocket/common';

describe('client config', () => {
  it('applies the Java defaults and builds the clientId', () => {
    const config = parseClientConfig(
      { namesrvAddr: '127.0.0.1:9876', clientIP: '10.0.0.1', instanceName: 'app' },
      {},
    );
    expect(config.requestTimeoutMillis).toBe(3000);
    expect(config.pollNameServerIntervalMillis).toBe(30_000);
    expect(config.heartbeatBrokerIntervalMillis).toBe(30_000);
    expect(config.clientId).toBe('10.0.0.1@app');
    expect(
      parseClientConfig({ namesrvAddr: 'a:1', clientIP: 'x', instanceName: 'i', unitName: 'u' }, {}).clientId,
    ).toBe('x@i@u');
  });

  it('falls back to NAMESRV_ADDR, and names the field of a bad value', () => {
    expect(parseClientConfig({}, { NAMESRV_ADDR: 'h:1;h:2' }).namesrvAddr).toBe('h:1;h:2');
    const fail = (input: Parameters<typeof parseClientConfig>[0]) => {
      try {
        parseClientConfig(input, {});
      } catch (error) {
        expect(isClientError(error, 'INVALID_CONFIG')).toBe(true);
        return (error as Error).message;
      }
      throw new Error('expected a failure');
    };
    expect(fail({})).toMatch(/namesrvAddr/);
    expect(fail({ namesrvAddr: 'nohost' })).toMatch(/namesrvAddr: "nohost" is not host:port/);
    expect(fail({ namesrvAddr: 'h:1', requestTimeoutMillis: -1 })).toMatch(/requestTimeoutMillis/);
  });
});

describe('NameServer list', () => {
  it('sticks to one NameServer and fails over to the next', () => {
    const list = new NameServerList(['a:1', 'b:1', 'c:1'], silentLogger(), () => 0);
    expect(list.current()).toBe('a:1');
    list.failover('b:1'); // not current: ignored
    expect(list.current()).toBe('a:1');
    list.failover('a:1');
    expect(list.current()).toBe('b:1');
    expect(list.update(['b:1', 'd:1'])).toBe(true);
    expect(list.current()).toBe('b:1');
    expect(list.update(['b:1', 'd:1'])).toBe(false);
  });

  it('builds the address-server URL as Java does', () => {
    expect(addressServerUrl('ns.example')).toBe('http://ns.example:8080/rocketmq/nsaddr');
    expect(addressServerUrl('ns.example:9000')).toBe('http://ns.example:9000/rocketmq/nsaddr');
    expect(addressServerUrl('https://x/y')).toBe('https://x/y');
  });
});
