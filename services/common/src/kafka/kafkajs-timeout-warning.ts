/**
 * kafkajs 2.2.4 passes setTimeout a negative delay on every connection (tulios/kafkajs#1751, not fixed
 * upstream): RequestQueue.scheduleCheckPendingRequests waits `throttledUntil - Date.now()`, and
 * throttledUntil is -1 until a broker throttles the client, so the delay is about -Date.now(). Node
 * has always run such a timer after 1 ms; from Node 23 on it also prints
 * `TimeoutNegativeWarning: -1795982066709 is a negative number` once per thread. The value does not
 * come from any client option, so nothing in our configuration can avoid it, and node_modules is not
 * patched: this filter drops exactly that warning, a TimeoutNegativeWarning raised while kafkajs's
 * request queue is on the stack. Every other warning, a TimeoutNegativeWarning from anywhere else
 * included, goes on to Node's own handling unchanged.
 *
 * Node warns about a negative delay only once per thread: a negative delay of our own set after
 * kafkajs's would not have been printed anyway. Remove this file when kafkajs no longer passes a
 * negative delay (its test checks that it still does).
 */

const KAFKAJS_REQUEST_QUEUE = /[\\/]kafkajs[\\/]src[\\/]network[\\/]requestQueue[\\/]/;
const INSTALLED = Symbol.for('meterstream.kafkajsTimeoutWarningFilter');

type EmitWarning = (warning: string | Error, ...rest: unknown[]) => void;
type WarningTarget = { emitWarning: NodeJS.Process['emitWarning'] };

/** Whether a warning is kafkajs's negative request-queue delay: its type and the stack it was raised on. */
export function isKafkajsNegativeTimeoutWarning(type: string | undefined, stack: string): boolean {
  return type === 'TimeoutNegativeWarning' && KAFKAJS_REQUEST_QUEUE.test(stack);
}

/**
 * Installs the filter on `target.emitWarning`: this thread's `process` unless told otherwise (a
 * worker thread has a process object of its own). Installing it twice changes nothing.
 */
export function ignoreKafkajsNegativeTimeoutWarning(target: WarningTarget = process): void {
  const marked = target as WarningTarget & { [INSTALLED]?: true };
  if (marked[INSTALLED]) return;
  const emitWarning = target.emitWarning as EmitWarning;
  const filtered: EmitWarning = function (this: unknown, warning, ...rest) {
    const type = warningType(warning, rest[0]);
    // The stack is taken only for this one type, at most once per thread (see above).
    if (type === 'TimeoutNegativeWarning' && isKafkajsNegativeTimeoutWarning(type, currentStack())) return;
    emitWarning.call(this, warning, ...rest);
  };
  // emitWarning's overloads all end in this one call shape.
  target.emitWarning = filtered as NodeJS.Process['emitWarning'];
  marked[INSTALLED] = true;
}

/** The type as process.emitWarning reads it: `(warning, type)`, `(warning, { type })` or the Error's name. */
function warningType(warning: string | Error, typeOrOptions: unknown): string | undefined {
  if (typeof typeOrOptions === 'string') return typeOrOptions;
  if (typeof typeOrOptions === 'object' && typeOrOptions !== null && 'type' in typeOrOptions) {
    const { type } = typeOrOptions;
    if (typeof type === 'string') return type;
  }
  return warning instanceof Error ? warning.name : 'Warning';
}

/** Enough frames to reach the caller of setTimeout (filter, Timeout, setTimeout, caller), whatever the limit. */
function currentStack(): string {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = Math.max(Number(limit) || 0, 16);
  try {
    return new Error().stack ?? '';
  } finally {
    Error.stackTraceLimit = limit;
  }
}
