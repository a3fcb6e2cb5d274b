/**
 * kafkajs 2.2.4 keeps a 1 ms timer running on every connection forever (tulios/kafkajs#1751, not fixed
 * upstream): RequestQueue.scheduleCheckPendingRequests, called after every request, arms a timer for
 * `throttledUntil - Date.now()` even when no request is waiting; throttledUntil is -1 until a broker
 * throttles the client, so the delay is negative, Node runs the timer after 1 ms, and the timer calls
 * checkPendingRequests, which arms the next one. An idle process with a few dozen connections (consumer
 * groups, a transactional producer per partition, admin clients) thus wakes up tens of thousands of
 * times a second to find nothing to do.
 *
 * The check is needed only while requests wait (throttled by a broker, or over the in-flight limit):
 * this wrapper arms it then and only then. A request that arrives later calls push(), which checks
 * the queue and arms the timer itself; a request that completes calls checkPendingRequests() directly.
 * So nothing kafkajs would have sent is delayed. Installed once per thread by kafka-client.ts; remove it
 * when kafkajs no longer arms an idle timer (its test checks that it still does).
 */

interface RequestQueueLike {
  pending: unknown[];
  scheduleCheckPendingRequests(): void;
}

const INSTALLED = Symbol.for('meterstream.kafkajsIdleTimerFix');

// kafkajs's request queue is plain JavaScript with no types or export of its own: required by path.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const RequestQueue = require('kafkajs/src/network/requestQueue') as { prototype: RequestQueueLike & { [INSTALLED]?: true } };

/** Makes kafkajs's request queues arm their check timer only while requests wait. Installing twice changes nothing. */
export function stopKafkajsIdleTimers(): void {
  const proto = RequestQueue.prototype;
  if (proto[INSTALLED]) return;
  const schedule = proto.scheduleCheckPendingRequests;
  proto.scheduleCheckPendingRequests = function (this: RequestQueueLike): void {
    if (this.pending.length === 0) return;
    schedule.call(this);
  };
  proto[INSTALLED] = true;
}
