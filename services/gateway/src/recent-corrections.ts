import { correctionKey, eventKey, type EventRef, type PriorCorrection } from '@meterstream/domain';

/**
 * The corrections this gateway accepted recently, by (customer, correction id), and the events they
 * voided: what POST /events/{id}/void|amend checks besides the audit trail, which the raw event sink
 * writes a flush interval or more after Kafka acknowledged. So a void followed at once by another
 * correction of the event (409 EVENT_VOIDED), or by the same void again (a repeat), is seen. Bounded as
 * SeenEvents is: a ring of `capacity` corrections, the oldest forgotten first (by then the audit trail
 * has it).
 *
 * It also runs the corrections of one customer one after the other (serialize), so that two requests
 * racing with the same correction id, or on the same event, are decided one after the other.
 */
export class RecentCorrections {
  private readonly byKey = new Map<string, PriorCorrection>();
  /** eventKey of the events voided by the corrections remembered, with the correctionKey of the void. */
  private readonly voided = new Map<string, string>();
  private readonly order: string[] = [];
  private next = 0;
  private readonly queues = new Map<string, Promise<unknown>>();

  constructor(private readonly capacity = 100_000) {}

  /** The correction this customer sent with this id, if this gateway accepted it recently. */
  get(customerId: string, correctionId: string): PriorCorrection | undefined {
    return this.byKey.get(correctionKey(customerId, correctionId));
  }

  /** True when this gateway recently accepted a void of the event. */
  isVoided(event: EventRef): boolean {
    return this.voided.has(eventKey(event));
  }

  remember(correction: PriorCorrection): void {
    const key = correctionKey(correction.customer_id, correction.correction_id);
    if (this.byKey.has(key)) return;
    if (this.order.length < this.capacity) {
      this.order.push(key);
    } else {
      this.forget(this.order[this.next]);
      this.order[this.next] = key;
      this.next = (this.next + 1) % this.capacity;
    }
    this.byKey.set(key, correction);
    if (correction.kind === 'void') this.voided.set(eventKey(correction), key);
  }

  /** Runs `task` after every task of this customer queued before it (whether they failed or not). */
  serialize<T>(customerId: string, task: () => Promise<T>): Promise<T> {
    const before = this.queues.get(customerId) ?? Promise.resolve();
    const run = before.then(task, task);
    const settled = run.then(
      () => undefined,
      () => undefined,
    );
    this.queues.set(customerId, settled);
    // The last task of a customer removes the queue, so idle customers hold no memory.
    void settled.then(() => {
      if (this.queues.get(customerId) === settled) this.queues.delete(customerId);
    });
    return run;
  }

  private forget(key: string): void {
    const old = this.byKey.get(key);
    this.byKey.delete(key);
    if (old?.kind === 'void' && this.voided.get(eventKey(old)) === key) this.voided.delete(eventKey(old));
  }
}
