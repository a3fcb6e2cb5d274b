import fs from 'node:fs';
import path from 'node:path';
import { Metrics, METRIC_PREFIX, RecentCounts } from './metrics';

const DASHBOARD = path.resolve(__dirname, '../../../../infra/grafana/meterstream.json');

/** The sample lines of one metric in Prometheus text: `name{labels} value`. */
function samples(text: string, name: string): string[] {
  return text.split('\n').filter((line) => line.startsWith(`${name}{`) || line.startsWith(`${name} `));
}

describe('RecentCounts', () => {
  it('counts by key within the window and forgets what is older', () => {
    const recent = new RecentCounts(10_000);
    const t = 1_000_000_000;
    recent.add('meter-router UNDECODABLE', 2, t);
    recent.add('aggregator UNSTORABLE_RECORD', 1, t + 4000);
    recent.add('meter-router UNDECODABLE', 3, t + 8000);
    expect(recent.recent(t + 9000)).toEqual([['meter-router UNDECODABLE', 5], ['aggregator UNSTORABLE_RECORD', 1]]);
    // 10 s after the first add: its second has left the window.
    expect(recent.recent(t + 10_000)).toEqual([['meter-router UNDECODABLE', 3], ['aggregator UNSTORABLE_RECORD', 1]]);
    expect(recent.recent(t + 30_000)).toEqual([]);
  });
});

describe('Metrics', () => {
  it('names every metric meterstream_… and adds a source registry in, summing shared counters', async () => {
    const main = new Metrics({ processMetrics: true });
    const thread = new Metrics({ processMetrics: false });
    for (const m of await main.json()) expect(m.name.startsWith(METRIC_PREFIX)).toBe(true);
    main.deadLettered('aggregator', 'UNSTORABLE_RECORD', 2);
    thread.deadLettered('meter-router', 'UNDECODABLE', 3);
    thread.deadLettered('aggregator', 'UNSTORABLE_RECORD', 4); // same labels in both: summed
    thread.routerRecordsRouted.inc(7);
    main.addSource(() => thread.json());
    const text = await main.text();
    expect(samples(text, 'meterstream_dlq_records_total').sort()).toEqual([
      'meterstream_dlq_records_total{service="aggregator",code="UNSTORABLE_RECORD"} 6',
      'meterstream_dlq_records_total{service="meter-router",code="UNDECODABLE"} 3',
    ]);
    expect(samples(text, 'meterstream_router_records_routed_total')).toEqual(['meterstream_router_records_routed_total 7']);
    // The process metrics survive the merge (prom-client's aggregation would omit the start time).
    expect(samples(text, 'meterstream_process_start_time_seconds')).toHaveLength(1);
    expect(main.recentDlq.recent()).toEqual([['aggregator UNSTORABLE_RECORD', 2]]);
  });

  it('leaves out a source that does not answer', async () => {
    const main = new Metrics({ processMetrics: false });
    main.invoicesIssued.inc(2);
    main.addSource(() => new Promise(() => undefined));
    main.addSource(() => Promise.reject(new Error('thread gone')));
    // A source that never answers would hold text() until the test's timeout fails it.
    expect(samples(await main.text(), 'meterstream_invoices_issued_total')).toEqual(['meterstream_invoices_issued_total 2']);
  });
});

describe('the Grafana dashboard (infra/grafana/meterstream.json)', () => {
  interface Panel {
    type: string;
    title: string;
    targets?: { expr: string }[];
  }
  const dashboard = JSON.parse(fs.readFileSync(DASHBOARD, 'utf8')) as { panels: Panel[]; uid: string };
  const graphs = dashboard.panels.filter((p) => p.type !== 'row');

  it('queries only metric names the code defines, and shows every metric the services count', async () => {
    const defined = new Map((await new Metrics({ processMetrics: true }).json()).map((m) => [m.name, String(m.type)]));
    // A histogram h is queried as h_bucket, h_sum or h_count; a gauge or counter by its own name.
    const known = (name: string) =>
      defined.has(name) && defined.get(name) !== 'histogram' ? true : ['_bucket', '_sum', '_count'].some((s) => name.endsWith(s) && defined.get(name.slice(0, -s.length)) === 'histogram');
    const used = new Set<string>();
    expect(graphs.length).toBeGreaterThanOrEqual(10);
    for (const panel of graphs) {
      expect([panel.title, (panel.targets ?? []).length > 0]).toEqual([panel.title, true]);
      for (const { expr } of panel.targets!) {
        const names = expr.match(/\bmeterstream_[a-z0-9_]+/g) ?? [];
        expect([panel.title, expr, names.length > 0]).toEqual([panel.title, expr, true]);
        for (const name of names) {
          expect([panel.title, name, known(name)]).toEqual([panel.title, name, true]);
          used.add(name.replace(/_(bucket|sum|count)$/, (s) => (defined.get(name.slice(0, -s.length)) === 'histogram' ? '' : s)));
        }
      }
    }
    const serviceMetrics = [...(await new Metrics({ processMetrics: false }).json()).map((m) => m.name)];
    expect(serviceMetrics.filter((name) => !used.has(name))).toEqual([]);
  });
});
