import {
  createResponse,
  decodeHeader,
  DeleteKVConfigRequestHeader,
  encodeHeader,
  GetKVConfigRequestHeader,
  GetKVListByNamespaceRequestHeader,
  PutKVConfigRequestHeader,
  RequestCode,
  ResponseCode,
  type RequestProcessor,
} from '@skyrocket/remoting';
import { jsonBody, type NameServerContext } from './processor';

/**
 * The KV config codes, one processor for the family (they share one table):
 * PUT_KV_CONFIG (100) namespace/key/value; GET_KV_CONFIG (101) namespace/key → header `value`, or QUERY_NOT_FOUND;
 * DELETE_KV_CONFIG (102) namespace/key; GET_KVLIST_BY_NAMESPACE (219) namespace → body KVTable {"table":{...}}.
 */
export function kvConfigProcessor(context: NameServerContext): RequestProcessor {
  return (request) => {
    switch (request.code) {
      case RequestCode.PUT_KV_CONFIG: {
        const h = decodeHeader(PutKVConfigRequestHeader, request.extFields);
        context.kv.put(h.namespace, h.key, h.value);
        return createResponse(request, ResponseCode.SUCCESS);
      }
      case RequestCode.GET_KV_CONFIG: {
        const h = decodeHeader(GetKVConfigRequestHeader, request.extFields);
        const value = context.kv.get(h.namespace, h.key);
        if (value === undefined) {
          return createResponse(request, ResponseCode.QUERY_NOT_FOUND, {
            remark: `No config item, Namespace: ${h.namespace} Key: ${h.key}`,
          });
        }
        return createResponse(request, ResponseCode.SUCCESS, { extFields: encodeHeader({ value }) });
      }
      case RequestCode.DELETE_KV_CONFIG: {
        const h = decodeHeader(DeleteKVConfigRequestHeader, request.extFields);
        context.kv.delete(h.namespace, h.key);
        return createResponse(request, ResponseCode.SUCCESS);
      }
      default: {
        const h = decodeHeader(GetKVListByNamespaceRequestHeader, request.extFields);
        const table = context.kv.list(h.namespace);
        if (!table) {
          return createResponse(request, ResponseCode.QUERY_NOT_FOUND, {
            remark: `No config item, Namespace: ${h.namespace}`,
          });
        }
        return createResponse(request, ResponseCode.SUCCESS, { body: jsonBody({ table }) });
      }
    }
  };
}
