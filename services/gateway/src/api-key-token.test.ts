import { createHash } from 'node:crypto';
import { digestsEqual, displayPrefix, generateToken, hashToken, isWellFormedToken, tokenDigest } from './api-key-token';

describe('API key tokens', () => {
  it('are msk_ and 43 base64url characters (256 random bits), never repeated', () => {
    const tokens = Array.from({ length: 200 }, generateToken);
    for (const token of tokens) expect(token).toMatch(/^msk_[A-Za-z0-9_-]{43}$/);
    expect(new Set(tokens).size).toBe(tokens.length);
    expect(tokens.every(isWellFormedToken)).toBe(true);
  });

  it('hash to the SHA-256 of the whole token, in hex', () => {
    // FIPS 180-2 test vector: SHA-256("abc")
    expect(hashToken('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    const token = generateToken();
    expect(hashToken(token)).toBe(createHash('sha256').update(token).digest('hex'));
    expect(hashToken(token)).not.toContain(token.slice(4, 12));
    // the prefix counts: the same secret under another prefix is another key
    expect(hashToken(`msk_${token.slice(4)}`)).not.toBe(hashToken(`xsk_${token.slice(4)}`));
  });

  it('show only their first 8 characters', () => {
    expect(displayPrefix('msk_abcdefghijklmnop')).toBe('msk_abcd');
  });

  it('compare digests exactly, whatever the length', () => {
    const a = tokenDigest('msk_one');
    expect(digestsEqual(a, tokenDigest('msk_one'))).toBe(true);
    expect(digestsEqual(a, tokenDigest('msk_two'))).toBe(false);
    const lastBitFlipped = Buffer.from(a);
    lastBitFlipped[31] ^= 1;
    expect(digestsEqual(a, lastBitFlipped)).toBe(false);
    expect(digestsEqual(a, a.subarray(0, 16))).toBe(false);
    expect(digestsEqual(a, Buffer.alloc(0))).toBe(false);
  });

  it.each([
    ['no prefix', 'x'.repeat(40)],
    ['another prefix', `sk_${'x'.repeat(40)}`],
    ['31 characters after the prefix', `msk_${'x'.repeat(31)}`],
    ['a character outside the alphabet', `msk_${'x'.repeat(40)}"`],
    ['over 256 characters', `msk_${'x'.repeat(253)}`],
  ])('recognise a malformed token: %s', (_, token) => {
    expect(isWellFormedToken(token)).toBe(false);
  });
});
