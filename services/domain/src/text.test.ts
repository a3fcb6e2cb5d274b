import { isWellFormedText } from './text';

describe('isWellFormedText', () => {
  it.each(['', 'evt_1', 'héllo', '日本', '😀', 'a\u{1F600}b', '\ufffd'])('%j is valid Unicode', (text) => {
    expect(isWellFormedText(text)).toBe(true);
  });

  it.each(['sur_\ud800', 'sur_\udbff', '\udc00', 'x\udfffy', '\ude00\ud83d', '😀\ud83d'])('%j holds an unpaired surrogate', (text) => {
    expect(isWellFormedText(text)).toBe(false);
  });

  it('agrees with what UTF-8 can carry: text survives a UTF-8 round trip exactly when it is well formed', () => {
    for (let unit = 0xd7f0; unit <= 0xe010; unit++) {
      const text = `a${String.fromCharCode(unit)}b`;
      const survives = new TextDecoder().decode(new TextEncoder().encode(text)) === text;
      expect(isWellFormedText(text)).toBe(survives);
    }
  });
});
