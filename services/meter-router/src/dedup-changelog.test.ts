import { eventKey } from '@meterstream/domain';
import { chunkEntryBytes, chunkRecord } from './dedup-changelog';

// The routing transaction's byte cap counts chunkEntryBytes per remembered key; the chunk record it
// writes must never be larger than that count, or a chunk of odd ids could pass the broker's
// max.message.bytes and block the partition.
describe('chunk records of the deduplication changelog', () => {
  const pieces = ['cus_', 'ev-', '"', '\\', '\n', '\u0000', '\u001f', 'é', '€', '😀', '\u2028', 'a'.repeat(40), ' ', '~'];
  let seed = 42;
  const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const text = () => Array.from({ length: 1 + Math.floor(random() * 6) }, () => pieces[Math.floor(random() * pieces.length)]).join('');

  it('counts at least the bytes each key adds to the record, for any characters', () => {
    for (let round = 0; round < 200; round++) {
      const routed = new Map<string, number>();
      for (let i = 0; i < 1 + Math.floor(random() * 50); i++) routed.set(eventKey({ customer_id: text(), event_id: text() }), 1796000000000 + i);
      const counted = [...routed.keys()].reduce((sum, key) => sum + chunkEntryBytes(key), 0);
      const written = Buffer.byteLength(chunkRecord(0, '7', routed).value);
      expect({ round, fits: written <= counted + 2 }).toEqual({ round, fits: true }); // + the outer brackets
    }
  });

  it('counts a plain key by its length, without serializing it', () => {
    expect(chunkEntryBytes('8:cus_acme:ev-1')).toBe('8:cus_acme:ev-1'.length + 20);
    expect(JSON.parse(chunkRecord(2, '41', new Map([['8:cus_acme:ev-1', 1796000000000]])).value)).toEqual([['8:cus_acme:ev-1', 1796000000000]]);
  });
});
