/**
 * The body of SEND_BATCH_MESSAGE (320): messages back to back, each encoded as (PROTOCOL.md §3.6;
 * `MessageDecoder.encodeMessage` / `decodeMessages`):
 *
 *   TOTALSIZE int32 · MAGICCODE int32 = 0 · BODYCRC int32 = 0 · FLAG int32 · BODY int32 length + bytes ·
 *   PROPERTIES int16 length + UTF-8
 *
 * Topic, queue and the other fields come from the request header and apply to every message.
 */
import { MessageDecodeError } from './decode-error';
import { checkInt32 } from './int64';
import { decodeProperties, encodeProperties, type PropertiesInput } from './properties';
import { MAX_PROPERTIES_LENGTH } from './record';

/** One message of a batch body. */
export interface BatchMessage {
  flag: number;
  /** A view into the decoded buffer, not a copy. */
  body: Buffer;
  properties: Map<string, string>;
}

export interface BatchMessageInit {
  flag: number;
  body: Uint8Array;
  /** The encoded properties string or the properties to encode. */
  properties: string | PropertiesInput;
}

// TOTALSIZE, MAGICCODE, BODYCRC, FLAG, body length, properties length.
const BATCH_MESSAGE_OVERHEAD = 4 + 4 + 4 + 4 + 4 + 2;

/** `MessageDecoder.encodeMessages`. */
export function encodeBatchMessages(messages: readonly BatchMessageInit[]): Buffer {
  const encoded = messages.map((message, index) => {
    checkInt32(message.flag, `batch message ${index} flag`);
    const properties =
      typeof message.properties === 'string' ? message.properties : encodeProperties(message.properties);
    const propertiesLength = Buffer.byteLength(properties, 'utf8');
    if (propertiesLength > MAX_PROPERTIES_LENGTH) {
      throw new RangeError(
        `batch message ${index}: properties of ${propertiesLength} bytes exceed ${MAX_PROPERTIES_LENGTH} bytes`,
      );
    }
    return { message, properties, propertiesLength };
  });
  const totalLength = encoded.reduce(
    (sum, { message, propertiesLength }) =>
      sum + BATCH_MESSAGE_OVERHEAD + message.body.length + propertiesLength,
    0,
  );
  const target = Buffer.allocUnsafe(totalLength);
  let pos = 0;
  for (const { message, properties, propertiesLength } of encoded) {
    pos = target.writeInt32BE(BATCH_MESSAGE_OVERHEAD + message.body.length + propertiesLength, pos);
    // MAGICCODE and BODYCRC are written as 0: the broker computes each body's CRC when it stores the batch.
    pos = target.writeInt32BE(0, pos);
    pos = target.writeInt32BE(0, pos);
    pos = target.writeInt32BE(message.flag, pos);
    pos = target.writeInt32BE(message.body.length, pos);
    target.set(message.body, pos);
    pos += message.body.length;
    pos = target.writeInt16BE(propertiesLength, pos);
    pos += target.write(properties, pos, propertiesLength, 'utf8');
  }
  return target;
}

/**
 * `MessageDecoder.decodeMessages`. Like Java (and MessageExtEncoder, which re-reads the batch when storing it), the
 * fields are read in sequence and TOTALSIZE, MAGICCODE and BODYCRC are not checked, so a batch accepted by a Java
 * broker is accepted here; every length is bounds-checked and a truncated body raises MessageDecodeError.
 */
export function decodeBatchMessages(buf: Buffer): BatchMessage[] {
  const messages: BatchMessage[] = [];
  let pos = 0;
  while (pos < buf.length) {
    const start = pos;
    const need = (length: number, field: string): void => {
      if (length < 0) {
        throw new MessageDecodeError(
          'length-mismatch',
          start,
          `batch message at offset ${start}: ${field} length ${length} is negative`,
        );
      }
      if (pos + length > buf.length) {
        throw new MessageDecodeError(
          'truncated',
          start,
          `batch message at offset ${start}: ${field} needs ${length} bytes, ${buf.length - pos} remain`,
        );
      }
    };
    need(20, 'header');
    const flag = buf.readInt32BE(pos + 12);
    const bodyLength = buf.readInt32BE(pos + 16);
    pos += 20;
    need(bodyLength, 'BODY');
    const body = buf.subarray(pos, pos + bodyLength);
    pos += bodyLength;
    need(2, 'PROPERTIES length');
    const propertiesLength = buf.readInt16BE(pos);
    pos += 2;
    need(propertiesLength, 'PROPERTIES');
    const properties = decodeProperties(buf.toString('utf8', pos, pos + propertiesLength));
    pos += propertiesLength;
    messages.push({ flag, body, properties });
  }
  return messages;
}
