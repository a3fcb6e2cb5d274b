import { runService } from '@meterstream/common';
import { startStandalone } from './standalone';

runService('meterstream', async (config, logger) => (await startStandalone(config, logger)).stop);
