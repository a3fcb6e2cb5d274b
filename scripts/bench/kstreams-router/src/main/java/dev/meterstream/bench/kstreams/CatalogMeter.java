package dev.meterstream.bench.kstreams;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;

/**
 * One meter of a Meterstream catalog file (the file bench-router writes, the format of
 * scripts/demo-catalog.json): its id, event name, aggregation and compiled filter.
 */
record CatalogMeter(String id, String eventName, String aggregation, String key, Predicate<Map<String, Object>> filter) {
  private static final Set<String> AGGREGATIONS = Set.of("count", "sum", "max", "last", "unique_count");

  /** The active (not archived) meters of a catalog file; throws naming the meter and what is wrong. */
  static List<CatalogMeter> load(Path file) throws IOException {
    ObjectMapper json = new ObjectMapper().enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);
    JsonNode root = json.readTree(file.toFile());
    List<CatalogMeter> meters = new ArrayList<>();
    for (JsonNode m : root.path("meters")) {
      if (m.path("archived").asBoolean(false)) continue;
      String id = m.path("id").asText(null);
      try {
        String eventName = required(m, "event_name");
        String aggregation = required(m.path("aggregation"), "type");
        if (!AGGREGATIONS.contains(aggregation)) throw new IllegalArgumentException("unknown aggregation " + aggregation);
        String key = m.path("aggregation").path("key").asText(null);
        if (!aggregation.equals("count") && key == null) throw new IllegalArgumentException(aggregation + " needs aggregation.key");
        JsonNode filter = m.path("filter");
        Predicate<Map<String, Object>> test = filter.isObject() ? MeterFilter.compile(filter) : metadata -> true;
        meters.add(new CatalogMeter(required(m, "id"), eventName, aggregation, key, test));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("catalog file " + file + ", meter " + id + ": " + e.getMessage(), e);
      }
    }
    return meters;
  }

  private static String required(JsonNode node, String field) {
    JsonNode value = node.path(field);
    if (!value.isTextual() || value.textValue().isEmpty()) throw new IllegalArgumentException(field + " is missing");
    return value.textValue();
  }
}
