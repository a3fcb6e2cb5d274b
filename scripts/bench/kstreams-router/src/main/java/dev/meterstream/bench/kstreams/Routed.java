package dev.meterstream.bench.kstreams;

import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.streams.processor.TopicNameExtractor;

/** One encoded MeterRecord and the meter topic it goes to; the sink writes `payload` as the value. */
record Routed(String topic, byte[] payload) {
  static final TopicNameExtractor<String, Routed> TOPIC = (key, routed, context) -> routed.topic();

  /** Writes the payload as it is; the peer never reads Routed values back. */
  static Serde<Routed> serde() {
    Serializer<Routed> serializer = (topic, routed) -> routed == null ? null : routed.payload();
    Deserializer<Routed> deserializer = (topic, bytes) -> {
      throw new UnsupportedOperationException("Routed values are only written");
    };
    return Serdes.serdeFrom(serializer, deserializer);
  }
}
