/**
 * Metadata as the events table and the audit trail store it (storedMetadata): JSON whose numbers are
 * numbers only when JavaScript reads them exactly, so JSON.parse loses no digit.
 */
export function parseStoredMetadata(text: string): Record<string, string | number | boolean> {
  return JSON.parse(text) as Record<string, string | number | boolean>;
}
