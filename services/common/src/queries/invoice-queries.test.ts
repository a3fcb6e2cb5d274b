import { invoiceByIdQuery, invoicesPageQuery, subscriptionInvoicesQuery } from './invoice-queries';

describe('invoice queries', () => {
  it('binds every filter as a parameter, newest period first, FINAL against retried inserts', () => {
    const { query, params } = invoicesPageQuery(
      {
        customerId: "cus_'; DROP TABLE invoices; --",
        subscriptionId: 'sub_1',
        status: 'issued',
        periodStartFrom: Date.parse('2026-01-01T00:00:00Z'),
        periodEndTo: Date.parse('2026-04-01T00:00:00Z'),
      },
      10,
      20,
    );
    expect(query).toBe(`SELECT body FROM invoices FINAL WHERE customer_id = {customer_id:String} AND subscription_id = {subscription_id:String} AND status = {status:String} AND period_start >= {period_start:DateTime64(3, 'UTC')} AND period_end <= {period_end:DateTime64(3, 'UTC')}
ORDER BY period_start DESC, subscription_id ASC, id ASC
LIMIT {limit:UInt32} OFFSET {offset:UInt32}
SETTINGS max_execution_time = 5`);
    expect(params).toEqual({
      customer_id: "cus_'; DROP TABLE invoices; --",
      subscription_id: 'sub_1',
      status: 'issued',
      period_start: '2026-01-01 00:00:00.000',
      period_end: '2026-04-01 00:00:00.000',
      limit: 10,
      offset: 20,
    });
    expect(query).not.toContain('DROP');
  });

  it('has no WHERE without filters, and reads one invoice by id', () => {
    expect(invoicesPageQuery({}, 5, 0).query.split('\n')[0]).toBe('SELECT body FROM invoices FINAL');
    expect(invoiceByIdQuery('inv_1')).toEqual({ query: 'SELECT body FROM invoices FINAL WHERE id = {id:String} LIMIT 1', params: { id: 'inv_1' } });
  });

  it("reads a subscription's invoices from a period on, oldest first, values bound", () => {
    const { query, params } = subscriptionInvoicesQuery("sub'1", Date.UTC(2026, 0, 2, 3, 4, 5, 6));
    expect(query).toContain("WHERE subscription_id = {subscription_id:String} AND period_end > {period_end:DateTime64(3, 'UTC')}");
    expect(query).toContain('FROM invoices FINAL');
    expect(query).toMatch(/ORDER BY period_start ASC, id ASC$/);
    expect(query).not.toMatch(/sub'1|2026/);
    expect(params).toEqual({ subscription_id: "sub'1", period_end: '2026-01-02 03:04:05.006' });
  });
});
