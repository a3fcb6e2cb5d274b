import fc from 'fast-check';
import { MAX_PAGE_NUMBER, pageOf, pageWindow } from './pagination';

describe('pageWindow (Dodo paging: zero-based page_number, offset = page_number × page_size)', () => {
  it('defaults to page 0 of 10', () => {
    expect(pageWindow({})).toEqual({ size: 10, offset: 0 });
  });

  it('starts page n at n × size, page 0 first', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 100 }), fc.integer({ min: 0, max: MAX_PAGE_NUMBER }), (size, number) => {
        const expected = BigInt(number) * BigInt(size);
        const { offset } = pageWindow({ page_size: size, page_number: String(number) });
        expect(BigInt(offset)).toBe(expected);
        expect(expected < 2n ** 32n).toBe(true); // OFFSET {offset:UInt32} cannot wrap
      }),
    );
  });

  it('pages 0, 1, 2 of a list are disjoint and cover it in order', () => {
    const list = Array.from({ length: 7 }, (_, i) => i);
    const pages = [0, 1, 2, 3].map((n) => pageOf(list, { page_size: 2, page_number: n }).items);
    expect(pages).toEqual([[0, 1], [2, 3], [4, 5], [6]]);
  });

  it.each([
    [{ page_number: MAX_PAGE_NUMBER + 1 }, 'page_number'],
    [{ page_number: 67108865 }, 'page_number'],
    [{ page_number: -1 }, 'page_number'],
    [{ page_number: '1e3' }, 'page_number'],
    [{ page_size: 0 }, 'page_size'],
    [{ page_size: 101 }, 'page_size'],
    [{ page_size: 2.5 }, 'page_size'],
  ])('refuses %j naming %s', (query, field) => {
    expect(() => pageWindow(query)).toThrow(expect.objectContaining({ code: 'VALIDATION_FAILED', errors: [expect.objectContaining({ field })] }));
  });
});
