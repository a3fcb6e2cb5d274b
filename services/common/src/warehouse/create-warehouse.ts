import type { MeterstreamConfig } from '../config';
import { EmbeddedWarehouse } from './embedded-warehouse';
import { migrate } from './migrations';
import { ServerWarehouse } from './server-warehouse';
import type { Warehouse } from './warehouse';

/** The server adapter when CLICKHOUSE_URL is set, else the embedded engine; migrations applied. */
export async function openWarehouse(config: MeterstreamConfig): Promise<Warehouse> {
  const { clickhouse } = config;
  let warehouse: Warehouse;
  if (clickhouse.url) {
    const server = new ServerWarehouse({
      url: clickhouse.url,
      username: clickhouse.username,
      password: clickhouse.password,
      database: clickhouse.database,
    });
    await server.ensureDatabase();
    warehouse = server;
  } else {
    warehouse = new EmbeddedWarehouse(clickhouse.dataDir);
  }
  try {
    await migrate(warehouse);
  } catch (err) {
    await warehouse.close();
    throw err;
  }
  return warehouse;
}
