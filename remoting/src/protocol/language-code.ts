/**
 * LanguageCode of a RemotingCommand: the enum name in a JSON header, the byte in a ROCKETMQ binary header
 * (PROTOCOL.md §1.2–1.4). Values from apache/rocketmq `remoting/.../protocol/LanguageCode.java`.
 */
export const LanguageCode = {
  JAVA: 0,
  CPP: 1,
  DOTNET: 2,
  PYTHON: 3,
  DELPHI: 4,
  ERLANG: 5,
  RUBY: 6,
  OTHER: 7,
  HTTP: 8,
  GO: 9,
  PHP: 10,
  OMS: 11,
  RUST: 12,
  NODE_JS: 13,
} as const;

export type LanguageCodeName = keyof typeof LanguageCode;
export type LanguageCodeValue = (typeof LanguageCode)[LanguageCodeName];

/**
 * What a server puts in its own responses. Older Java clients fail to deserialize enum names they do not know
 * (NODE_JS was added late), and ali-ons also sends "JAVA", so "JAVA" is the only safe choice.
 */
export const SERVER_LANGUAGE: LanguageCodeName = 'JAVA';

const NAMES_BY_BYTE: ReadonlyMap<number, LanguageCodeName> = new Map(
  (Object.keys(LanguageCode) as LanguageCodeName[]).map((name) => [LanguageCode[name], name]),
);

export function isLanguageCodeName(name: string): name is LanguageCodeName {
  return Object.hasOwn(LanguageCode, name);
}

/** The enum name for a binary-header language byte, or undefined (Java's `LanguageCode.valueOf(byte)` gives null). */
export function languageCodeName(code: number): LanguageCodeName | undefined {
  return NAMES_BY_BYTE.get(code);
}

/** The byte for a JSON-header language name, or undefined for a name this table does not know. */
export function languageCodeByte(name: string): LanguageCodeValue | undefined {
  return isLanguageCodeName(name) ? LanguageCode[name] : undefined;
}
