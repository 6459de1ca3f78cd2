/**
 * Exact decimal arithmetic for reference values in tests: decimals as bigint
 * scaled by 10^18, as PostgreSQL's NUMERIC(48,18) holds them.
 */
export const SCALE = 10n ** 18n;

/** "-12.5" → -12500000000000000000n */
export function toFixed18(text: string): bigint {
  const negative = text.startsWith('-');
  const [whole = '0', fraction = ''] = text.replace(/^[-+]/, '').split('.');
  const value = BigInt(whole || '0') * SCALE + BigInt(fraction.padEnd(18, '0').slice(0, 18) || '0');
  return negative ? -value : value;
}

/** 12500000000000000000n → "12.500000000000000000" */
export function fromFixed18(value: bigint): string {
  const sign = value < 0n ? '-' : '';
  const magnitude = value < 0n ? -value : value;
  return `${sign}${magnitude / SCALE}.${(magnitude % SCALE).toString().padStart(18, '0')}`;
}

/** numerator / denominator rounded half away from zero, as PostgreSQL's round() does. */
export function divideRounded(numerator: bigint, denominator: bigint): bigint {
  const negative = numerator < 0n !== denominator < 0n;
  const [n, d] = [numerator < 0n ? -numerator : numerator, denominator < 0n ? -denominator : denominator];
  const quotient = (n * 2n + d) / (2n * d);
  return negative ? -quotient : quotient;
}

export const compareFixed18 = (a: string, b: string) => {
  const [x, y] = [toFixed18(a), toFixed18(b)];
  return x < y ? -1 : x > y ? 1 : 0;
};
