/**
 * NameServer KV config headers (`header/namesrv/*KVConfig*.java`). The NameServer keeps string values under
 * (namespace, key); clients read namespace ORDER_TOPIC_CONFIG for ordered-topic layouts.
 *
 * PUT_KV_CONFIG (100): namespace, key, value.
 * GET_KV_CONFIG (101): namespace, key. Response: value? (QUERY_NOT_FOUND when missing).
 * DELETE_KV_CONFIG (102): namespace, key.
 * GET_KVLIST_BY_NAMESPACE (219): namespace. The body of the response is a KVTable JSON.
 */
import { z } from 'zod';

import { str } from './fields';

export const PutKVConfigRequestHeader = z.object({
  namespace: str(),
  key: str(),
  value: str(),
});
export type PutKVConfigRequestHeader = z.infer<typeof PutKVConfigRequestHeader>;

export const GetKVConfigRequestHeader = z.object({
  namespace: str(),
  key: str(),
});
export type GetKVConfigRequestHeader = z.infer<typeof GetKVConfigRequestHeader>;

export const GetKVConfigResponseHeader = z.object({
  value: str().optional(),
});
export type GetKVConfigResponseHeader = z.infer<typeof GetKVConfigResponseHeader>;

export const DeleteKVConfigRequestHeader = z.object({
  namespace: str(),
  key: str(),
});
export type DeleteKVConfigRequestHeader = z.infer<typeof DeleteKVConfigRequestHeader>;

export const GetKVListByNamespaceRequestHeader = z.object({
  namespace: str(),
});
export type GetKVListByNamespaceRequestHeader = z.infer<typeof GetKVListByNamespaceRequestHeader>;
