import { createResponse, ResponseCode, type RequestProcessor } from '@skyrocket/remoting';
import type { DelayOffsetWrapper } from '../schedule/schedule-message-service';
import { jsonBody } from './processor';

/**
 * GET_ALL_DELAY_OFFSET (45): no header. Body = DelayOffsetSerializeWrapper JSON, the content of
 * `config/delayOffset.json`: {"offsetTable":{"<delay level>":<next schedule-queue offset>},"dataVersion":{...}}
 * (AdminBrokerProcessor.getAllDelayOffset; a slave copies it from its master). Keys are quoted (PROTOCOL.md §1.6).
 */
export function getAllDelayOffsetProcessor(schedule: { wrapper(): DelayOffsetWrapper }): RequestProcessor {
  return (request) => createResponse(request, ResponseCode.SUCCESS, { body: jsonBody(schedule.wrapper()) });
}
