import { describe, expect, it } from 'vitest';
import {
  formatAmount,
  formatDate,
  formatDecimal,
  formatDrawdown,
  formatPct,
  formatTime,
  formatUsd,
  isoOf,
  isZeroDecimal,
  toChartNumber,
} from '../src/page/format.ts';

describe('formatDecimal', () => {
  it('groups thousands and keeps exactly the requested decimals', () => {
    expect(formatDecimal('1234567.891', 2)).toBe('1,234,567.89');
    expect(formatDecimal('12345.678900000000000000', 2)).toBe('12,345.68');
    expect(formatDecimal('1', 3)).toBe('1.000');
    expect(formatDecimal('999', 2)).toBe('999.00');
    expect(formatDecimal('1000', 0)).toBe('1,000');
    expect(formatDecimal('.5', 1)).toBe('0.5');
    expect(formatDecimal('007.10', 2)).toBe('7.10');
  });

  it('rounds half away from zero on the digits, carrying through every position', () => {
    expect(formatDecimal('999.995', 2)).toBe('1,000.00');
    expect(formatDecimal('-999.995', 2)).toBe('-1,000.00');
    expect(formatDecimal('0.125', 2)).toBe('0.13');
    expect(formatDecimal('0.124999999999999999', 2)).toBe('0.12');
    expect(formatDecimal('-0.125', 2)).toBe('-0.13');
    expect(formatDecimal('99999.5', 0)).toBe('100,000');
    expect(formatDecimal('9.9999', 3)).toBe('10.000');
    // 1.005 is 1.00499999999999989... as a double: a Number-based formatter gives 1.00.
    expect(formatDecimal('1.005', 2)).toBe('1.01');
  });

  it('never shows a negative zero', () => {
    expect(formatDecimal('-0.004', 2)).toBe('0.00');
    expect(formatDecimal('-0', 2)).toBe('0.00');
    expect(formatDecimal('-0.000000000000000000', 0)).toBe('0');
    expect(formatDecimal('-0.005', 2)).toBe('-0.01');
  });

  it('keeps 30-digit integers and 18 decimals exact', () => {
    expect(formatDecimal('123456789012345678901234567890.123456789012345678', 18)).toBe(
      '123,456,789,012,345,678,901,234,567,890.123456789012345678',
    );
    expect(formatDecimal('999999999999999999999999999999.995', 2)).toBe(
      '1,000,000,000,000,000,000,000,000,000,000.00',
    );
    expect(formatDecimal('-123456789012345678901234567890', 2)).toBe(
      '-123,456,789,012,345,678,901,234,567,890.00',
    );
  });

  it('refuses text that is not a plain decimal', () => {
    for (const bad of ['', '-', '.', 'abc', '1e5', 'NaN', '1.2.3', '1,000']) {
      expect(() => formatDecimal(bad, 2), bad).toThrow(RangeError);
    }
    expect(() => formatDecimal('1', -1)).toThrow(RangeError);
    expect(() => formatDecimal('1', 1.5)).toThrow(RangeError);
  });
});

describe('formatUsd', () => {
  it('puts the sign before the dollar symbol', () => {
    expect(formatUsd('1234567.891')).toBe('$1,234,567.89');
    expect(formatUsd('-12.3')).toBe('-$12.30');
    expect(formatUsd('0')).toBe('$0.00');
    expect(formatUsd('-0.004')).toBe('$0.00');
    expect(formatUsd('999.995')).toBe('$1,000.00');
  });
});

describe('formatPct', () => {
  it('is signed with 2 decimals, zero unsigned', () => {
    expect(formatPct('12.345')).toBe('+12.35 %');
    expect(formatPct('-3.1')).toBe('-3.10 %');
    expect(formatPct('0')).toBe('0.00 %');
    expect(formatPct('-0.001')).toBe('0.00 %');
    expect(formatPct('0.004999')).toBe('0.00 %');
    expect(formatPct('0.005')).toBe('+0.01 %');
    expect(formatPct('1234.5')).toBe('+1,234.50 %');
  });

  it('shows drawdowns as falls whatever their sign', () => {
    expect(formatDrawdown('8.5')).toBe('-8.50 %');
    expect(formatDrawdown('-8.5')).toBe('-8.50 %');
    expect(formatDrawdown('0.000000000000000000')).toBe('0.00 %');
  });
});

describe('formatAmount', () => {
  it('gives values of at least 1 two to four decimals', () => {
    expect(formatAmount('42000.500000000000000000')).toBe('42,000.50');
    expect(formatAmount('1.23456')).toBe('1.2346');
    expect(formatAmount('1.2')).toBe('1.20');
    expect(formatAmount('1.23')).toBe('1.23');
    expect(formatAmount('-1234.00005')).toBe('-1,234.0001');
    expect(formatAmount('9999.99995')).toBe('10,000.00');
  });

  it('gives values below 1 up to 8 decimals, or down to the first significant digit', () => {
    expect(formatAmount('0.123400000000000000')).toBe('0.1234');
    expect(formatAmount('0.5')).toBe('0.50');
    expect(formatAmount('0.000123456789')).toBe('0.00012346');
    expect(formatAmount('0.000000000012345')).toBe('0.00000000001');
    expect(formatAmount('0.000000000000000001')).toBe('0.000000000000000001');
    expect(formatAmount('0.999999999')).toBe('1.00');
    expect(formatAmount('-0.25')).toBe('-0.25');
    expect(formatAmount('0')).toBe('0.00');
    expect(formatAmount('-0.000000000000000000')).toBe('0.00');
  });
});

describe('zero test', () => {
  it('recognises every spelling of zero', () => {
    expect(isZeroDecimal('0')).toBe(true);
    expect(isZeroDecimal('-0.000000000000000000')).toBe(true);
    expect(isZeroDecimal('0.000000000000000001')).toBe(false);
  });
});

describe('times', () => {
  const ms = Date.UTC(2026, 10, 30, 14, 5, 59, 999);

  it('formats in UTC', () => {
    expect(formatTime(ms)).toBe('2026-11-30 14:05');
    expect(formatDate(ms)).toBe('2026-11-30');
    expect(formatTime(Date.UTC(2026, 0, 2, 3, 4))).toBe('2026-01-02 03:04');
    expect(isoOf(ms)).toBe('2026-11-30T14:05:59.999Z');
  });
});

describe('toChartNumber', () => {
  it('converts for drawing', () => {
    expect(toChartNumber('-12.500000000000000000')).toBe(-12.5);
  });
});
