import {
  isLanguageCodeName,
  LanguageCode,
  languageCodeByte,
  languageCodeName,
  SERVER_LANGUAGE,
} from './language-code';
import { isSerializeType, SerializeType } from './serialize-type';
import { CURRENT_VERSION, MQVersion } from './version';

describe('LanguageCode', () => {
  it('maps names to bytes and back as LanguageCode.java does', () => {
    expect(LanguageCode.JAVA).toBe(0);
    expect(LanguageCode.GO).toBe(9);
    expect(LanguageCode.NODE_JS).toBe(13);
    expect(languageCodeName(13)).toBe('NODE_JS');
    expect(languageCodeByte('RUST')).toBe(12);
    expect(languageCodeName(14)).toBeUndefined();
    expect(languageCodeByte('COBOL')).toBeUndefined();
    expect(isLanguageCodeName('toString')).toBe(false);
    expect(SERVER_LANGUAGE).toBe('JAVA');
  });
});

describe('SerializeType', () => {
  it('has JSON = 0 and ROCKETMQ = 1', () => {
    expect(SerializeType).toEqual({ JSON: 0, ROCKETMQ: 1 });
    expect(isSerializeType(1)).toBe(true);
    expect(isSerializeType(2)).toBe(false);
  });
});

describe('MQVersion', () => {
  it('has the ordinals of MQVersion.Version that change behaviour', () => {
    expect(MQVersion).toEqual({
      V3_0_11: 37,
      V3_4_9: 121,
      V4_0_0: 213,
      V4_9_4: 401,
      V5_0_0: 413,
      V5_3_1: 475,
      V5_3_3: 479,
    });
    expect(CURRENT_VERSION).toBe(479);
  });
});
