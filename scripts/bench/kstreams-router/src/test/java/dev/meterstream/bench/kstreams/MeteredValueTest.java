package dev.meterstream.bench.kstreams;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** The rules of services/domain/src/routing/record-extractor.ts, against the Java port. */
class MeteredValueTest {
  static CatalogMeter meter(String type, String key) {
    return new CatalogMeter("m_" + type, "api.call", type, key, metadata -> true);
  }

  @Test
  void countNeedsNothing() {
    assertEquals(new MeteredValue(null, null), MeteredValue.of(meter("count", null), Map.of()));
    assertEquals(new MeteredValue(null, null), MeteredValue.of(meter("count", "bytes"), Map.of("bytes", "abc")));
  }

  @Test
  void sumMaxAndLastTakeTheCanonicalDecimal() {
    for (String type : new String[] {"sum", "max", "last"}) {
      CatalogMeter m = meter(type, "bytes");
      assertEquals(new MeteredValue("150", null), MeteredValue.of(m, Map.of("bytes", "150")));
      assertEquals(new MeteredValue("1.5", null), MeteredValue.of(m, Map.of("bytes", MeterFilterTest.dec("1.50"))));
      assertEquals(new MeteredValue("9007199254740993", null), MeteredValue.of(m, Map.of("bytes", 9007199254740993L)));
      assertEquals(new MeteredValue("1500", null), MeteredValue.of(m, Map.of("bytes", " 1.5e3 ")));
      assertNull(MeteredValue.of(m, Map.of()), "missing key");
      assertNull(MeteredValue.of(m, Map.of("bytes", "12abc")), "not numeric");
      assertNull(MeteredValue.of(m, Map.of("bytes", true)), "boolean");
      assertNull(MeteredValue.of(m, Map.of("bytes", "1e26")), "out of range");
    }
  }

  @Test
  void uniqueCountTakesTheValueAsText() {
    CatalogMeter m = meter("unique_count", "user");
    assertEquals(new MeteredValue(null, "u1"), MeteredValue.of(m, Map.of("user", "u1")));
    assertEquals(new MeteredValue(null, "7"), MeteredValue.of(m, Map.of("user", 7L)));
    assertEquals(new MeteredValue(null, "true"), MeteredValue.of(m, Map.of("user", true)));
    assertEquals(new MeteredValue(null, "1.50"), MeteredValue.of(m, Map.of("user", MeterFilterTest.dec("1.50"))));
    assertNull(MeteredValue.of(m, Map.of()));
  }
}
