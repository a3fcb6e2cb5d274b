/**
 * Text that is valid Unicode: no unpaired UTF-16 surrogate. Ids, metadata keys and metadata values
 * travel as UTF-8 (Avro, Kafka keys, ClickHouse), where an unpaired surrogate has no encoding: the
 * encoder replaces it by U+FFFD, so "a\ud800" and "a\udbff" would both arrive as "a\ufffd" and two
 * distinct ids would count as one. Such text is refused at the edge, never altered.
 */
const UNPAIRED_SURROGATE = /\p{Surrogate}/u;

export function isWellFormedText(text: unknown): text is string {
  // With the u flag a surrogate pair is one code point, so only an unpaired surrogate matches.
  return typeof text === 'string' && !UNPAIRED_SURROGATE.test(text);
}

export const NOT_WELL_FORMED = 'must be valid Unicode text (it holds an unpaired UTF-16 surrogate, e.g. \\ud800)';
