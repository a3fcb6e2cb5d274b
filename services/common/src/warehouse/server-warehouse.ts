import { createClient, type ClickHouseClient } from '@clickhouse/client';
import { QUERY_SETTINGS, type InsertOptions, type QueryParams, type Warehouse } from './warehouse';

export interface ServerWarehouseOptions {
  url: string;
  username: string;
  password: string;
  database: string;
}

/** A ClickHouse server or cluster over HTTP, chosen by CLICKHOUSE_URL. */
export class ServerWarehouse implements Warehouse {
  readonly kind = 'server' as const;
  private readonly client: ClickHouseClient;

  constructor(private readonly options: ServerWarehouseOptions) {
    this.client = createClient({
      url: options.url,
      username: options.username,
      password: options.password,
      database: options.database,
      clickhouse_settings: { ...QUERY_SETTINGS },
    });
  }

  /** Creates the configured database when it does not exist (migrations then create the tables). */
  async ensureDatabase(): Promise<void> {
    const admin = createClient({ url: this.options.url, username: this.options.username, password: this.options.password });
    try {
      await admin.command({ query: 'CREATE DATABASE IF NOT EXISTS {db:Identifier}', query_params: { db: this.options.database } });
    } finally {
      await admin.close();
    }
  }

  async query<T>(sql: string, params: QueryParams = {}): Promise<T[]> {
    const result = await this.client.query({ query: sql, query_params: params, format: 'JSONEachRow' });
    return result.json<T>();
  }

  async command(sql: string, params: QueryParams = {}): Promise<void> {
    await this.client.command({ query: sql, query_params: params });
  }

  async insert(table: string, rows: readonly object[], options: InsertOptions = {}): Promise<void> {
    if (rows.length === 0) return;
    await this.client.insert({
      table,
      values: rows as object[],
      format: 'JSONEachRow',
      clickhouse_settings: {
        max_insert_block_size: String(Math.max(rows.length, 1048449)),
        ...(options.dedupToken ? { insert_deduplication_token: options.dedupToken } : {}),
      },
    });
  }

  async close(): Promise<void> {
    await this.client.close();
  }
}
