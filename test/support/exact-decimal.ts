/**
 * Exact decimal text for expected values in tests, on BigInt scaled by 10^scale: no binary floating
 * point and, on purpose, not the decimal library the services use, so an expectation is computed by
 * independent code.
 */
export const DEFAULT_SCALE = 12;

const PLAIN_DECIMAL = /^([-+]?)(\d*)(?:\.(\d*))?$/;

/** "-12.50" → -12500000000000n (scale 12). Throws on text that is not a plain decimal or needs more digits. */
export function parseScaled(text: string, scale = DEFAULT_SCALE): bigint {
  const match = PLAIN_DECIMAL.exec(text.trim());
  if (!match || (match[2] === '' && (match[3] ?? '') === '')) throw new Error(`not a plain decimal: "${text}"`);
  const fraction = (match[3] ?? '').replace(/0+$/, '');
  if (fraction.length > scale) throw new Error(`more than ${scale} fraction digits: "${text}"`);
  const digits = BigInt(`${match[2] || '0'}${fraction.padEnd(scale, '0')}`);
  return match[1] === '-' ? -digits : digits;
}

/** -12500000000000n → "-12.5" (scale 12): no exponent, no trailing fraction zeros, no "-0". */
export function formatScaled(value: bigint, scale = DEFAULT_SCALE): string {
  const negative = value < 0n;
  const text = (negative ? -value : value).toString().padStart(scale + 1, '0');
  const integer = text.slice(0, text.length - scale);
  const fraction = text.slice(text.length - scale).replace(/0+$/, '');
  const plain = fraction ? `${integer}.${fraction}` : integer;
  return negative ? `-${plain}` : plain;
}

/** One canonical text per value: "1.500000000000", "1.5" and "+1.50" all become "1.5". */
export function normalizeDecimal(text: string, scale = DEFAULT_SCALE): string {
  return formatScaled(parseScaled(text, scale), scale);
}
