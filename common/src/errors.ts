/**
 * The one error catalog. Every error Skyrocket raises on purpose has a name, the RocketMQ response code a remote
 * peer sees (ResponseCode.java / RemotingSysResponseCode.java numbers), whether retrying can help, and a message.
 * docs/errors.md lists the same table; common/src/errors.test.ts keeps the two in sync.
 */
export interface ErrorSpec {
  /** RocketMQ response code sent to a remote peer when this error answers a request. */
  readonly code: number;
  readonly retriable: boolean;
  readonly description: string;
}

export const ErrorCatalog = {
  SYSTEM_ERROR: { code: 1, retriable: true, description: 'Unexpected failure while processing a request' },
  SYSTEM_BUSY: { code: 2, retriable: true, description: 'The server is overloaded; retry later' },
  REQUEST_CODE_NOT_SUPPORTED: { code: 3, retriable: false, description: 'The request code is not supported' },
  INVALID_HEADER: {
    code: 1,
    retriable: false,
    description: 'A request header field is missing or malformed (RocketMQ answers SYSTEM_ERROR here)',
  },
  CRC32_MISMATCH: { code: 1, retriable: true, description: 'The request body does not match its bodyCrc32' },
  INVALID_BODY: {
    code: 1,
    retriable: false,
    description: 'The request body is not valid for its request code',
  },
  TOPIC_NOT_EXIST: {
    code: 17,
    retriable: true,
    description: 'No route or configuration exists for the topic',
  },
  INVALID_PARAMETER: { code: 29, retriable: false, description: 'A request parameter is out of range' },
  QUERY_NOT_FOUND: { code: 22, retriable: false, description: 'The queried item does not exist' },
  REQUEST_TIMEOUT: {
    code: -1,
    retriable: true,
    description: 'No response arrived before the request timeout',
  },
  CONNECTION_CLOSED: {
    code: -1,
    retriable: true,
    description: 'The connection closed before the response arrived',
  },
  CONNECT_FAILED: { code: -1, retriable: true, description: 'Could not connect to the remote address' },
  FRAME_TOO_LARGE: { code: -1, retriable: false, description: 'A frame exceeds the configured maximum size' },
  MALFORMED_FRAME: { code: -1, retriable: false, description: 'A frame could not be decoded' },
  INVALID_CONFIG: { code: -1, retriable: false, description: 'The configuration is invalid' },
  STORE_CORRUPTED: {
    code: -1,
    retriable: false,
    description:
      'A store file holds invalid data; the store refuses to start rather than serve it. For a corrupted commit-log record the message names its offset, and the broker setting truncateCorruptedAt set to that offset starts by dropping everything from there on',
  },
  STORE_IO_ERROR: { code: 14, retriable: true, description: 'A store file could not be read or written' },
  DISK_FULL: {
    code: 14,
    retriable: true,
    description: 'The store disk is full; nothing already stored is lost',
  },
  SEGMENT_WRONG_SIZE: {
    code: -1,
    retriable: false,
    description: 'A store segment file does not have its configured length',
  },
  STORE_LOCKED: { code: -1, retriable: false, description: 'Another process is using the store directory' },
  CLIENT_STATE: {
    code: -1,
    retriable: false,
    description: 'The operation is not allowed in the current state',
  },
  REMOTE_ERROR: {
    code: -1,
    retriable: false,
    description: 'The remote peer answered with a non-success response code',
  },
} as const satisfies Record<string, ErrorSpec>;

export type ErrorName = keyof typeof ErrorCatalog;

export class SkyrocketError extends Error {
  readonly errorName: ErrorName;
  /** RocketMQ response code: the catalog's, or the remote peer's for REMOTE_ERROR. */
  readonly code: number;
  readonly retriable: boolean;

  constructor(
    name: ErrorName,
    message: string,
    options?: { cause?: unknown; code?: number; retriable?: boolean },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    const spec: ErrorSpec = ErrorCatalog[name];
    this.name = 'SkyrocketError';
    this.errorName = name;
    this.code = options?.code ?? spec.code;
    this.retriable = options?.retriable ?? spec.retriable;
  }
}

export function isSkyrocketError(error: unknown, name?: ErrorName): error is SkyrocketError {
  return error instanceof SkyrocketError && (name === undefined || error.errorName === name);
}

/** A readable one-line description of anything thrown. */
export function describeError(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
