/**
 * The SDK's one error catalog. Every error the client raises on purpose is a ClientError with a catalog name, a
 * `retriable` flag (whether the same call may succeed if repeated, possibly on another broker), and — when a broker
 * or NameServer answered — the remote `responseCode` (ResponseCode.java numbers) and its `remark`.
 *
 * Retriable broker codes follow the Java producer's `retryResponseCodes` (DefaultMQProducer: TOPIC_NOT_EXIST,
 * SERVICE_NOT_AVAILABLE, SYSTEM_ERROR, SYSTEM_BUSY, NO_PERMISSION, NO_BUYER_ID, NOT_IN_CURRENT_UNIT).
 */
import { isSkyrocketError } from '@skyrocket/common';
import { ResponseCode, responseCodeName, type RemotingCommand } from '@skyrocket/remoting';

export interface ClientErrorSpec {
  readonly retriable: boolean;
  readonly description: string;
}

export const ClientErrorCatalog = {
  INVALID_CONFIG: { retriable: false, description: 'The client configuration is invalid' },
  INVALID_ARGUMENT: {
    retriable: false,
    description: 'An argument (message, topic, group, property...) is invalid',
  },
  NOT_STARTED: { retriable: false, description: 'The client has not been started' },
  ALREADY_STARTED: {
    retriable: false,
    description: 'start() was called on a client that is already started',
  },
  SHUT_DOWN: { retriable: false, description: 'The client has been shut down' },
  NAMESERVER_UNAVAILABLE: {
    retriable: true,
    description: 'No NameServer could be reached (or the address server returned none)',
  },
  TOPIC_NOT_EXIST: { retriable: false, description: 'No NameServer knows a route for the topic' },
  NO_WRITABLE_QUEUE: { retriable: true, description: 'The topic route has no queue that accepts writes' },
  BROKER_NOT_FOUND: { retriable: true, description: 'No address is known for the broker' },
  REQUEST_TIMEOUT: { retriable: true, description: 'No response arrived before the request timeout' },
  CONNECTION_FAILED: {
    retriable: true,
    description: 'The connection could not be opened or closed before the response arrived',
  },
  BROKER_ERROR: {
    retriable: false,
    description: 'A broker or NameServer answered with an error response code (see responseCode and remark)',
  },
  BROKER_BUSY: { retriable: true, description: 'The broker is overloaded or unavailable (retriable code)' },
  SEND_FAILED: {
    retriable: false,
    description: "A send failed on every attempt; `cause` holds the last attempt's error",
  },
  MESSAGE_NOT_FOUND: { retriable: false, description: 'No message matches the id or key' },
  INVALID_RESPONSE: {
    retriable: false,
    description: 'A response header or body could not be parsed',
  },
  TOO_MANY_IN_FLIGHT: {
    retriable: true,
    description: 'More requests are waiting than maxInFlight allows and the wait timed out',
  },
} as const satisfies Record<string, ClientErrorSpec>;

export type ClientErrorName = keyof typeof ClientErrorCatalog;

export interface ClientErrorOptions {
  cause?: unknown;
  retriable?: boolean;
  /** The remote response code, when a broker or NameServer answered. */
  responseCode?: number;
  remark?: string;
  /** The address the failing request went to. */
  address?: string;
  brokerName?: string;
}

export class ClientError extends Error {
  readonly errorName: ClientErrorName;
  readonly retriable: boolean;
  readonly responseCode: number | undefined;
  readonly remark: string | undefined;
  readonly address: string | undefined;
  readonly brokerName: string | undefined;

  constructor(name: ClientErrorName, message: string, options: ClientErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ClientError';
    this.errorName = name;
    this.retriable = options.retriable ?? ClientErrorCatalog[name].retriable;
    this.responseCode = options.responseCode;
    this.remark = options.remark;
    this.address = options.address;
    this.brokerName = options.brokerName;
  }
}

export function isClientError(error: unknown, name?: ClientErrorName): error is ClientError {
  return error instanceof ClientError && (name === undefined || error.errorName === name);
}

/** Broker response codes a send may retry on another broker (DefaultMQProducer.retryResponseCodes). */
const RETRIABLE_RESPONSE_CODES: ReadonlySet<number> = new Set([
  ResponseCode.TOPIC_NOT_EXIST,
  ResponseCode.SERVICE_NOT_AVAILABLE,
  ResponseCode.SYSTEM_ERROR,
  ResponseCode.SYSTEM_BUSY,
  ResponseCode.NO_PERMISSION,
  ResponseCode.NO_BUYER_ID,
  ResponseCode.NOT_IN_CURRENT_UNIT,
]);

export function isRetriableResponseCode(code: number): boolean {
  return RETRIABLE_RESPONSE_CODES.has(code);
}

/** The error for a non-success response: BROKER_BUSY for overload codes, BROKER_ERROR otherwise. */
export function responseError(
  response: RemotingCommand,
  what: string,
  context: { address?: string; brokerName?: string } = {},
): ClientError {
  const code = response.code;
  const busy = code === ResponseCode.SYSTEM_BUSY || code === ResponseCode.SERVICE_NOT_AVAILABLE;
  const remark = response.remark ?? '';
  return new ClientError(
    busy ? 'BROKER_BUSY' : 'BROKER_ERROR',
    `${what} failed: ${responseCodeName(code)} (${code})${remark ? `: ${remark}` : ''}${
      context.address ? ` [${context.address}]` : ''
    }`,
    {
      responseCode: code,
      remark: response.remark,
      retriable: isRetriableResponseCode(code),
      address: context.address,
      brokerName: context.brokerName,
    },
  );
}

/**
 * Converts anything a transport call threw into a ClientError: remoting's REQUEST_TIMEOUT, CONNECTION_CLOSED and
 * CONNECT_FAILED become REQUEST_TIMEOUT / CONNECTION_FAILED (retriable); ClientErrors pass through.
 */
export function toClientError(error: unknown, address?: string): ClientError {
  if (error instanceof ClientError) return error;
  if (isSkyrocketError(error, 'REQUEST_TIMEOUT')) {
    return new ClientError('REQUEST_TIMEOUT', error.message, { cause: error, address });
  }
  if (isSkyrocketError(error, 'CONNECTION_CLOSED') || isSkyrocketError(error, 'CONNECT_FAILED')) {
    return new ClientError('CONNECTION_FAILED', error.message, { cause: error, address });
  }
  if (isSkyrocketError(error, 'CLIENT_STATE')) {
    return new ClientError('SHUT_DOWN', error.message, { cause: error, address });
  }
  if (isSkyrocketError(error, 'INVALID_PARAMETER')) {
    return new ClientError('INVALID_ARGUMENT', error.message, { cause: error, address });
  }
  const message = error instanceof Error ? error.message : String(error);
  return new ClientError('CONNECTION_FAILED', message, { cause: error, address, retriable: false });
}
