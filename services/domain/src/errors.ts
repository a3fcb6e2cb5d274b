/**
 * The one registry of error codes. Every error a client can see has a stable machine code, an HTTP
 * status and a retryable flag (true only for infrastructure trouble where the same request may succeed
 * later).
 */
export const ERROR_CODES = {
  /** A parameter, query or body that breaks the route's rules; `errors` names each field. */
  VALIDATION_FAILED: { status: 422, retryable: false },
  /** No route has this method and path. */
  ROUTE_NOT_FOUND: { status: 404, retryable: false },
  /** The URL cannot be decoded (bad percent-encoding). */
  INVALID_URL: { status: 400, retryable: false },
  /** A path parameter (an id) is longer than the router takes (100 characters). */
  PARAMETER_TOO_LONG: { status: 414, retryable: false },
  /** Any other malformed request the HTTP layer refuses before a route sees it (e.g. bad HTTP framing). */
  INVALID_REQUEST: { status: 400, retryable: false },
  /** The request's headers are larger than the server takes. */
  HEADERS_TOO_LARGE: { status: 431, retryable: false },
  /** The client did not finish sending the request in time. */
  REQUEST_TIMEOUT: { status: 408, retryable: true },
  INVALID_JSON: { status: 400, retryable: false },
  /** The request body is larger than the gateway's body limit (BODY_LIMIT_BYTES). */
  BODY_TOO_LARGE: { status: 413, retryable: false },
  /** A request body that is not application/json. */
  UNSUPPORTED_MEDIA_TYPE: { status: 415, retryable: false },
  DUPLICATE_EVENT_ID_IN_BATCH: { status: 422, retryable: false },
  UNKNOWN_METER: { status: 404, retryable: false },
  NOT_FOUND: { status: 404, retryable: false },
  /**
   * GET /events/{event_id}: more than one customer sent an event with this id (an event id is unique per
   * customer); ask again with ?customer_id=.
   */
  AMBIGUOUS_EVENT_ID: { status: 409, retryable: false },
  /** A correction names an event the customer never sent (or one not stored yet: retry shortly). */
  EVENT_NOT_FOUND: { status: 404, retryable: false },
  /** A correction names an event id that exists only under another customer. */
  EVENT_OF_ANOTHER_CUSTOMER: { status: 422, retryable: false },
  /** A correction of an event that is voided already. */
  EVENT_VOIDED: { status: 409, retryable: false },
  /** An event (backfill) or a corrected event older than BACKFILL_MAX_AGE_DAYS. */
  EVENT_OLDER_THAN_BACKFILL_LIMIT: { status: 422, retryable: false },
  /** A correction id used before for a different correction (same id, other event, kind or metadata). */
  CORRECTION_ID_CONFLICT: { status: 409, retryable: false },
  /** No API key, or one that is unknown or revoked. */
  UNAUTHENTICATED: { status: 401, retryable: false },
  /** A valid API key without the scope the route needs. */
  FORBIDDEN: { status: 403, retryable: false },
  /** The API key used up its requests for the current minute; retry after the Retry-After header. */
  RATE_LIMITED: { status: 429, retryable: true },
  EVENT_BUS_UNAVAILABLE: { status: 503, retryable: true },
  WAREHOUSE_UNAVAILABLE: { status: 503, retryable: true },
  /** A listing query ran past its time limit (LIST_QUERY_TIME_LIMIT_SECONDS); narrow the filters or retry. */
  QUERY_TIMEOUT: { status: 503, retryable: true },
  /** A service the route needs is still starting (e.g. billing right after a restart). */
  SERVICE_STARTING: { status: 503, retryable: true },
  INTERNAL: { status: 500, retryable: true },
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

export interface FieldError {
  /** Index of the event in a batch, when the error concerns one event. */
  index?: number;
  field: string;
  message: string;
}

export class MeterstreamError extends Error {
  readonly status: number;
  readonly retryable: boolean;

  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly errors: FieldError[] = [],
  ) {
    super(message);
    this.name = 'MeterstreamError';
    this.status = ERROR_CODES[code].status;
    this.retryable = ERROR_CODES[code].retryable;
  }

  toJSON(): Record<string, unknown> {
    const body: Record<string, unknown> = { code: this.code, message: this.message, retryable: this.retryable };
    if (this.errors.length > 0) body.errors = this.errors;
    return body;
  }
}
