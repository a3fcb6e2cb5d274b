import { runService } from '@meterstream/common';
import { runMeterRouter } from './run-router';

// Distributed mode: scale by running more instances in the same consumer group (up to the number of
// partitions of `events`).
runService('meter-router', runMeterRouter);
