/**
 * How a RemotingCommand header is serialized: the high byte of the frame's header word (PROTOCOL.md §1.1).
 * Values from apache/rocketmq `remoting/.../protocol/SerializeType.java`.
 */
export const SerializeType = {
  JSON: 0,
  ROCKETMQ: 1,
} as const;

export type SerializeTypeName = keyof typeof SerializeType;
export type SerializeTypeValue = (typeof SerializeType)[SerializeTypeName];

export function isSerializeType(code: number): code is SerializeTypeValue {
  return code === SerializeType.JSON || code === SerializeType.ROCKETMQ;
}
