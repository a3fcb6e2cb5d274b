export * from './aggregator';
export * from './durable-sink';
export * from './window-accumulator';
export { USAGE_PROGRESS_SQL } from './usage-sink';
export { EVENTS_PROGRESS_SQL } from './raw-event-sink';
