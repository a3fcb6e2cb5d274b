import fs from 'node:fs';
import path from 'node:path';
import { AGGREGATION_TYPES, aggregationOf, type AggregationType } from '@meterstream/domain';
import type { Warehouse } from './warehouse';

export const MIGRATIONS_DIR = path.resolve(__dirname, '../../../../infra/clickhouse');

/** Splits a migration file into statements: statements end with ";" at the end of a line. */
export function splitStatements(sql: string): string[] {
  return sql
    .split(/;\s*$/m)
    .map((s) => s.replace(/^\s*--.*$/gm, '').trim())
    .filter((s) => s.length > 0);
}

const MERGE_PLACEHOLDER = /\{\{merge:([a-z_]+)\}\}/g;

/**
 * Fills `{{merge:<aggregation>}}` in a migration with that aggregation's merge expression, so the views
 * merge partials by the same rule as every query (one file per aggregation in @meterstream/domain).
 */
export function renderMigration(sql: string): string {
  return sql.replace(MERGE_PLACEHOLDER, (_, type: string) => {
    if (!(AGGREGATION_TYPES as readonly string[]).includes(type)) throw new Error(`unknown aggregation in migration: {{merge:${type}}}`);
    return aggregationOf(type as AggregationType).mergeSql;
  });
}

/**
 * Applies infra/clickhouse/*.sql in name order. Every statement is idempotent (IF NOT EXISTS), so
 * running the migrations again, from any service at any start, does no harm.
 */
export async function migrate(warehouse: Warehouse, dir = MIGRATIONS_DIR): Promise<string[]> {
  const files = fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.sql'))
    .sort();
  for (const file of files) {
    for (const statement of splitStatements(renderMigration(fs.readFileSync(path.join(dir, file), 'utf8')))) {
      await warehouse.command(statement);
    }
  }
  return files;
}
