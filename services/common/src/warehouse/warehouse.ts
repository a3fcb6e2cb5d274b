/** Values bound to `{name:Type}` placeholders; never spliced into SQL text. */
export type QueryParams = Record<string, string | number | boolean | string[] | number[]>;

export interface InsertOptions {
  /**
   * Makes a retried insert of the same rows a no-op: ClickHouse drops an insert whose token it has seen
   * recently (tables set `non_replicated_deduplication_window`).
   */
  dedupToken?: string;
}

/**
 * The ClickHouse port. Two adapters run the same SQL: the embedded engine (chdb, in process) and a
 * ClickHouse server (@clickhouse/client). Decimals come back as strings (never JavaScript numbers).
 */
export interface Warehouse {
  readonly kind: 'embedded' | 'server';
  query<T>(sql: string, params?: QueryParams): Promise<T[]>;
  command(sql: string, params?: QueryParams): Promise<void>;
  /** One insert is one block: rows of one call land together or not at all. */
  insert(table: string, rows: readonly object[], options?: InsertOptions): Promise<void>;
  close(): Promise<void>;
}

/** Settings every query runs with, on both adapters. */
export const QUERY_SETTINGS = {
  output_format_json_quote_decimals: 1,
  output_format_json_quote_64bit_integers: 1,
  date_time_output_format: 'iso',
} as const;

export function parseJsonEachRow<T>(text: string): T[] {
  const rows: T[] = [];
  for (const line of text.split('\n')) {
    if (line.length > 0) rows.push(JSON.parse(line) as T);
  }
  return rows;
}
