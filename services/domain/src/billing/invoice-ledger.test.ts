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

describe('InvoiceLedger: listed corrections', () => {
  it("collects the ids each period's meter line and adjustment lines listed, per meter", () => {
    const ledger = new InvoiceLedger();
    const withIds = (l: InvoiceLine, ids: string[]): InvoiceLine => ({ ...l, corrections: ids });
    ledger.record(invoice('inv_1', 's', ...P1, [withIds(line('fixed', null, null), []), withIds(line('meter', 'm', '3'), ['bf_1']), withIds(line('meter', 'n', '1'), [])]));
    ledger.record(invoice('inv_2', 's', ...P2, [withIds(line('meter', 'm', '4'), ['cor_9']), withIds(line('adjustment', 'm', '-1', P1), ['cor_2', 'cor_1'])]));
    // A line without the field (an invoice decoded from an older schema has []; one built in memory may lack it) lists none.
    ledger.record(invoice('inv_3', 's', '2026-01-03T00:00:00.000Z', '2026-01-04T00:00:00.000Z', [line('adjustment', 'n', '2', P1)]));
    const [p1, p2] = ledger.periodsSince('s', 0);
    expect([...p1.listed('m')].sort()).toEqual(['bf_1', 'cor_1', 'cor_2']);
    expect([...p1.listed('n')]).toEqual([]);
    expect([...p2.listed('m')]).toEqual(['cor_9']);
    expect(p1.billed('m')).toBe('2');
    expect(p1.billed('n')).toBe('3');
  });

  it('ignores a repeated invoice (the topic read twice): ids and units count once', () => {
    const ledger = new InvoiceLedger();
    const adj = invoice('inv_2', 's', ...P2, [{ ...line('adjustment', 'm', '1', P1), corrections: ['cor_1'] }]);
    ledger.record(invoice('inv_1', 's', ...P1, [line('meter', 'm', '3')]));
    ledger.record(adj);
    ledger.record(adj);
    const [p1] = ledger.periodsSince('s', 0);
    expect(p1.billed('m')).toBe('4');
    expect([...p1.listed('m')]).toEqual(['cor_1']);
  });
});

describe('InvoiceLedger: many periods', () => {
  const DAY = 86_400_000;
  const day = (n: number): [string, string] => [new Date(Date.UTC(2026, 0, 1) + n * DAY).toISOString(), new Date(Date.UTC(2026, 0, 1) + (n + 1) * DAY).toISOString()];

  it('finds each period of a subscription however its invoices arrive, and sums units exactly', () => {
    const ledger = new InvoiceLedger();
    // 1,000 daily periods recorded in a scrambled order (the topic holds several billing instances' output).
    const order = Array.from({ length: 1000 }, (_, i) => (i * 389) % 1000);
    for (const n of order) ledger.record(invoice(`inv_${n}`, 's', ...day(n), [line('meter', 'm', '0.1'), line('meter', 'k', `${n}.50`)]));
    // Adjustments of earlier periods, carried by later invoices: 0.1 + 0.2 is 0.3, exactly.
    ledger.record(invoice('inv_adj', 's', ...day(1000), [line('adjustment', 'm', '0.2', day(17)), line('adjustment', 'm', '-0.1', day(999))]));
    const periods = ledger.periodsSince('s', 0);
    expect(periods.map((p) => p.start)).toEqual(Array.from({ length: 1001 }, (_, n) => day(n)[0]));
    expect(periods[17].billed('m')).toBe('0.3');
    expect(periods[999].billed('m')).toBe('0');
    expect(periods[998].billed('m')).toBe('0.1');
    expect(periods[998].billed('k')).toBe('998.5');
    expect(periods[1000].billed('m')).toBe('0');
    expect(ledger.periodsSince('s', Date.parse(day(998)[1])).map((p) => p.start)).toEqual([day(998)[0], day(999)[0], day(1000)[0]]);
    expect(ledger.size).toBe(1001);
  });

  it('keeps the subscriptions apart', () => {
    const ledger = new InvoiceLedger();
    ledger.record(invoice('inv_a', 'a', ...P1, [line('meter', 'm', '1')]));
    ledger.record(invoice('inv_b', 'b', ...P1, [line('meter', 'm', '2'), line('adjustment', 'm', '5', P2)]));
    expect(ledger.periodsSince('a', 0).map((p) => [p.start, p.billed('m')])).toEqual([[P1[0], '1']]);
    expect(ledger.periodsSince('b', 0).map((p) => [p.start, p.billed('m')])).toEqual([
      [P1[0], '2'],
      [P2[0], '5'],
    ]);
  });
});
