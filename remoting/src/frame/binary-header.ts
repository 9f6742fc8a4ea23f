import { LanguageCode, languageCodeByte, languageCodeName } from '../protocol/language-code';
import { FrameError } from './frame-error';
import type { HeaderFields } from './json-header';
import type { RemotingCommand } from './remoting-command';

/**
 * ROCKETMQ binary header (serializeType 1, RocketMQSerializable.rocketMQProtocolEncode/Decode):
 *
 *   int16 code | int8 language | int16 version | int32 opaque | int32 flag |
 *   int32 remarkLength, remark UTF-8 | int32 extFieldsLength, entries
 *   entry = int16 keyLength, key UTF-8, int32 valueLength, value UTF-8
 *
 * A zero-length remark is null. All integers big-endian.
 */
const FIXED_PART = 2 + 1 + 2 + 4 + 4;

export function decodeBinaryHeader(bytes: Buffer): HeaderFields {
  let pos = 0;
  const need = (n: number, what: string) => {
    if (n < 0 || pos + n > bytes.length) {
      throw new FrameError(`binary header truncated reading ${what}`, 'malformed');
    }
  };
  need(FIXED_PART, 'fixed fields');
  const code = bytes.readInt16BE(0);
  // Java maps an unknown byte to null; keep the command usable and call it OTHER.
  const language = languageCodeName(bytes.readUInt8(2)) ?? 'OTHER';
  const version = bytes.readInt16BE(3);
  const opaque = bytes.readInt32BE(5);
  const flag = bytes.readInt32BE(9);
  pos = FIXED_PART;
  need(4, 'remark length');
  const remarkLength = bytes.readInt32BE(pos);
  pos += 4;
  let remark: string | undefined;
  if (remarkLength > 0) {
    need(remarkLength, 'remark');
    remark = bytes.toString('utf8', pos, pos + remarkLength);
    pos += remarkLength;
  } else if (remarkLength < 0) {
    throw new FrameError('binary header: negative remark length', 'malformed');
  }
  need(4, 'extFields length');
  const extLength = bytes.readInt32BE(pos);
  pos += 4;
  if (extLength < 0) throw new FrameError('binary header: negative extFields length', 'malformed');
  need(extLength, 'extFields');
  const extEnd = pos + extLength;
  const extFields: Record<string, string> = {};
  while (pos < extEnd) {
    need(2, 'extFields key length');
    const keyLength = bytes.readInt16BE(pos);
    pos += 2;
    need(keyLength, 'extFields key');
    const key = bytes.toString('utf8', pos, pos + keyLength);
    pos += keyLength;
    need(4, 'extFields value length');
    const valueLength = bytes.readInt32BE(pos);
    pos += 4;
    need(valueLength, 'extFields value');
    extFields[key] = bytes.toString('utf8', pos, pos + valueLength);
    pos += valueLength;
    if (pos > extEnd) throw new FrameError('binary header: extFields entry overruns its length', 'malformed');
  }
  return { code, language, version, opaque, flag, remark, extFields };
}

export function encodeBinaryHeader(command: RemotingCommand): Buffer {
  const remark = command.remark ? Buffer.from(command.remark, 'utf8') : undefined;
  const entries: Buffer[] = [];
  let extLength = 0;
  for (const [key, value] of Object.entries(command.extFields)) {
    const k = Buffer.from(key, 'utf8');
    const v = Buffer.from(value, 'utf8');
    const entry = Buffer.allocUnsafe(2 + k.length + 4 + v.length);
    entry.writeInt16BE(k.length, 0);
    k.copy(entry, 2);
    entry.writeInt32BE(v.length, 2 + k.length);
    v.copy(entry, 6 + k.length);
    entries.push(entry);
    extLength += entry.length;
  }
  const out = Buffer.allocUnsafe(FIXED_PART + 4 + (remark?.length ?? 0) + 4 + extLength);
  out.writeInt16BE(command.code, 0);
  out.writeUInt8(languageCodeByte(command.language) ?? LanguageCode.OTHER, 2);
  out.writeInt16BE(command.version, 3);
  out.writeInt32BE(command.opaque, 5);
  out.writeInt32BE(command.flag, 9);
  let pos = FIXED_PART;
  out.writeInt32BE(remark?.length ?? 0, pos);
  pos += 4;
  if (remark) pos += remark.copy(out, pos);
  out.writeInt32BE(extLength, pos);
  pos += 4;
  for (const entry of entries) pos += entry.copy(out, pos);
  return out;
}
