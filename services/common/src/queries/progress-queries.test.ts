import { eventsProgressQuery, sinkProgressQuery, usageProgressQuery } from './progress-queries';

describe('progress queries', () => {
  // The SELECT and GROUP BY must stay those of the source_progress projections (infra/clickhouse/006).
  it('reads the usage sink resume position from the end offsets stored with the usage rows', () => {
    expect(usageProgressQuery("meter.x'")).toEqual({
      query: `SELECT source_partition AS partition, toString(max(source_end_offset)) AS next_offset
FROM meter_usage WHERE source_topic = {topic:String} GROUP BY source_partition`,
      params: { topic: "meter.x'" },
    });
  });

  it('reads the raw event sink resume position as one past the greatest stored offset', () => {
    expect(eventsProgressQuery('events')).toEqual({
      query: `SELECT source_partition AS partition, toString(max(source_offset) + 1) AS next_offset
FROM events WHERE source_topic = {topic:String} GROUP BY source_partition`,
      params: { topic: 'events' },
    });
  });

  it('binds the sink and the topics of the reported durable offsets', () => {
    const topics = ['meter.a', "meter.b'"];
    const built = sinkProgressQuery('usage', topics);
    expect(built).toEqual({
      query: `SELECT topic, partition, toString(max(durable_offset)) AS durable FROM sink_progress
WHERE sink = {sink:String} AND topic IN {topics:Array(String)} GROUP BY topic, partition`,
      params: { sink: 'usage', topics: ['meter.a', "meter.b'"] },
    });
    expect(built.params.topics).not.toBe(topics);
  });
});
