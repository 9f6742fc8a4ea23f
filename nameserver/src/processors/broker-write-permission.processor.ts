import {
  createResponse,
  decodeHeader,
  encodeHeader,
  RequestCode,
  ResponseCode,
  WipeWritePermOfBrokerRequestHeader,
  type RequestProcessor,
} from '@skyrocket/remoting';
import type { NameServerContext } from './processor';

/**
 * WIPE_WRITE_PERM_OF_BROKER (205) and ADD_WRITE_PERM_OF_BROKER (327): header brokerName. Clears or sets the write
 * bit of every queue the broker serves, so producers stop (or resume) sending to it: how a broker is drained.
 * Reply header wipeTopicCount / addTopicCount.
 */
export function brokerWritePermissionProcessor(context: NameServerContext): RequestProcessor {
  return (request) => {
    const { brokerName } = decodeHeader(WipeWritePermOfBrokerRequestHeader, request.extFields);
    const writable = request.code === RequestCode.ADD_WRITE_PERM_OF_BROKER;
    const count = context.routes.setBrokerWritePermission(brokerName, writable);
    context.logger.info({ brokerName, writable, topics: count }, 'broker write permission changed');
    return createResponse(request, ResponseCode.SUCCESS, {
      extFields: encodeHeader(writable ? { addTopicCount: count } : { wipeTopicCount: count }),
    });
  };
}
