import { invoiceId } from './invoice-id';

const JAN = Date.UTC(2026, 0, 1);
const FEB = Date.UTC(2026, 1, 1);
const MAR = Date.UTC(2026, 2, 1);

describe('invoiceId', () => {
  it('is deterministic', () => {
    expect(invoiceId('sub_1', JAN, FEB)).toBe(invoiceId('sub_1', JAN, FEB));
  });

  it('has the form inv_ + 24 lowercase hex digits', () => {
    expect(invoiceId('sub_1', JAN, FEB)).toMatch(/^inv_[0-9a-f]{24}$/);
    expect(invoiceId('', 0, 0)).toMatch(/^inv_[0-9a-f]{24}$/);
  });

  it('is the first 24 hex digits of sha256(subscription NUL start NUL end)', () => {
    // sha256("sub_1\u00001767225600000\u00001769904000000"), computed independently of the module.
    const { createHash } = require('node:crypto') as typeof import('node:crypto');
    const expected = createHash('sha256').update('sub_1\u00001767225600000\u00001769904000000').digest('hex').slice(0, 24);
    expect(JAN).toBe(1767225600000);
    expect(invoiceId('sub_1', JAN, FEB)).toBe(`inv_${expected}`);
  });

  it('differs by subscription', () => {
    expect(invoiceId('sub_1', JAN, FEB)).not.toBe(invoiceId('sub_2', JAN, FEB));
  });

  it('differs by period start and by period end', () => {
    const base = invoiceId('sub_1', JAN, FEB);
    expect(invoiceId('sub_1', FEB, MAR)).not.toBe(base);
    expect(invoiceId('sub_1', JAN, MAR)).not.toBe(base);
    expect(invoiceId('sub_1', JAN + 1, FEB)).not.toBe(base);
  });

  it('does not collide when the subscription id absorbs digits of the period', () => {
    // Without a separator, ("sub_1", 1767…) and ("sub_11", 767…) would hash the same text.
    expect(invoiceId('sub_1', 11, 22)).not.toBe(invoiceId('sub_11', 1, 22));
    expect(invoiceId('sub_1', 1, 122)).not.toBe(invoiceId('sub_1', 11, 22));
  });

  it('gives distinct ids over many subscriptions and periods', () => {
    const ids = new Set<string>();
    for (let s = 0; s < 50; s += 1) for (let m = 0; m < 24; m += 1) ids.add(invoiceId(`sub_${s}`, Date.UTC(2026, m, 1), Date.UTC(2026, m + 1, 1)));
    expect(ids.size).toBe(50 * 24);
  });
});
