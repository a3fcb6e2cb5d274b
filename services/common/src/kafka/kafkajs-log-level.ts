/**
 * Which kafkajs error-level log lines report a condition kafkajs retries and that is expected in normal
 * operation, so they are logged quietly (debug) instead of as errors:
 *
 * - the group coordinator is not available yet, or moved, or is loading (a new group, a broker that
 *   just started or restarted): kafkajs looks the coordinator up again and retries;
 * - CONCURRENT_TRANSACTIONS: a transaction begun right after the previous commit, while the broker
 *   still writes its markers (the meter-router's producers retry it after 10 ms).
 *
 * kafkajs logs these as `Response <Api>(…)` with the broker's message in `error`, as `Failed to send
 * messages: <message>`, or as the bare message. They are recognized by the broker error's message,
 * taken from kafkajs's own error registry by error type, so a kafkajs upgrade that renames one makes
 * the unit test fail instead of letting the filter go silent. Everything else stays at its level, and a
 * quiet condition that is still being retried after QUIET_RETRIES attempts is logged as a warning.
 */

// kafkajs's registry of broker errors (type, code, message, retriable): not in its typed entry point.
const { errorCodes } = require('kafkajs/src/protocol/error') as { errorCodes: { type: string; message: string }[] };

/** Broker error types that are expected while groups and transactions settle, and that kafkajs retries. */
export const QUIET_KAFKA_ERRORS = ['GROUP_COORDINATOR_NOT_AVAILABLE', 'NOT_COORDINATOR_FOR_GROUP', 'GROUP_LOAD_IN_PROGRESS', 'CONCURRENT_TRANSACTIONS'] as const;

/** From this retry on, a quiet condition is logged as a warning (it is taking longer than settling). */
export const QUIET_RETRIES = 5;

const QUIET_MESSAGES: ReadonlySet<string> = new Set(
  QUIET_KAFKA_ERRORS.map((type) => {
    const entry = errorCodes.find((e) => e.type === type);
    if (!entry) throw new Error(`kafkajs has no broker error ${type}`);
    return entry.message;
  }),
);

const FAILED_TO_SEND = 'Failed to send messages: ';

export type PinoLevel = 'error' | 'warn' | 'info' | 'debug';

/** The level a kafkajs log line is written at: `level` (mapped from kafkajs), or lower for a quiet condition. */
export function kafkajsLogLevel(level: PinoLevel, message: string, extra: Record<string, unknown>): PinoLevel {
  if (level !== 'error') return level;
  const brokerMessage = typeof extra.error === 'string' && message.startsWith('Response ') ? extra.error : message.startsWith(FAILED_TO_SEND) ? message.slice(FAILED_TO_SEND.length) : message;
  if (!QUIET_MESSAGES.has(brokerMessage)) return level;
  return typeof extra.retryCount === 'number' && extra.retryCount >= QUIET_RETRIES ? 'warn' : 'debug';
}
