package dev.meterstream.bench.kstreams;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.math.BigDecimal;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** The cases of services/domain/src/decimal-text.test.ts, against the Java port. */
class DecimalTextTest {
  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
    "150|150", "1.50|1.5", "007|7", ".5|0.5", "5.|5", "-0|0", "-0.000|0", "+3|3", "1e3|1000", "1.5e2|150", "2.5e-1|0.25",
    "-1234.5e-3|-1.2345", "0.000001e-6|0.000000000001", "12345678901234567890.5|12345678901234567890.5",
    "1.50000000000000000000|1.5", "0e999999999999999999999|0", "' 150 '|150", "1e25|10000000000000000000000000",
    "1e-12|0.000000000001", "99999999999999999999999999.999999999999|99999999999999999999999999.999999999999",
  })
  void readsACanonicalPlainDecimal(String input, String expected) {
    assertEquals(expected, DecimalText.metered(input));
  }

  @ParameterizedTest
  @ValueSource(strings = {"", " ", "-", ".", "e3", "1e", "0x10", "Infinity", "NaN", "1,5", "12abc", "1 000", "--1", "1.2.3", "١٢"})
  void refusesWhatIsNoDecimal(String input) {
    assertNull(DecimalText.metered(input));
    assertNull(DecimalText.parse(input));
  }

  @ParameterizedTest
  @ValueSource(strings = {"100000000000000000000000000", "0.0000000000001", "1e26", "1e-13", "1e999999999", "1e-999999999", "9e99999999999999999999999"})
  void refusesValuesOutOfRange(String input) {
    assertNull(DecimalText.metered(input));
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {"' 150 '|150", "1e3|1000", "-4.99|-4.99", "007|7"})
  void parsesNumbersForFilters(String input, String expected) {
    assertEquals(0, new BigDecimal(expected).compareTo(DecimalText.parse(input)));
  }
}
