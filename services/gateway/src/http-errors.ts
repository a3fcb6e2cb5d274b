import type { Socket } from 'node:net';
import { MeterstreamError, type ErrorCode, type FieldError } from '@meterstream/domain';

/** Fastify's own request errors, under the registry's codes. */
const FASTIFY_ERRORS: Record<string, ErrorCode> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_BODY_TOO_LARGE: 'BODY_TOO_LARGE',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'INVALID_JSON',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'INVALID_JSON',
  FST_ERR_CTP_INVALID_JSON_BODY: 'INVALID_JSON',
  FST_ERR_BAD_URL: 'INVALID_URL',
  FST_ERR_MAX_PARAM_LENGTH: 'PARAMETER_TOO_LONG',
};

/** One Ajv error, as Fastify hands it over (FST_ERR_VALIDATION's `validation`). */
export interface SchemaError {
  keyword: string;
  instancePath: string;
  message?: string;
  params: Record<string, unknown>;
}

const PART_NAMES: Record<string, string> = { querystring: 'query parameter', params: 'path parameter', body: 'body field', headers: 'header' };
const FORMAT_TEXT: Record<string, string> = {
  'date-time': 'an ISO 8601 date-time with a zone, e.g. 2026-01-31T23:59:59Z',
  'time-zone': 'an IANA time zone name, e.g. Europe/Paris or UTC',
};

/**
 * Ajv's errors as the registry's field errors: the field is the parameter's name (or the body
 * field's path, "events[0].event_id"), the message says what is wrong with it. `input` is what was
 * validated, to tell a repeated parameter (an array) from a mistyped one.
 */
export function schemaFieldErrors(errors: readonly SchemaError[], input: unknown): FieldError[] {
  const out: FieldError[] = [];
  const seen = new Set<string>();
  for (const error of errors) {
    const path = pathOf(error.instancePath);
    let field = path;
    let message: string;
    switch (error.keyword) {
      case 'additionalProperties':
        field = join(path, String(error.params.additionalProperty));
        message = 'unknown parameter: the route does not take it';
        break;
      case 'required':
        field = join(path, String(error.params.missingProperty));
        message = 'required';
        break;
      case 'type':
        message = Array.isArray(valueAt(input, error.instancePath)) ? 'given more than once: send it once' : `must be ${article(String(error.params.type))}`;
        break;
      case 'format':
        message = `must be ${FORMAT_TEXT[String(error.params.format)] ?? `in format ${String(error.params.format)}`}`;
        break;
      case 'enum':
        message = `one of ${(error.params.allowedValues as unknown[]).join(', ')}`;
        break;
      default:
        message = error.message ?? 'invalid';
    }
    const key = `${field}\u0000${message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ field, message });
  }
  return out;
}

/**
 * The registry error for an error Fastify raised before or around a handler (validation, body
 * parsing, routing); undefined for anything else (a bug: 500 INTERNAL).
 */
export function fastifyRequestError(error: unknown, input: (context: string) => unknown): MeterstreamError | undefined {
  const e = error as { code?: string; statusCode?: number; message?: string; validation?: SchemaError[]; validationContext?: string };
  if (e.code === 'FST_ERR_VALIDATION' || Array.isArray(e.validation)) {
    const context = e.validationContext ?? 'querystring';
    const fields = schemaFieldErrors(e.validation ?? [], input(context));
    const part = PART_NAMES[context] ?? context;
    return new MeterstreamError('VALIDATION_FAILED', `invalid ${part}${fields.length === 1 ? '' : 's'}: ${fields.map((f) => f.field || '(body)').join(', ')}`, fields);
  }
  const code = FASTIFY_ERRORS[e.code ?? ''];
  if (code) return new MeterstreamError(code, e.message ?? code);
  // Other body-reading trouble (a malformed body, an aborted upload) is a bad body, as before.
  if (e.statusCode === 400 && (e.code === undefined || e.code.startsWith('FST_ERR_CTP'))) return new MeterstreamError('INVALID_JSON', e.message ?? 'invalid body');
  if (typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) return new MeterstreamError('INVALID_REQUEST', e.message ?? 'invalid request');
  return undefined;
}

function pathOf(instancePath: string): string {
  return instancePath
    .split('/')
    .slice(1)
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce((acc, s) => (/^\d+$/.test(s) ? `${acc}[${s}]` : join(acc, s)), '');
}

const join = (path: string, name: string) => (path === '' ? name : `${path}.${name}`);
const article = (type: string) => (/^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`);

function valueAt(input: unknown, instancePath: string): unknown {
  let value = input;
  for (const segment of instancePath.split('/').slice(1)) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<string, unknown>)[segment.replace(/~1/g, '/').replace(/~0/g, '~')];
  }
  return value;
}

/**
 * A request Node's HTTP parser refused (bad framing, oversized headers, a slow client): answered on
 * the socket with a registry error, then the connection is closed (as Fastify's default handler does).
 */
export function answerClientError(error: Error & { code?: string }, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const mapped =
    error.code === 'HPE_HEADER_OVERFLOW'
      ? new MeterstreamError('HEADERS_TOO_LARGE', 'the request headers are too large')
      : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? new MeterstreamError('REQUEST_TIMEOUT', 'the request was not received in time')
        : new MeterstreamError('INVALID_REQUEST', `the request is not valid HTTP/1.1${error.code ? ` (${error.code})` : ''}`);
  const body = JSON.stringify(mapped.toJSON());
  if (socket.writable) {
    socket.write(`HTTP/1.1 ${mapped.status} ${REASONS[mapped.status] ?? 'Error'}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nContent-Type: application/json; charset=utf-8\r\nConnection: close\r\n\r\n${body}`);
  }
  socket.destroy(error);
}

const REASONS: Record<number, string> = { 400: 'Bad Request', 408: 'Request Timeout', 431: 'Request Header Fields Too Large' };
