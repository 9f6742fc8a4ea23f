import fc from 'fast-check';
import * as net from 'node:net';

import { formatIpAddress, ipAddressBytes, isIpv6HostAddress } from './host-address';

describe('ipAddressBytes / formatIpAddress', () => {
  it.each([
    ['10.0.0.5', '0a000005', '10.0.0.5'],
    ['::1', '00000000000000000000000000000001', '::1'],
    ['2001:db8:0:0:0:0:0:1', '20010db8000000000000000000000001', '2001:db8::1'],
    ['[fe80::1%eth0]', 'fe800000000000000000000000000001', 'fe80::1'],
    ['::ffff:10.9.8.7', '0a090807', '10.9.8.7'],
    ['2001:db8::0:1:0:0:1', '20010db8000000000001000000000001', '2001:db8::1:0:0:1'],
    ['1:0:0:2:0:0:0:3', '00010000000000020000000000000003', '1:0:0:2::3'],
    ['::', '00000000000000000000000000000000', '::'],
    ['1:2:3:4:5:6:7:8', '00010002000300040005000600070008', '1:2:3:4:5:6:7:8'],
    ['64:ff9b::1.2.3.4', '0064ff9b000000000000000001020304', '64:ff9b::102:304'],
  ])('%s', (text, hex, formatted) => {
    const bytes = ipAddressBytes(text);
    expect(bytes.toString('hex')).toBe(hex);
    expect(formatIpAddress(bytes)).toBe(formatted);
  });

  it.each([
    '',
    'broker-a',
    '1.2.3',
    '1.2.3.256',
    '01.2.3.4',
    '1::2::3',
    '1:2:3:4:5:6:7',
    '1:2:3:4:5:6:7:8:9',
    ':1::',
    '12345::',
  ])('rejects %j', (text) => {
    expect(() => ipAddressBytes(text)).toThrow(RangeError);
  });

  it('tells which addresses need the V6 record layout', () => {
    expect(isIpv6HostAddress('127.0.0.1')).toBe(false);
    expect(isIpv6HostAddress('::ffff:127.0.0.1')).toBe(false);
    expect(isIpv6HostAddress('::1')).toBe(true);
  });

  it('agrees with Node on any IPv6 address', () => {
    fc.assert(
      fc.property(fc.ipV6(), (address) => {
        expect(net.isIPv6(address)).toBe(true);
        const bytes = ipAddressBytes(address);
        const text = formatIpAddress(bytes);
        expect(net.isIP(text)).not.toBe(0);
        expect(ipAddressBytes(text).equals(bytes)).toBe(true);
        // Node normalises addresses the same way (RFC 5952) through its URL parser.
        if (bytes.length === 16) expect(`[${text}]`).toBe(new URL(`http://[${address}]/`).hostname);
      }),
    );
  });
});
