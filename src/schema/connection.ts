/**
 * Fields every connection has, whatever it lists.
 */
import { builder } from './builder.ts';

builder.globalConnectionField('totalCount', (t) =>
  t.int({
    description:
      'How many items match the filter across all pages. Costs a count query, run only when selected.',
    resolve: (connection) => connection.totalCount(),
  }),
);
