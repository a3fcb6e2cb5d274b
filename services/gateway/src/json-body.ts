import type { FastifyInstance } from 'fastify';
import { getUnsafeNumberReason, isLosslessNumber, isSafeNumber, LosslessNumber, parse } from 'lossless-json';
import secureJson from 'secure-json-parse';
import { isWellFormedText, MeterstreamError, NOT_WELL_FORMED, type FieldError } from '@meterstream/domain';

/**
 * Request bodies parsed without loss (lossless-json), in one of two forms:
 *
 * - exact (POST /events/ingest): every JSON number stays its source text, as a LosslessNumber
 *   (`.value` is the text), and the ingest validator turns metadata numbers into exact decimal text;
 * - plain (every other route): a JSON number becomes a JavaScript number when that number is exactly
 *   the number written (`1`, `0.5`, `1e3`, `9007199254740991`); one a double cannot hold
 *   (`12345678901234567890`, `0.1234567890123456789`, `1e400`) is refused with 422 VALIDATION_FAILED
 *   naming its field, never rounded. Text with an unpaired UTF-16 surrogate (keys or values) is
 *   refused the same way.
 *
 * Both refuse what Fastify's own parser refuses: an empty body, text that is not JSON, and
 * `__proto__` or `constructor.prototype` keys (secure-json-parse). A key given twice keeps its last
 * value, as JSON.parse does.
 *
 * The exact form's fast path: lossless-json is a parser written in JavaScript, about 3.5 times
 * slower than JSON.parse on an ingest body (docs/numbers.md has the figures). When the body holds no
 * run of 16 digits (a dot allowed between them) and no exponent of 3 or more digits, every number in it
 * has at most 15 significant digits and a value between 1e-114 and 1e114, and a double holds such a
 * number exactly in the sense that matters here: JavaScript's shortest text of the double is the same
 * decimal value as the text written (15 digits is what a double always round-trips, IEEE 754 DBL_DIG).
 * Such a body is parsed by JSON.parse (through secure-json-parse, as Fastify does), and its numbers are
 * JavaScript numbers whose String() is their exact value; any other body by lossless-json.
 */
export type JsonBodyForm = 'exact' | 'plain';

/** Replaces Fastify's application/json parser in `app` (and the plugins registered inside it). */
export function installJsonBodyParser(app: FastifyInstance, form: JsonBodyForm): void {
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
    try {
      done(null, parseJsonBody(body as string, form));
    } catch (err) {
      done(err as Error, undefined);
    }
  });
}

/** True when a number in `text` may have digits a double cannot hold (it may also match inside strings). */
const MAY_LOSE_DIGITS = /\d(?:\.?\d){15}|\d[eE][-+]?\d{3}/;

const SECURE = { protoAction: 'error', constructorAction: 'error' } as const;

export function parseJsonBody(text: string, form: JsonBodyForm): unknown {
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  if (text.trim() === '') throw new MeterstreamError('INVALID_JSON', 'the body is empty; send a JSON document');
  if (form === 'exact' && !MAY_LOSE_DIGITS.test(text)) {
    try {
      return secureJson.parse(text, null, SECURE);
    } catch (err) {
      throw new MeterstreamError('INVALID_JSON', `the body is not valid JSON: ${(err as Error).message}`);
    }
  }
  let unsafeNumbers = false;
  const parseNumber =
    form === 'exact'
      ? (number: string) => new LosslessNumber(number)
      : (number: string) => {
          if (isSafeNumber(number)) return Number(number);
          unsafeNumbers = true;
          return new LosslessNumber(number);
        };
  let value: unknown;
  try {
    value = parse(text, null, { parseNumber, onDuplicateKey: ({ newValue }) => newValue });
    // Every escaped or plain spelling of the two keys contains one of these: only then walk the body.
    const suspect = text.includes('proto') || text.includes('constructor') || text.includes('\\u');
    if (suspect && typeof value === 'object' && value !== null) secureJson.scan(value, SECURE);
  } catch (err) {
    throw new MeterstreamError('INVALID_JSON', `the body is not valid JSON: ${(err as Error).message}`);
  }
  // An unpaired surrogate can only come from a \uD800-\uDFFF escape (UTF-8 decoding never makes one).
  if (form === 'plain' && (unsafeNumbers || /\\u[dD][89a-fA-F]/.test(text))) {
    const errors = plainBodyProblems(value);
    if (errors.length > 0) throw new MeterstreamError('VALIDATION_FAILED', `${errors.length} problem(s) in the body`, errors);
  }
  return value;
}

/** The numbers a double cannot hold and the text that is not valid Unicode, by path (`price.amount`, `items[2]`). */
function plainBodyProblems(root: unknown): FieldError[] {
  const errors: FieldError[] = [];
  const visit = (value: unknown, path: string): void => {
    if (typeof value === 'string') {
      if (!isWellFormedText(value)) errors.push({ field: path, message: NOT_WELL_FORMED });
    } else if (isLosslessNumber(value)) {
      const reason = getUnsafeNumberReason(value.value);
      errors.push({ field: path, message: `the number ${value.value} cannot be held exactly (${reason ?? 'unsafe'}); send it as a string` });
    } else if (Array.isArray(value)) {
      value.forEach((item, i) => visit(item, `${path}[${i}]`));
    } else if (typeof value === 'object' && value !== null) {
      for (const [key, item] of Object.entries(value)) {
        const at = path === '' ? key : `${path}.${key}`;
        if (!isWellFormedText(key)) errors.push({ field: at, message: `key ${NOT_WELL_FORMED}` });
        visit(item, at);
      }
    }
  };
  visit(root, '');
  return errors;
}
