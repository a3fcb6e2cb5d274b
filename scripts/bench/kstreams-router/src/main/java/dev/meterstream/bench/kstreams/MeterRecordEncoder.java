package dev.meterstream.bench.kstreams;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.HashMap;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;

/**
 * Encodes MeterRecords (schemas/meter-record.avsc) in the Confluent wire format, with the schema and id
 * registered for the meter topic's value subject (`<topic>-value`). One instance per stream task: not
 * thread-safe.
 */
final class MeterRecordEncoder {
  /** A meter topic's registration: its 5-byte header and a writer of its schema. */
  record TopicSchema(byte[] header, Schema schema, GenericDatumWriter<GenericRecord> writer) {
    static TopicSchema of(SchemaRegistry.Registered registered) {
      byte[] header = new byte[] {0, (byte) (registered.id() >>> 24), (byte) (registered.id() >>> 16), (byte) (registered.id() >>> 8), (byte) registered.id()};
      return new TopicSchema(header, registered.schema(), new GenericDatumWriter<>(registered.schema()));
    }
  }

  private final Map<String, TopicSchema> topics;
  private final Map<Schema, GenericData.Record> records = new HashMap<>();
  private final ByteArrayOutputStream out = new ByteArrayOutputStream(256);
  private BinaryEncoder encoder;

  MeterRecordEncoder(Map<String, TopicSchema> topics) {
    this.topics = topics;
  }

  byte[] encode(String topic, String meterId, GenericRecord event, MeteredValue metered) {
    TopicSchema target = topics.get(topic);
    if (target == null) throw new IllegalStateException("no schema looked up for topic " + topic);
    GenericData.Record record = records.computeIfAbsent(target.schema(), GenericData.Record::new);
    record.put("meter_id", meterId);
    record.put("event_id", event.get("event_id"));
    record.put("customer_id", event.get("customer_id"));
    record.put("timestamp", event.get("timestamp"));
    record.put("value", metered.value());
    record.put("unique_key", metered.uniqueKey());
    record.put("change", null);
    record.put("correction_id", null);
    out.reset();
    out.write(target.header(), 0, 5);
    encoder = EncoderFactory.get().binaryEncoder(out, encoder);
    try {
      target.writer().write(record, encoder);
      encoder.flush();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }
}
