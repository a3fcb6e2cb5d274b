export * from './aggregator';
export * from './create-aggregator';
export * from './durable-sink';
export * from './window-accumulator';
export * from './usage-sink';
export * from './stored-changes';
