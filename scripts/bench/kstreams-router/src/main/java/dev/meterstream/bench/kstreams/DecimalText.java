package dev.meterstream.bench.kstreams;

import java.math.BigDecimal;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Meterstream's grammar and range of decimal numbers in metadata (services/domain/src/decimal-text.ts,
 * docs/numbers.md), in Java: what a filter treats as numeric, and what a sum, max or last meter reads.
 */
final class DecimalText {
  /** sign, digits [ "." [digits] ] or "." digits, optional exponent; ASCII digits only. */
  private static final Pattern GRAMMAR = Pattern.compile("([-+]?)(?:(\\d+)(?:\\.(\\d*))?|\\.(\\d+))(?:[eE]([-+]?\\d+))?");
  static final int MAX_INTEGER_DIGITS = 26;
  static final int MAX_FRACTION_DIGITS = 12;

  private DecimalText() {}

  /** The exact number `text` (surrounding whitespace ignored) stands for, or null when it is no decimal. No range. */
  static BigDecimal parse(String text) {
    String trimmed = text.strip();
    if (!GRAMMAR.matcher(trimmed).matches()) return null;
    try {
      return new BigDecimal(trimmed);
    } catch (NumberFormatException e) {
      return null; // an exponent beyond int: not a number this reader can hold
    }
  }

  /**
   * A metered value: the plain, canonical decimal text of `text` ("1.50" gives "1.5", "1.5e3" gives "1500",
   * "-0" gives "0"), or null when it is no decimal or outside the range (26 integer and 12 fraction digits).
   */
  static String metered(String text) {
    String trimmed = text.strip();
    Matcher m = GRAMMAR.matcher(trimmed);
    if (!m.matches()) return null;
    String exponent = m.group(5);
    // As the TypeScript reader: an exponent longer than 15 digits is out of range for any non-zero value.
    if (exponent != null && exponent.replaceFirst("^[-+]?0*", "").length() > 15) return isZero(m) ? "0" : null;
    BigDecimal value;
    try {
      value = new BigDecimal(trimmed);
    } catch (NumberFormatException e) {
      return isZero(m) ? "0" : null;
    }
    if (value.signum() == 0) return "0";
    BigDecimal plain = value.stripTrailingZeros();
    long integerDigits = Math.max((long) plain.precision() - plain.scale(), 0);
    long fractionDigits = Math.max(plain.scale(), 0);
    if (integerDigits > MAX_INTEGER_DIGITS || fractionDigits > MAX_FRACTION_DIGITS) return null;
    return plain.toPlainString();
  }

  private static boolean isZero(Matcher m) {
    String digits = (m.group(2) == null ? "" : m.group(2)) + (m.group(3) != null ? m.group(3) : m.group(4) != null ? m.group(4) : "");
    return digits.chars().allMatch(c -> c == '0');
  }
}
