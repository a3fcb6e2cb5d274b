import { partitionTransactionalId, pipelineNames, privateGroupId, SINK_NAMES } from './names';

describe('pipelineNames', () => {
  // A renamed group starts from no committed offsets, a renamed transactional id no longer fences the old
  // producer: these names are part of a running deployment's state and must not drift.
  it('keeps the names deployments already use', () => {
    const names = pipelineNames('acme.');
    expect(names.routerGroup).toBe('acme.meter-router');
    expect(names.routerTransactionalId('acme.events', 3)).toBe('acme.meter-router.acme.events.3');
    expect(names.aggregatorGroup).toBe('acme.aggregator');
    expect(names.rawEventSinkGroup).toBe('acme.raw-event-sink');
    expect(names.billingTransactionalId).toBe('acme.billing');
    expect(SINK_NAMES).toEqual({ usage: 'usage', rawEvents: 'raw-events' });
  });

  it('derives a per-partition transactional id from the group, the topic and the partition', () => {
    expect(partitionTransactionalId('g', 't', 0)).toBe('g.t.0');
  });

  it('gives every one-off reader a group of its own', () => {
    expect(privateGroupId('x.restore.1')).toMatch(/^x\.restore\.1\./);
    expect(privateGroupId('x')).not.toBe(privateGroupId('x'));
  });
});
