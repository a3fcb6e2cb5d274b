import os from 'node:os';

/**
 * Every consumer group id, transactional id and sink name Meterstream uses, built in one place from the
 * topic prefix. Billing asks the router's group for its progress and reads the usage sink's progress
 * rows, and tests and benchmarks watch these groups: they all take the names from here, so a renamed
 * group cannot leave one of them watching a group nobody uses.
 */
export function pipelineNames(topicPrefix: string) {
  const routerGroup = `${topicPrefix}meter-router`;
  return {
    /** The meter-router's consumer group on `events`; billing waits until it has committed past the end. */
    routerGroup,
    /** One transactional producer per `events` partition, so fencing follows partition ownership. */
    routerTransactionalId: (eventsTopic: string, partition: number) => partitionTransactionalId(routerGroup, eventsTopic, partition),
    /** The aggregator's usage sink (meter topics → usage table). */
    aggregatorGroup: `${topicPrefix}aggregator`,
    /** The aggregator's raw event sink (`events` → events table). */
    rawEventSinkGroup: `${topicPrefix}raw-event-sink`,
    /** Billing's one transactional producer: a new instance fences the old one. */
    billingTransactionalId: `${topicPrefix}billing`,
  };
}

/**
 * The transactional id of a consume-transform-produce loop's producer for one input partition: the new
 * owner of the partition after a rebalance uses the same id, and so fences the old owner.
 */
export function partitionTransactionalId(groupId: string, topic: string, partition: number): string {
  return `${groupId}.${topic}.${partition}`;
}

export type PipelineNames = ReturnType<typeof pipelineNames>;

/** Names of the aggregator's sinks, as written to sink_progress.sink (billing reads the usage sink's rows). */
export const SINK_NAMES = { usage: 'usage', rawEvents: 'raw-events' } as const;

/**
 * A consumer group of its own for a one-off reader (a replay of a changelog, the catalog reader, a
 * command line tool): it never commits, and no other process may share it.
 */
export function privateGroupId(purpose: string): string {
  return `${purpose}.${os.hostname()}.${process.pid}.${Date.now()}.${Math.random().toString(36).slice(2, 8)}`;
}
