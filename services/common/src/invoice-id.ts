import { createHash } from 'node:crypto';

/**
 * Deterministic invoice id: the same subscription and period always give the same id, so billing
 * recognises a period it already invoiced and the gateway's preview names the invoice to come. Here,
 * not in the domain layer, because it hashes with node:crypto.
 */
export function invoiceId(subscriptionId: string, periodStart: number, periodEnd: number): string {
  const digest = createHash('sha256').update(`${subscriptionId}\u0000${periodStart}\u0000${periodEnd}`).digest('hex');
  return `inv_${digest.slice(0, 24)}`;
}
