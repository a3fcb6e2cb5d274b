package dev.meterstream.bench.kstreams;

import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;

/**
 * The peer's routing step, one instance per stream task: decodes an event, finds the meters whose event
 * name matches and whose filter passes, and forwards one encoded MeterRecord per meter that can use the
 * event, keyed by customer id, to that meter's topic. Unlike Meterstream's router it keeps no
 * deduplication window, writes no DLQ and handles no corrections or backfills: undecodable events and
 * meter/event pairs without a usable value are counted and skipped.
 */
final class RouteProcessor implements Processor<byte[], byte[], String, Routed> {
  /** Counters over all tasks, for the final report (records forwarded include those of aborted transactions). */
  record Counters(LongAdder events, LongAdder records, LongAdder undecodable, LongAdder unusable) {
    Counters() {
      this(new LongAdder(), new LongAdder(), new LongAdder(), new LongAdder());
    }
  }

  private final Map<String, List<CatalogMeter>> metersByEventName;
  private final Map<String, String> topicByMeter;
  private final EventDecoder decoder;
  private final MeterRecordEncoder encoder;
  private final Counters counters;
  private ProcessorContext<String, Routed> context;

  RouteProcessor(
      Map<String, List<CatalogMeter>> metersByEventName,
      Map<String, String> topicByMeter,
      Schema eventSchema,
      SchemaRegistry registry,
      Map<String, MeterRecordEncoder.TopicSchema> topicSchemas,
      Counters counters) {
    this.metersByEventName = metersByEventName;
    this.topicByMeter = topicByMeter;
    this.decoder = new EventDecoder(eventSchema, registry);
    this.encoder = new MeterRecordEncoder(topicSchemas);
    this.counters = counters;
  }

  @Override
  public void init(ProcessorContext<String, Routed> context) {
    this.context = context;
  }

  @Override
  public void process(Record<byte[], byte[]> record) {
    counters.events().increment();
    GenericRecord event;
    try {
      event = decoder.decode(record.value());
    } catch (EventDecoder.Undecodable e) {
      counters.undecodable().increment();
      return;
    }
    List<CatalogMeter> candidates = metersByEventName.get((String) event.get("event_name"));
    if (candidates == null) return;
    @SuppressWarnings("unchecked") // the schema's metadata is a map with string keys (EventDecoder.withJavaStrings)
    Map<String, Object> metadata = (Map<String, Object>) event.get("metadata");
    String customerId = (String) event.get("customer_id");
    for (CatalogMeter meter : candidates) {
      if (!meter.filter().test(metadata)) continue;
      MeteredValue metered = MeteredValue.of(meter, metadata);
      if (metered == null) {
        counters.unusable().increment();
        continue;
      }
      String topic = topicByMeter.get(meter.id());
      byte[] payload = encoder.encode(topic, meter.id(), event, metered);
      context.forward(new Record<>(customerId, new Routed(topic, payload), record.timestamp()));
      counters.records().increment();
    }
  }
}
