/**
 * Display formatting for the live portfolio page.
 *
 * The API sends amounts as exact decimal strings (the `Decimal` scalar: up to
 * 30 integer and 18 fractional digits). A JS number holds only ~15-17
 * significant digits, so every function here rounds and groups the digit
 * string itself; `toChartNumber` is the single, drawing-only exception.
 * No DOM access: these run in unit tests under Node as well.
 */

/** The minus sign used by every function here (ASCII, so copied text stays parseable). */
export const MINUS = '-';

/** A decimal split into its sign and digit strings, without leading integer zeros. */
interface DecimalParts {
  negative: boolean;
  /** Integer digits, at least "0". */
  int: string;
  /** Fractional digits, possibly empty. */
  frac: string;
}

const DECIMAL_PATTERN = /^([+-]?)(\d*)(?:\.(\d*))?$/;

/** Splits a plain decimal string; throws RangeError for anything else (exponents, NaN, empty). */
function parseDecimal(value: string): DecimalParts {
  const match = DECIMAL_PATTERN.exec(value.trim());
  const intDigits = match?.[2] ?? '';
  const fracDigits = match?.[3] ?? '';
  if (!match || (intDigits === '' && fracDigits === '')) {
    throw new RangeError(`Not a decimal string: ${JSON.stringify(value)}`);
  }
  return { negative: match[1] === '-', int: intDigits.replace(/^0+/, '') || '0', frac: fracDigits };
}

/** Adds one to a string of decimal digits ("0999" → "1000"), growing it on a carry out of the top digit. */
function incrementDigits(digits: string): string {
  const out = digits.split('');
  for (let i = out.length - 1; i >= 0; i--) {
    if (out[i] === '9') {
      out[i] = '0';
    } else {
      out[i] = String(Number(out[i]) + 1);
      return out.join('');
    }
  }
  return '1' + out.join('');
}

/**
 * Rounds to exactly `fractionDigits` decimals, half away from zero. Works on the
 * magnitude, so rounding it up is "away from zero" for either sign. A result of
 * zero is never negative.
 */
function roundParts(parts: DecimalParts, fractionDigits: number): DecimalParts {
  if (!Number.isInteger(fractionDigits) || fractionDigits < 0) {
    throw new RangeError(`fractionDigits must be a non-negative integer, got ${fractionDigits}`);
  }
  const padded = parts.frac.padEnd(fractionDigits, '0');
  let kept = parts.int + padded.slice(0, fractionDigits);
  if ((padded[fractionDigits] ?? '0') >= '5') kept = incrementDigits(kept);
  const splitAt = kept.length - fractionDigits;
  const int = kept.slice(0, splitAt).replace(/^0+/, '') || '0';
  const frac = kept.slice(splitAt);
  const isZero = /^0*$/.test(int + frac);
  return { negative: parts.negative && !isZero, int, frac };
}

/** "1234567" → "1,234,567". */
function groupThousands(int: string): string {
  return int.replace(/\B(?=(\d{3})+$)/g, ',');
}

/** Magnitude text of rounded parts: grouped integer, then the fraction if any. */
function magnitudeText(parts: DecimalParts): string {
  const int = groupThousands(parts.int);
  return parts.frac === '' ? int : `${int}.${parts.frac}`;
}

/** Whether a decimal string is zero ("0", "-0.000", ".0"). Throws RangeError if it is not a decimal. */
export function isZeroDecimal(value: string): boolean {
  const parts = parseDecimal(value);
  return /^0*$/.test(parts.int + parts.frac);
}

/**
 * Exact decimal string → grouped text with exactly `fractionDigits` decimals, rounded half
 * away from zero on the digits: ("1234567.891", 2) → "1,234,567.89", ("-0.004", 2) → "0.00".
 */
export function formatDecimal(value: string, fractionDigits: number): string {
  const rounded = roundParts(parseDecimal(value), fractionDigits);
  return (rounded.negative ? MINUS : '') + magnitudeText(rounded);
}

/** US dollars, 2 decimals, sign before the symbol: "$1,234,567.89", "-$12.30", "$0.00". */
export function formatUsd(value: string): string {
  const rounded = roundParts(parseDecimal(value), 2);
  return `${rounded.negative ? MINUS : ''}$${magnitudeText(rounded)}`;
}

/**
 * A value already in percent, signed, 2 decimals: "+12.34 %", "-3.10 %", and "0.00 %"
 * (no sign when it rounds to zero).
 */
export function formatPct(value: string): string {
  const rounded = roundParts(parseDecimal(value), 2);
  const isZero = /^0*$/.test(rounded.int + rounded.frac);
  const sign = isZero ? '' : rounded.negative ? MINUS : '+';
  return `${sign}${magnitudeText(rounded)} %`;
}

/**
 * A drawdown as a fall, whichever sign convention the value uses: the API reports
 * drawdowns as positive percentages ("8.5" = 8.5 % below the high), a reader expects
 * "-8.50 %". Zero gives "0.00 %".
 */
export function formatDrawdown(value: string): string {
  const magnitude = value.trim().replace(/^[+-]/, '');
  return formatPct(MINUS + magnitude);
}

/**
 * Base-asset amounts and prices, thousands separators always:
 * - |value| ≥ 1: rounded to 4 decimals, trailing zeros trimmed down to 2 ("42,000.50", "1.2346");
 * - |value| < 1: rounded to 8 decimals (more if needed to show the first significant digit,
 *   up to the 18 a Decimal has), trailing zeros trimmed down to 2 ("0.00012345", "0.50").
 */
export function formatAmount(value: string): string {
  const parts = parseDecimal(value);
  let decimals = 4;
  if (parts.int === '0') {
    const firstSignificant = parts.frac.search(/[1-9]/);
    decimals = firstSignificant < 0 ? 2 : Math.max(8, firstSignificant + 1);
  }
  const rounded = roundParts(parts, decimals);
  const frac = rounded.frac.replace(/0+$/, '').padEnd(2, '0');
  const isZero = /^0*$/.test(rounded.int + frac);
  return (rounded.negative && !isZero ? MINUS : '') + magnitudeText({ ...rounded, frac });
}

const pad2 = (n: number): string => String(n).padStart(2, '0');

/** Epoch milliseconds → UTC date "2026-11-30". */
export function formatDate(epochMs: number): string {
  const d = new Date(epochMs);
  return `${d.getUTCFullYear()}-${pad2(d.getUTCMonth() + 1)}-${pad2(d.getUTCDate())}`;
}

/** Epoch milliseconds → UTC date and time to the minute, "2026-11-30 14:05". */
export function formatTime(epochMs: number): string {
  const d = new Date(epochMs);
  return `${formatDate(epochMs)} ${pad2(d.getUTCHours())}:${pad2(d.getUTCMinutes())}`;
}

/** Epoch milliseconds → ISO-8601 UTC string, for `<time datetime>`. */
export function isoOf(epochMs: number): string {
  return new Date(epochMs).toISOString();
}

/**
 * The ONE place a decimal string becomes a JS number: for drawing (chart coordinates,
 * comparisons that pick points to draw) only, never for text a reader sees.
 */
export function toChartNumber(value: string): number {
  return Number(value);
}
