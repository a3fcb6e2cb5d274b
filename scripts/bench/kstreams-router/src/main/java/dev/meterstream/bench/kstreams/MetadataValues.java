package dev.meterstream.bench.kstreams;

import java.math.BigDecimal;
import org.apache.avro.generic.GenericRecord;

/**
 * Reading one metadata value of a decoded UsageEvent. The Avro union holds a Boolean, a String, a
 * DecimalNumber record ({decimal: String}) or a Long (services/domain/src/model/usage-event.ts).
 */
final class MetadataValues {
  private MetadataValues() {}

  /** The value as plain text, for equality, substrings and unique keys: "150", "true", "GET". */
  static String text(Object value) {
    if (value instanceof GenericRecord decimal) return decimal.get(0).toString();
    return value.toString();
  }

  /** The exact number the value stands for, or null (booleans and non-numeric text are not numbers). */
  static BigDecimal numeric(Object value) {
    if (value instanceof Long l) return BigDecimal.valueOf(l);
    if (value instanceof Boolean) return null;
    return DecimalText.parse(text(value));
  }
}
