package dev.meterstream.bench.kstreams;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Predicate;
import java.util.stream.Stream;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.generic.GenericData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Cases of services/domain/src/filter/filter-evaluator.test.ts, against the Java port. */
class MeterFilterTest {
  private static final ObjectMapper JSON = new ObjectMapper().enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);
  private static final Schema DECIMAL_NUMBER = SchemaBuilder.record("DecimalNumber").namespace("dev.meterstream").fields().requiredString("decimal").endRecord();

  static GenericData.Record dec(String text) {
    GenericData.Record record = new GenericData.Record(DECIMAL_NUMBER);
    record.put("decimal", text);
    return record;
  }

  static Predicate<Map<String, Object>> filter(String json) {
    try {
      return MeterFilter.compile(JSON.readTree(json));
    } catch (java.io.IOException e) {
      throw new IllegalArgumentException(e);
    }
  }

  /** A one-condition filter on metadata.x; `value` is JSON text ("150", "\"GET\"", "true"). */
  static boolean check(Object actual, String operator, String value) {
    Map<String, Object> metadata = new HashMap<>();
    if (actual != null) metadata.put("x", actual);
    return filter("{\"conjunction\":\"and\",\"clauses\":[{\"key\":\"x\",\"operator\":\"" + operator + "\",\"value\":" + value + "}]}").test(metadata);
  }

  static Stream<Arguments> equalities() {
    return Stream.of(
        Arguments.of("GET", "\"GET\"", true),
        Arguments.of("GET", "\"get\"", false),
        Arguments.of("150", "150", true),
        Arguments.of("150.0", "150", true),
        Arguments.of(" 150 ", "\"150\"", true),
        Arguments.of("1e2", "100", true),
        Arguments.of("007", "7", true),
        Arguments.of(dec("150.00"), "\"150\"", true),
        Arguments.of(dec("0.1"), "0.1", true),
        Arguments.of(dec("12.5"), "12.4", false),
        Arguments.of("150", "\"151\"", false),
        Arguments.of("abc", "150", false),
        Arguments.of(true, "true", true),
        Arguments.of(true, "\"true\"", true),
        Arguments.of("true", "true", true),
        Arguments.of(false, "\"false\"", true),
        Arguments.of(true, "false", false),
        Arguments.of(true, "\"TRUE\"", false),
        Arguments.of(true, "1", false),
        Arguments.of(dec("1"), "true", false),
        Arguments.of("", "\"\"", true),
        Arguments.of(150L, "\"150.0\"", true),
        Arguments.of(dec("0.30000000000000000001"), "0.3", false),
        Arguments.of("9007199254740993", "\"9007199254740992\"", false));
  }

  @ParameterizedTest
  @MethodSource("equalities")
  void equalsAndNotEquals(Object actual, String value, boolean expected) {
    assertEquals(expected, check(actual, "equals", value));
    assertEquals(!expected, check(actual, "not_equals", value));
  }

  static Stream<Arguments> orderings() {
    // actual, value, [greater_than, greater_than_or_equals, less_than, less_than_or_equals]
    return Stream.of(
        Arguments.of("150", "100", new boolean[] {true, true, false, false}),
        Arguments.of("150", "\"1000\"", new boolean[] {false, false, true, true}),
        Arguments.of(dec("100.0"), "100", new boolean[] {false, true, false, true}),
        Arguments.of(" -5 ", "\"-4.99\"", new boolean[] {false, false, true, true}),
        Arguments.of(dec("0.30000000000000000001"), "0.3", new boolean[] {true, true, false, false}),
        Arguments.of("1e3", "999", new boolean[] {true, true, false, false}),
        Arguments.of(2001L, "2000", new boolean[] {true, true, false, false}),
        Arguments.of("abc", "100", new boolean[] {false, false, false, false}),
        Arguments.of("b", "\"a\"", new boolean[] {false, false, false, false}),
        Arguments.of(true, "0", new boolean[] {false, false, false, false}),
        Arguments.of(dec("5"), "true", new boolean[] {false, false, false, false}),
        Arguments.of("", "0", new boolean[] {false, false, false, false}));
  }

  @ParameterizedTest
  @MethodSource("orderings")
  void orderingOperators(Object actual, String value, boolean[] expected) {
    String[] operators = {"greater_than", "greater_than_or_equals", "less_than", "less_than_or_equals"};
    for (int i = 0; i < operators.length; i++) assertEquals(expected[i], check(actual, operators[i], value), operators[i]);
  }

  static Stream<Arguments> containments() {
    return Stream.of(
        Arguments.of("api.v2.upload", "\"v2\"", true),
        Arguments.of("api.v2.upload", "\"V2\"", false),
        Arguments.of(dec("12.5"), "2.5", true),
        Arguments.of(dec("12.50"), "\"2.50\"", true),
        Arguments.of(dec("12.5"), "\"12.50\"", false),
        Arguments.of("150", "15", true),
        Arguments.of("1000000000000000000000", "1e21", true),
        Arguments.of(true, "\"ru\"", true),
        Arguments.of(false, "true", false),
        Arguments.of("abc", "\"\"", true));
  }

  @ParameterizedTest
  @MethodSource("containments")
  void containsAndDoesNotContain(Object actual, String value, boolean expected) {
    assertEquals(expected, check(actual, "contains", value));
    assertEquals(!expected, check(actual, "does_not_contain", value));
  }

  @Test
  void anEventWithoutTheKeyMatchesNoOperator() {
    for (String operator : new String[] {"equals", "not_equals", "greater_than", "greater_than_or_equals", "less_than", "less_than_or_equals", "contains", "does_not_contain"}) {
      assertFalse(check(null, operator, operator.contains("than") ? "1" : "\"anything\""), operator);
    }
  }

  @Test
  void combinesConjunctionsAndNestedFilters() {
    String gets = "{\"key\":\"method\",\"operator\":\"equals\",\"value\":\"GET\"}";
    String heads = "{\"key\":\"method\",\"operator\":\"equals\",\"value\":\"HEAD\"}";
    String big = "{\"key\":\"bytes\",\"operator\":\"greater_than\",\"value\":1000}";
    Map<String, Object> event = Map.of("method", "GET", "bytes", dec("10"));
    assertFalse(filter("{\"conjunction\":\"and\",\"clauses\":[" + gets + "," + big + "]}").test(event));
    assertTrue(filter("{\"conjunction\":\"or\",\"clauses\":[" + gets + "," + big + "]}").test(event));
    Predicate<Map<String, Object>> nested = filter(
        "{\"conjunction\":\"and\",\"clauses\":[{\"conjunction\":\"or\",\"clauses\":[" + gets + "," + heads + "]},{\"conjunction\":\"and\",\"clauses\":[" + big + "]}]}");
    assertTrue(nested.test(Map.of("method", "HEAD", "bytes", "2000")));
    assertFalse(nested.test(Map.of("method", "POST", "bytes", "2000")));
    assertFalse(nested.test(Map.of("method", "GET", "bytes", "999")));
  }
}
