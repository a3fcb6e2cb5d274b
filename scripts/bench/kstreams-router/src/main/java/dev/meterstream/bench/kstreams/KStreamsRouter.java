package dev.meterstream.bench.kstreams;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;
import org.apache.avro.Schema;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.RemoveMembersFromConsumerGroupOptions;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Produced;

/**
 * bench-router's peer (scripts/bench/src/kstreams-peer.ts starts it): a Kafka Streams application with
 * processing.guarantee=exactly_once_v2 that does the meter-router's routing on the same events topic and
 * writes to meter topics of its own. Stateless: events topic → RouteProcessor → one sink that picks each
 * record's meter topic; no repartition, no state store.
 */
public final class KStreamsRouter {
  private static final ObjectMapper JSON = new ObjectMapper();

  private KStreamsRouter() {}

  public static void main(String[] args) throws Exception {
    // Kafka's INFO logging goes to stderr otherwise (slf4j-simple); the parent shows stderr as it comes.
    if (System.getProperty("org.slf4j.simpleLogger.defaultLogLevel") == null) System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
    PeerOptions options;
    try {
      options = PeerOptions.parse(args);
    } catch (IllegalArgumentException e) {
      System.err.println("kstreams-router: " + e.getMessage() + "\n\n" + PeerOptions.USAGE);
      System.exit(2);
      return;
    }
    List<CatalogMeter> meters = CatalogMeter.load(options.catalogFile());
    Schema eventSchema = EventDecoder.withJavaStrings(new Schema.Parser().parse(Files.readString(options.eventSchema())));
    SchemaRegistry registry = new SchemaRegistry(options.registryUrl());
    Map<String, String> topicByMeter = new HashMap<>();
    Map<String, MeterRecordEncoder.TopicSchema> topicSchemas = new HashMap<>();
    for (CatalogMeter meter : meters) {
      String topic = options.outputTopicPrefix() + meter.id();
      topicByMeter.put(meter.id(), topic);
      topicSchemas.put(topic, MeterRecordEncoder.TopicSchema.of(registry.latest(topic + "-value")));
    }
    Map<String, List<CatalogMeter>> byEventName = meters.stream().collect(Collectors.groupingBy(CatalogMeter::eventName));
    RouteProcessor.Counters counters = new RouteProcessor.Counters();

    StreamsBuilder builder = new StreamsBuilder();
    builder.stream(options.inputTopic(), Consumed.with(Serdes.ByteArray(), Serdes.ByteArray()))
        .process(() -> new RouteProcessor(byEventName, topicByMeter, eventSchema, registry, topicSchemas, counters))
        .to(Routed.TOPIC, Produced.with(Serdes.String(), Routed.serde()));
    Topology topology = builder.build();

    KafkaStreams streams = new KafkaStreams(topology, streamsProperties(options));
    AtomicBoolean running = new AtomicBoolean();
    streams.setStateListener((now, before) -> {
      if (now == KafkaStreams.State.RUNNING && running.compareAndSet(false, true)) emit(Map.of("type", "running", "at", System.currentTimeMillis()));
      if (now == KafkaStreams.State.ERROR) {
        emit(Map.of("type", "error", "message", "Kafka Streams entered state ERROR"));
        // Not from the listener's thread: close() waits for the stream threads.
        new Thread(() -> System.exit(1), "exit-on-error").start();
      }
    });
    streams.setUncaughtExceptionHandler(error -> {
      emit(Map.of("type", "error", "message", describe(error)));
      return StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
    });
    Runtime.getRuntime().addShutdownHook(new Thread(() -> streams.close(Duration.ofSeconds(10)), "close-streams"));

    long cpuBefore = processCpuNanos();
    long startAt = System.currentTimeMillis();
    emit(Map.of("type", "starting", "at", startAt, "rssBefore", procStatusBytes("VmRSS"), "meters", meters.size()));
    streams.start();

    BufferedReader stdin = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    for (String line; (line = stdin.readLine()) != null; ) {
      if (!line.trim().equals("report")) continue;
      Runtime runtime = Runtime.getRuntime();
      Map<String, Object> report = new LinkedHashMap<>();
      report.put("type", "report");
      report.put("startAt", startAt);
      report.put("cpuMs", (processCpuNanos() - cpuBefore) / 1_000_000);
      report.put("rss", procStatusBytes("VmRSS"));
      report.put("maxRss", procStatusBytes("VmHWM"));
      report.put("heapUsed", runtime.totalMemory() - runtime.freeMemory());
      report.put("heapTotal", runtime.totalMemory());
      report.put("events", counters.events().sum());
      report.put("records", counters.records().sum());
      report.put("undecodable", counters.undecodable().sum());
      report.put("unusable", counters.unusable().sum());
      report.put("threads", options.threads());
      emit(report);
      break;
    }
    streams.close(Duration.ofSeconds(30));
    leaveGroup(options);
    System.exit(0);
  }

  /**
   * Removes the app's members from its consumer group. Kafka Streams' consumers do not leave the group on
   * close (a restarted instance then gets its tasks back without a rebalance); their membership would last
   * until the session timeout, and the benchmark could not delete the group before that.
   */
  private static void leaveGroup(PeerOptions options) {
    try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, options.bootstrapServers()))) {
      admin.removeMembersFromConsumerGroup(options.applicationId(), new RemoveMembersFromConsumerGroupOptions()).all().get(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      System.err.println("kstreams-router: could not remove the members of group " + options.applicationId() + ": " + e);
    }
  }

  static Properties streamsProperties(PeerOptions options) {
    Properties props = new Properties();
    props.put(StreamsConfig.APPLICATION_ID_CONFIG, options.applicationId());
    props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, options.bootstrapServers());
    props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
    // The Java default under exactly-once, named so that a changed default cannot change the benchmark.
    props.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, options.commitIntervalMs());
    props.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, options.threads());
    props.put(StreamsConfig.STATE_DIR_CONFIG, options.stateDir().toString());
    props.put(StreamsConfig.consumerPrefix(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG), "earliest");
    return props;
  }

  /** The innermost cause and where it was thrown: Kafka Streams wraps a processor's exception in long advice. */
  private static String describe(Throwable error) {
    Throwable root = error;
    while (root.getCause() != null && root.getCause() != root) root = root.getCause();
    StackTraceElement[] trace = root.getStackTrace();
    return root + (trace.length > 0 ? " at " + trace[0] : "") + (root == error ? "" : " (in " + error.getClass().getSimpleName() + ")");
  }

  private static synchronized void emit(Map<String, Object> message) {
    try {
      System.out.println(JSON.writeValueAsString(message));
      System.out.flush();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  private static long processCpuNanos() {
    return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
  }

  /** A size line of /proc/self/status (VmRSS, VmHWM) in bytes; -1 where there is none (not Linux). */
  private static long procStatusBytes(String field) {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith(field + ":")) return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
      }
    } catch (IOException | NumberFormatException e) {
      // not available
    }
    return -1;
  }
}
