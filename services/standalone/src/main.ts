import { createLogger, loadConfig, stopOnSignals } from '@meterstream/common';
import { startStandalone } from './standalone';

async function main(): Promise<void> {
  const config = loadConfig();
  if (process.argv.includes('--check-config')) {
    console.log(JSON.stringify(config, null, 2));
    return;
  }
  const logger = createLogger(config.logLevel, 'meterstream');
  const app = await startStandalone(config, logger);
  stopOnSignals(logger, app.stop);
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
