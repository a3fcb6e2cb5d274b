package dev.meterstream.bench.kstreams;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/** The peer's command line, read once and checked; a missing or bad option fails naming it. */
record PeerOptions(
    String bootstrapServers,
    String registryUrl,
    String applicationId,
    String inputTopic,
    String outputTopicPrefix,
    Path catalogFile,
    Path eventSchema,
    Path stateDir,
    int threads,
    long commitIntervalMs) {

  static final String USAGE = String.join("\n",
      "usage: java -jar kstreams-router.jar --bootstrap-servers HOST:PORT --schema-registry-url URL",
      "         --application-id ID --input-topic TOPIC --output-topic-prefix PREFIX --catalog-file FILE",
      "         --event-schema schemas/usage-event.avsc --state-dir DIR [--threads 1] [--commit-interval-ms 100]",
      "",
      "Routes the Meterstream events of TOPIC to PREFIX<meter_id> for every meter of FILE (Kafka Streams,",
      "exactly_once_v2). Protocol on stdout, one JSON object a line: {\"type\":\"starting\",...} just before",
      "KafkaStreams.start(), {\"type\":\"running\",...} on the first RUNNING state; a line \"report\" on stdin prints",
      "{\"type\":\"report\",...} (CPU, memory, counters), then the app closes and exits; end of stdin closes it too.");

  static PeerOptions parse(String[] args) {
    Map<String, String> values = new HashMap<>();
    for (int i = 0; i < args.length; i++) {
      String name = args[i];
      if (!name.startsWith("--") || i + 1 >= args.length) throw new IllegalArgumentException("expected --name value pairs, got \"" + name + "\"");
      values.put(name.substring(2), args[++i]);
    }
    PeerOptions options = new PeerOptions(
        required(values, "bootstrap-servers"),
        required(values, "schema-registry-url"),
        required(values, "application-id"),
        required(values, "input-topic"),
        required(values, "output-topic-prefix"),
        Path.of(required(values, "catalog-file")),
        Path.of(required(values, "event-schema")),
        Path.of(required(values, "state-dir")),
        positive(optional(values, "threads", "1"), "threads"),
        positive(optional(values, "commit-interval-ms", "100"), "commit-interval-ms"));
    if (!values.isEmpty()) throw new IllegalArgumentException("unknown option --" + values.keySet().iterator().next());
    return options;
  }

  private static String required(Map<String, String> values, String name) {
    String value = values.remove(name);
    if (value == null || value.isBlank()) throw new IllegalArgumentException("--" + name + " is required");
    return value;
  }

  private static String optional(Map<String, String> values, String name, String fallback) {
    String value = values.remove(name);
    return value == null ? fallback : value;
  }

  private static int positive(String text, String name) {
    try {
      int value = Integer.parseInt(text);
      if (value >= 1) return value;
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new IllegalArgumentException("--" + name + " expects a positive whole number, got \"" + text + "\"");
  }
}
