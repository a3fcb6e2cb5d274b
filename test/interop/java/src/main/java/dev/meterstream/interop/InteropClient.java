package dev.meterstream.interop;

import io.apicurio.registry.serde.avro.AvroKafkaDeserializer;
import io.apicurio.registry.serde.avro.AvroKafkaSerializer;
import java.io.BufferedReader;
import java.io.File;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.generic.GenericRecordBuilder;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * A Kafka client that knows Meterstream only from docs/kafka.md and schemas/*.avsc: Apache Kafka's Java
 * client with its default partitioner, and Apicurio Registry's Avro SerDe with the settings docs/kafka.md
 * gives (schema id = content id, the 4-byte Confluent wire format, no auto-registration).
 *
 * <pre>
 *   produce BOOTSTRAP REGISTRY_V3_URL TOPIC SCHEMA_FILE   &lt; events (one per line, tab-separated:
 *       event_id, customer_id, event_name, timestamp in epoch ms, then key=TYPE:value metadata entries,
 *       TYPE L (Long), S (String), D (DecimalNumber record), B (Boolean))
 *   consume BOOTSTRAP REGISTRY_V3_URL TOPIC GROUP COUNT TIMEOUT_MS   → one invoice per line (Avro JSON)
 * </pre>
 */
public final class InteropClient {
  public static void main(String[] args) throws Exception {
    switch (args[0]) {
      case "produce" -> produce(args[1], args[2], args[3], new File(args[4]));
      case "consume" -> consume(args[1], args[2], args[3], args[4], Integer.parseInt(args[5]), Long.parseLong(args[6]));
      default -> throw new IllegalArgumentException("produce | consume");
    }
  }

  /** The Apicurio SerDe settings of docs/kafka.md (Apicurio Registry 3.x SerDe). */
  static Map<String, Object> serdeSettings(String registryUrl) {
    Map<String, Object> settings = new HashMap<>();
    settings.put("apicurio.registry.url", registryUrl);
    settings.put("apicurio.registry.use-id", "contentId");
    settings.put("apicurio.registry.auto-register", "false");
    settings.put("apicurio.registry.find-latest", "true");
    return settings;
  }

  static void produce(String bootstrap, String registryUrl, String topic, File schemaFile) throws Exception {
    Schema schema = new Schema.Parser().parse(schemaFile);
    Schema decimalSchema = schema.getField("metadata").schema().getValueType().getTypes().stream()
        .filter(s -> s.getType() == Schema.Type.RECORD).findFirst().orElseThrow();
    Properties props = new Properties();
    props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    props.put(ProducerConfig.ACKS_CONFIG, "all");
    props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
    props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
    props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, AvroKafkaSerializer.class.getName());
    props.putAll(serdeSettings(registryUrl));
    int sent = 0;
    try (KafkaProducer<String, GenericRecord> producer = new KafkaProducer<>(props);
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))) {
      for (String line = in.readLine(); line != null; line = in.readLine()) {
        if (line.isBlank()) continue;
        String[] f = line.split("\t");
        Map<String, Object> metadata = new HashMap<>();
        for (int i = 4; i < f.length; i++) {
          int eq = f[i].indexOf('=');
          String key = f[i].substring(0, eq);
          String type = f[i].substring(eq + 1, eq + 2);
          String value = f[i].substring(eq + 3);
          metadata.put(key, switch (type) {
            case "L" -> Long.valueOf(value);
            case "S" -> value;
            case "B" -> Boolean.valueOf(value);
            case "D" -> new GenericRecordBuilder(decimalSchema).set("decimal", value).build();
            default -> throw new IllegalArgumentException("metadata type " + type);
          });
        }
        // ingested_at is left out: the pipeline fills it from the Kafka record time.
        GenericRecord event = new GenericRecordBuilder(schema)
            .set("event_id", f[0]).set("customer_id", f[1]).set("event_name", f[2])
            .set("timestamp", Long.parseLong(f[3])).set("metadata", metadata).build();
        // Keyed by customer id: the default partitioner (murmur2) puts it where the gateway would.
        producer.send(new ProducerRecord<>(topic, f[1], event)).get();
        sent++;
      }
      producer.flush();
    }
    System.out.println("produced " + sent);
  }

  static void consume(String bootstrap, String registryUrl, String topic, String group, int count, long timeoutMs) {
    Properties props = new Properties();
    props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    props.put(ConsumerConfig.GROUP_ID_CONFIG, group);
    props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
    props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, AvroKafkaDeserializer.class.getName());
    props.putAll(serdeSettings(registryUrl));
    int seen = 0;
    long deadline = System.currentTimeMillis() + timeoutMs;
    try (KafkaConsumer<String, GenericRecord> consumer = new KafkaConsumer<>(props)) {
      consumer.subscribe(List.of(topic));
      while (seen < count && System.currentTimeMillis() < deadline) {
        for (ConsumerRecord<String, GenericRecord> record : consumer.poll(Duration.ofMillis(500))) {
          // GenericData's toString is the record as JSON (every amount in an invoice is a string).
          System.out.println(GenericData.get().toString(record.value()));
          seen++;
        }
      }
    }
    if (seen < count) {
      System.err.println("consumed " + seen + " of " + count + " invoices before the timeout");
      System.exit(3);
    }
  }
}
