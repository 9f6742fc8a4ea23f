import * as zlib from 'node:zlib';
import fc from 'fast-check';

import { crc32, crc32Implementation, rawCrc32, tableCrc32 } from './crc32';

describe('crc32', () => {
  // UtilAll.crc32 values printed by Java when the fixtures were generated.
  it.each([
    ['', 0],
    ['a', 1756872259],
    ['Hello RocketMQ, 你好', 1306808857],
    ['The quick brown fox jumps over the lazy dog', 1095738169],
  ])('matches UtilAll.crc32(%j)', (text, expected) => {
    expect(crc32(Buffer.from(text, 'utf8'))).toBe(expected);
  });

  it('masks the sign bit off the raw CRC', () => {
    // CRC-32 of "The quick brown fox..." is 0x414FA339; of "a" is 0xE8B7BE43, whose top bit is cleared.
    expect(rawCrc32(Buffer.from('a'))).toBe(0xe8b7be43);
    expect(crc32(Buffer.from('a'))).toBe(0x68b7be43);
  });

  it('uses the native CRC (@node-rs/crc32) where a prebuilt binary exists, as on this machine', () => {
    const prebuilt = ['linux-x64', 'linux-arm64', 'darwin-x64', 'darwin-arm64', 'win32-x64'];
    expect(crc32Implementation).toBe(
      prebuilt.includes(`${process.platform}-${process.arch}`) ? 'native' : 'zlib',
    );
  });

  it('gives the same result from the native CRC, zlib and the table fallback', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 3000 }), (bytes) => {
        expect(tableCrc32(bytes)).toBe(rawCrc32(bytes));
        expect(zlib.crc32(bytes)).toBe(rawCrc32(bytes));
      }),
    );
  });
});
