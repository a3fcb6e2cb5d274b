import { MeterstreamError } from '@meterstream/domain';

/** Page query parameters as the route schema leaves them: whole numbers (or absent). */
export interface PageQuery {
  page_size?: number | string;
  page_number?: number | string;
}

export const DEFAULT_PAGE_SIZE = 10;
export const MAX_PAGE_SIZE = 100;
/**
 * The last page a list serves. It keeps page_number × page_size within what an offset can hold
 * (ClickHouse reads OFFSET as UInt32: 10,000,000 × 100 = 10^9 < 2^32), so no offset wraps.
 */
export const MAX_PAGE_NUMBER = 10_000_000;

/**
 * Dodo Payments' paging: `page_number` counts from 0 (default 0), `page_size` from 1 to 100 (default
 * 10), and a page starts at offset page_number × page_size. Lists answer `{ items }`; a page past the
 * end is empty.
 *
 * The dodopayments SDK's auto-iterator asks for page (page_number ?? 1) + 1 after each page: a first
 * request without page_number (page 0 here) is followed by page 2, skipping page 1. Pass
 * `page_number: 0` to iterate every page (0, 1, 2, …).
 */
export function pageOf<T>(items: readonly T[], query: PageQuery): { items: T[] } {
  const { size, offset } = pageWindow(query);
  return { items: items.slice(offset, offset + size) };
}

export function pageWindow(query: PageQuery): { size: number; offset: number } {
  const size = whole(query.page_size, 'page_size', DEFAULT_PAGE_SIZE, 1, MAX_PAGE_SIZE);
  const number = whole(query.page_number, 'page_number', 0, 0, MAX_PAGE_NUMBER);
  return { size, offset: number * size };
}

/** The route schema checks these first; this keeps the rule whole for any other caller. */
function whole(raw: number | string | undefined, field: string, fallback: number, min: number, max: number): number {
  if (raw === undefined || raw === '') return fallback;
  const value = typeof raw === 'number' ? raw : /^\d{1,9}$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new MeterstreamError('VALIDATION_FAILED', `${field} must be a whole number from ${min} to ${max}`, [{ field, message: `must be a whole number from ${min} to ${max}` }]);
  }
  return value;
}
