import { storedInvoiceIdsQuery } from './billing-queries';
import { sinkProgressQuery } from './progress-queries';

describe('storedInvoiceIdsQuery', () => {
  it('selects the stored ids among the given ones, bound as an array', () => {
    const { query, params } = storedInvoiceIdsQuery(['inv_a', "inv_'b"]);
    expect(query).toBe('SELECT DISTINCT id FROM invoices WHERE id IN {ids:Array(String)}');
    expect(params).toEqual({ ids: ['inv_a', "inv_'b"] });
  });
});

describe('sinkProgressQuery', () => {
  it("reads one sink's highest durable offset per topic partition, every value bound", () => {
    const { query, params } = sinkProgressQuery('usage', ['p.meter.a', 'p.meter.b']);
    expect(query.replace(/\s+/g, ' ')).toBe(
      'SELECT topic, partition, toString(max(durable_offset)) AS durable FROM sink_progress WHERE sink = {sink:String} AND topic IN {topics:Array(String)} GROUP BY topic, partition',
    );
    expect(params).toEqual({ sink: 'usage', topics: ['p.meter.a', 'p.meter.b'] });
    expect(query).not.toContain('usage');
  });
});
