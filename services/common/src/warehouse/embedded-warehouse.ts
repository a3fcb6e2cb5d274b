import fs from 'node:fs';
import type { Session } from 'chdb';
import { QUERY_SETTINGS, parseJsonEachRow, type InsertOptions, type QueryParams, type Warehouse } from './warehouse';

const CONNECTION_ARGS = Object.entries(QUERY_SETTINGS).map(([key, value]) => `--${key}=${value}`);

/**
 * ClickHouse embedded in this process through chdb. One process owns a data directory at a time, and a
 * process can hold one directory only.
 */
export class EmbeddedWarehouse implements Warehouse {
  readonly kind = 'embedded' as const;
  private readonly session: Session;

  constructor(readonly dataDir: string) {
    fs.mkdirSync(dataDir, { recursive: true });
    // Loaded here, not at import: the ClickHouse library is large (about 170 MiB resident), and the
    // services that never open a warehouse (the meter-router) import this module through common.
    const { Session: ChdbSession } = require('chdb') as typeof import('chdb');
    this.session = new ChdbSession(dataDir, { connectionArgs: CONNECTION_ARGS });
  }

  async query<T>(sql: string, params: QueryParams = {}): Promise<T[]> {
    const result = await this.session.queryBindAsync(sql, params, { format: 'JSONEachRow' });
    return parseJsonEachRow<T>(result.text());
  }

  async command(sql: string, params: QueryParams = {}): Promise<void> {
    await this.session.queryBindAsync(sql, params, { format: 'Null' });
  }

  async insert(table: string, rows: readonly object[], options: InsertOptions = {}): Promise<void> {
    if (rows.length === 0) return;
    // One JSON array of the rows: JSONEachRow reads it as the rows one per line, and one stringify of
    // the array costs less than a stringify per row and a join.
    const payload = JSON.stringify(rows);
    const settings: Record<string, string | number> = { max_insert_block_size: Math.max(rows.length, 1048449) };
    if (options.dedupToken) settings.insert_deduplication_token = options.dedupToken;
    await this.session.insert({ table, values: Buffer.from(payload), format: 'JSONEachRow', settings });
  }

  async close(): Promise<void> {
    this.session.close();
  }
}
