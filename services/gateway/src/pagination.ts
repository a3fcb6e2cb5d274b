import { MeterstreamError } from '@meterstream/domain';

export interface PageQuery {
  page_size?: string;
  page_number?: string;
}

/**
 * Dodo-style page-number pagination, answered as `{ items }`. Pages are numbered from 1, as the
 * dodopayments SDK iterates them; page 0 is taken as the first page too. Default size 10, at most 100.
 */
export function pageOf<T>(items: readonly T[], query: PageQuery): { items: T[] } {
  const { size, offset } = pageWindow(query);
  return { items: items.slice(offset, offset + size) };
}

export function pageWindow(query: PageQuery): { size: number; offset: number } {
  const size = whole(query.page_size, 'page_size', 10);
  const number = whole(query.page_number, 'page_number', 1);
  if (size < 1 || size > 100) throw new MeterstreamError('VALIDATION_FAILED', 'page_size must be 1 to 100', [{ field: 'page_size', message: 'must be 1 to 100' }]);
  return { size, offset: Math.max(number - 1, 0) * size };
}

function whole(raw: string | undefined, field: string, fallback: number): number {
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d{1,9}$/.test(raw)) throw new MeterstreamError('VALIDATION_FAILED', `${field} must be a whole number`, [{ field, message: 'must be a whole number' }]);
  return Number(raw);
}
