/**
 * Documents made to cost the server far more than they cost to send, for the
 * tests that show them refused and the benchmark that times the refusal.
 */

/** Fragment D0 spreads D1 twice, D1 spreads D2 twice, …, down to `leaf`: 2^levels copies of it. */
export function doublingFragments(levels: number, leaf = 'viewer { role }'): string {
  const fragments = Array.from(
    { length: levels },
    (_, level) => `fragment D${level} on Query { ...D${level + 1} ...D${level + 1} }`,
  );
  return [`query Doubling { ...D0 }`, ...fragments, `fragment D${levels} on Query { ${leaf} }`].join('\n');
}

/** The same doubling inside `__schema`: introspection fields under 2^levels spreads. */
export function doublingInsideIntrospection(levels: number): string {
  const fragments = Array.from(
    { length: levels },
    (_, level) => `fragment T${level} on __Schema { ...T${level + 1} ...T${level + 1} }`,
  );
  return [
    `{ __schema { ...T0 } }`,
    ...fragments,
    `fragment T${levels} on __Schema { queryType { name } }`,
  ].join('\n');
}

/** `__type(name: "Query") { fields { type { ofType { … levels … name } } } }`. */
export function deepOfType(levels: number): string {
  return `{ __type(name: "Query") { fields { type { ${'ofType { '.repeat(levels)}name ${'} '.repeat(levels)}} } } }`;
}
