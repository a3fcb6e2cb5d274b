package dev.meterstream.bench.kstreams;

import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.IntPredicate;
import java.util.function.Predicate;

/**
 * A meter's filter compiled into a predicate on an event's metadata, with the rules of
 * services/domain/src/filter/filter-evaluator.ts: {conjunction: and|or, clauses}, clauses all conditions
 * {key, operator, value} or all nested filters; an event lacking the key does not match; equality is
 * numeric when both sides are numbers, else textual; ordering only when both sides are numeric.
 * Filter values are read exactly (JSON numbers as BigDecimal), not as binary floats.
 */
final class MeterFilter {
  private MeterFilter() {}

  /** Compiles a filter of the catalog file; throws IllegalArgumentException naming what is wrong. */
  static Predicate<Map<String, Object>> compile(JsonNode filter) {
    String conjunction = filter.path("conjunction").asText("");
    JsonNode clauses = filter.path("clauses");
    if (!clauses.isArray()) throw new IllegalArgumentException("filter.clauses must be an array");
    List<Predicate<Map<String, Object>>> parts = new ArrayList<>();
    for (JsonNode clause : clauses) parts.add(clause.has("clauses") ? compile(clause) : condition(clause));
    @SuppressWarnings("unchecked")
    Predicate<Map<String, Object>>[] all = parts.toArray(new Predicate[0]);
    switch (conjunction) {
      case "and":
        return metadata -> {
          for (Predicate<Map<String, Object>> part : all) if (!part.test(metadata)) return false;
          return true;
        };
      case "or":
        return metadata -> {
          for (Predicate<Map<String, Object>> part : all) if (part.test(metadata)) return true;
          return false;
        };
      default:
        throw new IllegalArgumentException("unknown filter conjunction \"" + conjunction + "\"");
    }
  }

  private static Predicate<Map<String, Object>> condition(JsonNode condition) {
    String key = condition.path("key").asText(null);
    String operator = condition.path("operator").asText("");
    JsonNode value = condition.path("value");
    if (key == null || !(value.isTextual() || value.isNumber() || value.isBoolean())) {
      throw new IllegalArgumentException("a filter condition needs key, operator and a string, number or boolean value: " + condition);
    }
    BigDecimal want = value.isNumber() ? value.decimalValue() : value.isTextual() ? DecimalText.parse(value.textValue()) : null;
    String wantText = value.isNumber() ? value.decimalValue().stripTrailingZeros().toPlainString() : value.asText();
    Predicate<Object> test = valueTest(operator, want, wantText);
    return metadata -> {
      Object actual = metadata.get(key);
      return actual != null && test.test(actual);
    };
  }

  private static Predicate<Object> valueTest(String operator, BigDecimal want, String wantText) {
    switch (operator) {
      case "equals":
        return actual -> isEqual(actual, want, wantText);
      case "not_equals":
        return actual -> !isEqual(actual, want, wantText);
      case "greater_than":
        return ordering(want, sign -> sign > 0);
      case "greater_than_or_equals":
        return ordering(want, sign -> sign >= 0);
      case "less_than":
        return ordering(want, sign -> sign < 0);
      case "less_than_or_equals":
        return ordering(want, sign -> sign <= 0);
      case "contains":
        return actual -> MetadataValues.text(actual).contains(wantText);
      case "does_not_contain":
        return actual -> !MetadataValues.text(actual).contains(wantText);
      default:
        throw new IllegalArgumentException("unknown filter operator \"" + operator + "\"");
    }
  }

  private static boolean isEqual(Object actual, BigDecimal want, String wantText) {
    if (want != null) {
      BigDecimal number = MetadataValues.numeric(actual);
      if (number != null) return number.compareTo(want) == 0;
    }
    return MetadataValues.text(actual).equals(wantText);
  }

  private static Predicate<Object> ordering(BigDecimal want, IntPredicate accept) {
    if (want == null) return actual -> false;
    return actual -> {
      BigDecimal number = MetadataValues.numeric(actual);
      return number != null && accept.test(number.compareTo(want));
    };
  }
}
