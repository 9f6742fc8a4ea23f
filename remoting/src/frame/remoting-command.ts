import type { SerializeTypeName } from '../protocol/serialize-type';

/**
 * RemotingCommand: one request or response on the wire (RocketMQ `remoting/protocol/RemotingCommand.java`).
 *
 * flag bit 0 (value 1) marks a response, bit 1 (value 2) a oneway request that gets no reply. `opaque` is the
 * request id: a response copies its request's opaque. `extFields` is the flattened "custom header"; on the wire its
 * values are strings (ali-ons sends numbers and booleans, which the decoder turns into strings).
 */

export interface RemotingCommand {
  code: number;
  /** LanguageCode name, e.g. "JAVA" (the JSON header carries the name, the binary header a byte). */
  language: string;
  /** Sender's MQVersion ordinal. */
  version: number;
  opaque: number;
  flag: number;
  remark?: string | undefined;
  extFields: Record<string, string>;
  body?: Buffer | undefined;
  /** Header serialization the command arrived in, or is to be sent in. */
  serializeType: SerializeTypeName;
}

export const RESPONSE_FLAG = 1;
export const ONEWAY_FLAG = 2;

/**
 * The language Skyrocket announces. RocketMQ servers reply with "JAVA" and ali-ons sends "JAVA" too, because older
 * Java peers cannot parse LanguageCode names they do not know (PROTOCOL.md §1.2).
 */
export const DEFAULT_LANGUAGE = 'JAVA';
/** MQVersion.Version.V5_3_3 ordinal: the version Skyrocket announces. */
export const DEFAULT_VERSION = 479;

export function isResponse(command: RemotingCommand): boolean {
  return (command.flag & RESPONSE_FLAG) !== 0;
}

export function isOneway(command: RemotingCommand): boolean {
  return (command.flag & ONEWAY_FLAG) !== 0;
}

export interface CommandInit {
  extFields?: Record<string, string> | undefined;
  body?: Buffer | undefined;
  remark?: string | undefined;
  serializeType?: SerializeTypeName;
  version?: number;
}

/** A request; the transport assigns its opaque when it is sent. */
export function createRequest(code: number, init: CommandInit = {}): RemotingCommand {
  return {
    code,
    language: DEFAULT_LANGUAGE,
    version: init.version ?? DEFAULT_VERSION,
    opaque: 0,
    flag: 0,
    remark: init.remark,
    extFields: init.extFields ?? {},
    body: init.body,
    serializeType: init.serializeType ?? 'JSON',
  };
}

/**
 * A response to `request`: same opaque, response flag set, and the request's serialization (RocketMQ replies in
 * the server's configured type; mirroring the request is also correct and lets binary-header clients read us).
 * extFields is always present, even on errors, because Java clients dereference it (PROTOCOL.md §1.5).
 */
export function createResponse(
  request: RemotingCommand,
  code: number,
  init: CommandInit = {},
): RemotingCommand {
  return {
    code,
    language: DEFAULT_LANGUAGE,
    version: init.version ?? DEFAULT_VERSION,
    opaque: request.opaque,
    flag: RESPONSE_FLAG,
    remark: init.remark,
    extFields: init.extFields ?? {},
    body: init.body,
    serializeType: init.serializeType ?? request.serializeType,
  };
}
