package dev.meterstream.bench.kstreams;

import java.util.Map;

/**
 * What one meter takes from one matching event, with the rules of
 * services/domain/src/routing/record-extractor.ts: count needs nothing; sum, max and last need a decimal in
 * range at the meter's key (its canonical text is the record's value); unique_count needs the key present
 * (its text is the record's unique_key). `of` answers null when the meter cannot use the event: the router
 * dead-letters such a pair, the peer skips it and counts it.
 */
record MeteredValue(String value, String uniqueKey) {
  private static final MeteredValue NOTHING = new MeteredValue(null, null);

  static MeteredValue of(CatalogMeter meter, Map<String, Object> metadata) {
    if (meter.aggregation().equals("count")) return NOTHING;
    Object raw = metadata.get(meter.key());
    if (raw == null) return null;
    if (meter.aggregation().equals("unique_count")) return new MeteredValue(null, MetadataValues.text(raw));
    if (raw instanceof Boolean) return null;
    String value = DecimalText.metered(MetadataValues.text(raw));
    return value == null ? null : new MeteredValue(value, null);
  }
}
