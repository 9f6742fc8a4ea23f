/**
 * Response bodies as RocketMQ servers send them: the tolerant fastjson reader lives in @skyrocket/remoting (the broker
 * reads Java masters' bodies with it too); this adds the client's error for a body that is not JSON.
 */
import { parseFastjson, type JsonValue } from '@skyrocket/remoting';
import { ClientError } from '../errors';

export { parseFastjson, type JsonValue };

/** Parses a response body; throws ClientError INVALID_RESPONSE naming `what` when it is not (fast)JSON. */
export function parseJsonBody(body: Buffer | undefined, what: string): JsonValue {
  if (body === undefined || body.length === 0) {
    throw new ClientError('INVALID_RESPONSE', `${what}: the response has no body`);
  }
  try {
    return parseFastjson(body.toString('utf8'));
  } catch (error) {
    throw new ClientError(
      'INVALID_RESPONSE',
      `${what}: the response body is not JSON: ${(error as Error).message}`,
      {
        cause: error,
      },
    );
  }
}
