export * from './aggregator';
export * from './durable-sink';
export * from './window-accumulator';
