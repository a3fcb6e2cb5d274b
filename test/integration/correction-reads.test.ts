import fs from 'node:fs';
import { correctionIdsQuery, CorrectionReader, EventReader, InvoiceReader, openWarehouse, type CorrectionIdsRow, type Warehouse } from '@meterstream/common';
import { correctionTargetRefusal, toClickHouseTime, type Invoice } from '@meterstream/domain';
import { CorrectionTargets } from '../../services/gateway/src/correction-targets';
import { RecentCorrections } from '../../services/gateway/src/recent-corrections';
import { testConfig } from '../support/pipeline';

// What billing and POST /corrections/preview read about corrections, on the real engine after the real
// migrations: the event a correction names (events table and audit trail), the correction and
// backfill-batch ids of a period (every record version), and a subscription's stored invoices.
describe(`correction reads (${process.env.CLICKHOUSE_URL ? 'server' : 'embedded'})`, () => {
  const config = testConfig('correction-reads');
  let warehouse: Warehouse;
  const T0 = Date.UTC(2026, 4, 1, 9);
  const MIN = 60_000;

  beforeAll(async () => {
    warehouse = await openWarehouse(config);
  });
  afterAll(async () => {
    await warehouse?.close();
    fs.rmSync(config.clickhouse.dataDir, { recursive: true, force: true });
  });

  describe('CorrectionTargets (the lookup of void, amend and preview)', () => {
    const recent = new RecentCorrections();
    const targets = () => new CorrectionTargets({ events: new EventReader(warehouse), corrections: new CorrectionReader(warehouse), recent });
    const source = (offset: number) => ({ source_topic: 'events', source_partition: 0, source_offset: offset });
    const event = (customer_id: string, event_id: string, metadata: string, offset: number) => ({
      event_id,
      customer_id,
      event_name: 'job',
      timestamp: toClickHouseTime(T0),
      metadata,
      ingested_at: toClickHouseTime(T0),
      ...source(offset),
    });
    const audit = (event_id: string, correction_id: string, kind: string, metadata: string, offset: number) => ({
      correction_id,
      kind,
      customer_id: 'c1',
      event_id,
      event_name: 'job',
      timestamp: toClickHouseTime(T0),
      metadata,
      requested_by: '',
      reason: '',
      requested_at: toClickHouseTime(T0 + offset),
      ...source(offset),
    });

    beforeAll(async () => {
      await warehouse.insert('events', [
        event('c1', 'plain', '{"gb":1}', 1),
        event('c1', 'amended', '{"gb":1}', 2),
        event('c1', 'voided', '{"gb":1}', 3),
        event('c2', 'theirs', '{"gb":1}', 4),
        event('c1', 'batch', '{"gb":1}', 5),
      ]);
      await warehouse.insert('event_corrections', [
        audit('amended', 'cor_a1', 'amend', '{"gb":2}', 10),
        audit('amended', 'cor_a2', 'amend', '{"gb":3}', 12),
        audit('voided', 'cor_v1', 'amend', '{"gb":5}', 11),
        audit('voided', 'cor_v2', 'void', '', 13),
        // A backfill batch's row is no correction of the event.
        audit('batch', 'bf_1', 'backfill', '{"gb":1}', 14),
      ]);
    });

    it('finds the event with its metadata as its latest amend left it, and whether it is voided', async () => {
      const reader = targets();
      expect(await reader.find('c1', 'plain')).toEqual({ kind: 'found', voided: false, event_id: 'plain', customer_id: 'c1', event_name: 'job', timestamp: T0, metadata: '{"gb":1}', amended: false });
      expect(await reader.find('c1', 'amended')).toMatchObject({ kind: 'found', voided: false, metadata: '{"gb":3}', amended: true });
      // Amended, then voided: voided, with the metadata its amend left.
      expect(await reader.find('c1', 'voided')).toMatchObject({ kind: 'found', voided: true, metadata: '{"gb":5}', amended: true });
      expect(await reader.find('c1', 'batch')).toMatchObject({ kind: 'found', voided: false, amended: false });
      expect(await reader.find('c1', 'theirs')).toEqual({ kind: 'of-another-customer' });
      expect(await reader.find('c1', 'nobody')).toEqual({ kind: 'none' });
    });

    it('gives the errors of the void and amend routes', async () => {
      const reader = targets();
      const codeOf = async (eventId: string, now = T0) => correctionTargetRefusal(await reader.find('c1', eventId), 'c1', eventId, now, 35 * 86_400_000)?.code;
      expect(await codeOf('plain')).toBeUndefined();
      expect(await codeOf('nobody')).toBe('EVENT_NOT_FOUND');
      expect(await codeOf('theirs')).toBe('EVENT_OF_ANOTHER_CUSTOMER');
      expect(await codeOf('voided')).toBe('EVENT_VOIDED');
      expect(await codeOf('plain', T0 + 35 * 86_400_000 + 1)).toBe('EVENT_OLDER_THAN_BACKFILL_LIMIT');
      // A void this gateway accepted moments ago, before the audit trail has it.
      recent.remember({ correction_id: 'cor_recent', kind: 'void', customer_id: 'c1', event_id: 'amended', event_name: 'job', timestamp: T0, metadata: '', reason: null, requested_at: T0 });
      expect(await codeOf('amended')).toBe('EVENT_VOIDED');
    });
  });

  describe('correctionIdsQuery', () => {
    const record = (customer_id: string, minute: number, event_id: string, correction_id: string, deleted: number, offset: number) => ({
      meter_id: 'm_ids',
      customer_id,
      timestamp: toClickHouseTime(T0 + minute * MIN),
      event_id,
      value: '1',
      unique_key: null,
      deleted,
      correction_id,
      source_topic: 'meter.m_ids',
      source_partition: 0,
      source_offset: offset,
    });

    it("after a merge, lists the ids of the records' latest versions in the range, once each and sorted, per customer", async () => {
      await warehouse.insert('meter_records', [
        record('c1', 0, 'e1', '', 0, 1),
        record('c1', 1, 'e2', 'bf_b', 0, 2),
        record('c1', 5, 'e3', '', 0, 3),
        record('c2', 1, 'e9', 'cor_x', 0, 4),
        record('c1', 10, 'e4', 'cor_outside', 0, 5),
      ]);
      // Later versions: e2 amended (the batch id stays on its first version), e3 voided then e1 amended twice.
      await warehouse.insert('meter_records', [record('c1', 1, 'e2', 'cor_amend', 0, 6), record('c1', 5, 'e3', 'cor_void', 1, 7)]);
      await warehouse.insert('meter_records', [record('c1', 0, 'e1', 'cor_a', 0, 8), record('c1', 0, 'e1', 'cor_B', 0, 9)]);
      await warehouse.command('OPTIMIZE TABLE meter_records FINAL');
      const { query, params } = correctionIdsQuery(['m_ids'], ['c1', 'c2', 'c3'], T0, T0 + 10 * MIN);
      const rows = await warehouse.query<CorrectionIdsRow>(query, params);
      // A merge keeps only the last version of a key (ReplacingMergeTree): the batch id of e2's first
      // version and e1's cor_a are gone; the latest version of every record keeps its id.
      const byCustomer = Object.fromEntries(rows.map((r) => [r.customer_id, r.correction_ids]));
      expect(byCustomer).toEqual({ c1: ['cor_B', 'cor_amend', 'cor_void'], c2: ['cor_x'] });
    });

    it('reads the ids of every version before a merge', async () => {
      const fresh = (minute: number, event_id: string, correction_id: string, offset: number) => ({ ...record('c5', minute, event_id, correction_id, 0, offset), meter_id: 'm_versions' });
      // No background merge between the inserts and the read.
      await warehouse.command('SYSTEM STOP MERGES meter_records');
      try {
        await warehouse.insert('meter_records', [fresh(0, 'e1', 'bf_1', 1)]);
        await warehouse.insert('meter_records', [fresh(0, 'e1', 'cor_2', 2)]);
        await warehouse.insert('meter_records', [fresh(0, 'e1', 'cor_1', 3)]);
        const { query, params } = correctionIdsQuery(['m_versions'], ['c5'], T0, T0 + MIN);
        expect(await warehouse.query<CorrectionIdsRow>(query, params)).toEqual([{ meter_id: 'm_versions', customer_id: 'c5', correction_ids: ['bf_1', 'cor_1', 'cor_2'] }]);
      } finally {
        await warehouse.command('SYSTEM START MERGES meter_records');
      }
    });

    it('reads only the granules that hold an id (minmax index on correction_id)', async () => {
      const { query, params } = correctionIdsQuery(['m_ids'], ['c1'], T0, T0 + 10 * MIN);
      const plan = await warehouse.query<{ explain: string }>(`EXPLAIN indexes = 1 ${query}`, params);
      expect(plan.map((r) => r.explain).join('\n')).toContain('idx_correction_id');
    });
  });

  describe('InvoiceReader.ofSubscriptionSince', () => {
    const invoice = (id: string, subscription_id: string, start: number, end: number): Invoice => ({
      id,
      subscription_id,
      customer_id: 'c1',
      product_id: 'p',
      currency: 'USD',
      period_start: new Date(start).toISOString(),
      period_end: new Date(end).toISOString(),
      status: 'issued',
      lines: [],
      subtotal: '0',
      total: '0',
      issued_at: new Date(end).toISOString(),
    });
    const row = (i: Invoice) => ({
      id: i.id,
      subscription_id: i.subscription_id,
      customer_id: i.customer_id,
      currency: i.currency,
      period_start: toClickHouseTime(Date.parse(i.period_start)),
      period_end: toClickHouseTime(Date.parse(i.period_end)),
      status: i.status,
      total: '0',
      body: JSON.stringify(i),
      issued_at: toClickHouseTime(Date.parse(i.issued_at)),
    });

    it("reads a subscription's invoices whose period ends after a time, oldest first, each once", async () => {
      const DAY = 86_400_000;
      const invoices = [invoice('i0', 's1', T0, T0 + DAY), invoice('i1', 's1', T0 + DAY, T0 + 2 * DAY), invoice('i2', 's1', T0 + 2 * DAY, T0 + 3 * DAY), invoice('x', 's2', T0 + DAY, T0 + 2 * DAY)];
      await warehouse.insert('invoices', invoices.map(row));
      await warehouse.insert('invoices', [row(invoices[2])]); // a repaired insert
      const ids = async (since: number) => (await new InvoiceReader(warehouse).ofSubscriptionSince('s1', since)).map((i) => i.id);
      expect(await ids(T0 + DAY)).toEqual(['i1', 'i2']);
      expect(await ids(T0 + DAY - 1)).toEqual(['i0', 'i1', 'i2']);
      expect(await ids(T0 + 3 * DAY)).toEqual([]);
    });
  });
});
