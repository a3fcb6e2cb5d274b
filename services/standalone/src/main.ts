import { runService } from '@meterstream/common';
import { openStandalone, StoppedWhileStarting } from './standalone';

// The gateway accepts events as soon as it listens; the consumers start behind it (openStandalone).
// One that cannot start stops the process, as a failed start always did.
runService('meterstream', async (config, logger) => {
  const standalone = await openStandalone(config, logger);
  standalone.ready.catch((err) => {
    if (err instanceof StoppedWhileStarting) return;
    logger.error({ err }, 'failed to start');
    void standalone.stop().finally(() => process.exit(1));
  });
  return standalone.stop;
});
