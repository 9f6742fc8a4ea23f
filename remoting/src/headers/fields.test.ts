import { z } from 'zod';

import { bool, int32, int64, int64Clamped, oneOf, str } from './fields';

function parse<T>(schema: z.ZodType<T>, value: unknown): T {
  return schema.parse(value);
}

function issue(schema: z.ZodType, value: unknown): string | undefined {
  const result = schema.safeParse(value);
  return result.success ? undefined : result.error.issues[0]?.message;
}

describe('header fields', () => {
  it('str() accepts strings and turns numbers and booleans into strings, as fastjson does', () => {
    expect(parse(str(), 'TopicTest')).toBe('TopicTest');
    expect(parse(str(), '')).toBe('');
    expect(parse(str(), 42)).toBe('42');
    expect(parse(str(), false)).toBe('false');
  });

  it('int32() parses what Integer.parseInt parses, within range', () => {
    expect(parse(int32(), '42')).toBe(42);
    expect(parse(int32(), '-2147483648')).toBe(-2147483648);
    expect(parse(int32(), '+7')).toBe(7);
    expect(parse(int32(), '007')).toBe(7);
    expect(parse(int32(), 3)).toBe(3);
    expect(issue(int32(), 'abc')).toBe('expected an int32, got "abc"');
    expect(issue(int32(), '2147483648')).toBe('expected an int32, got "2147483648"');
    expect(issue(int32(), ' 1')).toBe('expected an int32, got " 1"');
    expect(issue(int32(), '1.0')).toBe('expected an int32, got "1.0"');
    expect(issue(int32(), 1.5)).toBe('expected an int32, got 1.5');
    expect(issue(int32(), true)).toBe('expected an int32, got true');
    expect(issue(int32(), '')).toBe('expected an int32, got ""');
  });

  it('int64() parses longs that fit a safe integer and rejects the rest with a clear message', () => {
    expect(parse(int64(), '1700000000000')).toBe(1700000000000);
    expect(parse(int64(), '-1')).toBe(-1);
    expect(parse(int64(), 9007199254740991)).toBe(9007199254740991);
    expect(parse(int64(), '9007199254740991')).toBe(9007199254740991);
    expect(issue(int64(), '9007199254740992')).toBe(
      'expected an int64 within the JavaScript safe-integer range (±(2^53-1)), got "9007199254740992"',
    );
    expect(issue(int64(), 'x')).toMatch(/got "x"$/);
  });

  it('int64Clamped() accepts any Java long and clamps beyond the safe range', () => {
    expect(parse(int64Clamped(), '9223372036854775807')).toBe(Number.MAX_SAFE_INTEGER);
    expect(parse(int64Clamped(), '-9223372036854775808')).toBe(Number.MIN_SAFE_INTEGER);
    expect(parse(int64Clamped(), '123')).toBe(123);
    expect(issue(int64Clamped(), '9223372036854775808')).toBe('expected an int64, got "9223372036854775808"');
  });

  it('bool() accepts "true"/"false" in any case and JSON booleans, and nothing else', () => {
    expect(parse(bool(), 'true')).toBe(true);
    expect(parse(bool(), 'FALSE')).toBe(false);
    expect(parse(bool(), true)).toBe(true);
    expect(parse(bool(), false)).toBe(false);
    expect(issue(bool(), 'yes')).toBe('expected a boolean ("true" or "false"), got "yes"');
    expect(issue(bool(), 1)).toBe('expected a boolean ("true" or "false"), got 1');
  });

  it('oneOf() accepts only the listed strings', () => {
    const filterType = oneOf(['SINGLE_TAG', 'MULTI_TAG']);
    expect(parse(filterType, 'MULTI_TAG')).toBe('MULTI_TAG');
    expect(issue(filterType, 'single_tag')).toBe(
      'expected one of "SINGLE_TAG", "MULTI_TAG", got "single_tag"',
    );
  });
});
