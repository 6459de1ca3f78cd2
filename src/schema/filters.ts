/**
 * Filter inputs in the style Hasura and PostgREST users know: per column an
 * object of operators (`eq`, `in`, `gt`, `gte`, `lt`, `lte`), combined with
 * `and` / `or`. db/filters.ts compiles them to SQL.
 */
import { IN_LIST_MAX } from '../db/filters.ts';
import { builder } from './builder.ts';
import { Interval, Market, Side } from './enums.ts';
import { Decimal, EpochMillis } from './scalars.ts';

export const IDFilter = builder.inputType('IDFilter', {
  description: 'Conditions on an id.',
  fields: (t) => ({
    eq: t.id({ description: 'Equal to this id.' }),
    in: t.idList({ description: `One of these ids (at most ${IN_LIST_MAX}).` }),
  }),
});

/** Conditions on an ordered scalar: equality, a list, and the four comparisons, each worded for its values. */
function orderedFilter(
  name: string,
  type: typeof EpochMillis | typeof Decimal,
  description: string,
  words: { gt: string; gte: string; lt: string; lte: string },
) {
  return builder.inputType(name, {
    description,
    fields: (t) => ({
      eq: t.field({ type, description: 'Equal to.' }),
      in: t.field({ type: [type], description: `One of (at most ${IN_LIST_MAX}).` }),
      gt: t.field({ type, description: words.gt }),
      gte: t.field({ type, description: words.gte }),
      lt: t.field({ type, description: words.lt }),
      lte: t.field({ type, description: words.lte }),
    }),
  });
}

export const EpochMillisFilter = orderedFilter(
  'EpochMillisFilter',
  EpochMillis,
  'Conditions on an instant in epoch milliseconds; all given must hold.',
  { gt: 'Later than.', gte: 'At or later than.', lt: 'Earlier than.', lte: 'At or earlier than.' },
);

export const DecimalFilter = orderedFilter(
  'DecimalFilter',
  Decimal,
  'Conditions on an exact decimal, compared as numbers (1.50 equals 1.5); all given must hold.',
  {
    gt: 'Greater than.',
    gte: 'Greater than or equal to.',
    lt: 'Less than.',
    lte: 'Less than or equal to.',
  },
);

export const StringFilter = builder.inputType('StringFilter', {
  description: 'Conditions on a text, compared exactly (case and all).',
  fields: (t) => ({
    eq: t.string({ description: 'Equal to.' }),
    in: t.stringList({ description: `One of (at most ${IN_LIST_MAX}).` }),
  }),
});

export const SideFilter = builder.inputType('SideFilter', {
  description: 'Conditions on the side of a trade.',
  fields: (t) => ({
    eq: t.field({ type: Side, description: 'This side.' }),
    in: t.field({ type: [Side], description: 'One of these sides.' }),
  }),
});

export const MarketFilter = builder.inputType('MarketFilter', {
  description: 'Conditions on a market.',
  fields: (t) => ({
    eq: t.field({ type: Market, description: 'This market.' }),
    in: t.field({ type: [Market], description: 'One of these markets.' }),
  }),
});

export const IntervalFilter = builder.inputType('IntervalFilter', {
  description: 'Conditions on an interval length.',
  fields: (t) => ({
    eq: t.field({ type: Interval, description: 'This interval.' }),
    in: t.field({ type: [Interval], description: 'One of these intervals.' }),
  }),
});
