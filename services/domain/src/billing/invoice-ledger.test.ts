import type { Invoice, InvoiceLine } from '../model/invoice';
import { InvoiceLedger } from './invoice-ledger';

const line = (type: InvoiceLine['type'], meter_id: string | null, units: string | null, adjusted: [string, string] | null = null): InvoiceLine => ({
  type,
  meter_id,
  description: '',
  units_consumed: units,
  free_threshold: null,
  chargeable_units: null,
  price_per_unit: null,
  amount: '0',
  adjusted_period_start: adjusted?.[0] ?? null,
  adjusted_period_end: adjusted?.[1] ?? null,
});

const invoice = (id: string, subscription_id: string, start: string, end: string, lines: InvoiceLine[]): Invoice => ({
  id,
  subscription_id,
  customer_id: 'c',
  product_id: 'p',
  currency: 'USD',
  period_start: start,
  period_end: end,
  status: 'issued',
  lines,
  subtotal: '0',
  total: '0',
  issued_at: end,
});

const P1: [string, string] = ['2026-01-01T00:00:00.000Z', '2026-01-02T00:00:00.000Z'];
const P2: [string, string] = ['2026-01-02T00:00:00.000Z', '2026-01-03T00:00:00.000Z'];

describe('InvoiceLedger', () => {
  it('knows issued invoice ids, once each', () => {
    const ledger = new InvoiceLedger();
    const first = invoice('inv_1', 's', ...P1, [line('meter', 'm', '3')]);
    ledger.record(first);
    ledger.record(first);
    expect(ledger.has('inv_1')).toBe(true);
    expect(ledger.has('inv_2')).toBe(false);
    expect(ledger.size).toBe(1);
    expect(ledger.periodsSince('s', 0)[0].billed('m')).toBe('3');
  });

  it('adds adjustment units to the period they adjust, not to the invoice that carries them', () => {
    const ledger = new InvoiceLedger();
    ledger.record(invoice('inv_1', 's', ...P1, [line('fixed', null, null), line('meter', 'm', '3')]));
    ledger.record(invoice('inv_2', 's', ...P2, [line('meter', 'm', '4'), line('adjustment', 'm', '1.5', P1)]));
    const periods = ledger.periodsSince('s', 0);
    expect(periods.map((p) => [p.start, p.billed('m'), p.billed('other')])).toEqual([
      [P1[0], '4.5', '0'],
      [P2[0], '4', '0'],
    ]);
    expect(ledger.periodsSince('other', 0)).toEqual([]);
  });
});
