/**
 * patches/graphql-jit+0.8.9.patch: a compiled operation checks each leaf
 * inline and builds the error's locations and path only when the value is
 * null or an error, instead of for every leaf of every row. What it answers
 * must not change: here graphql-jit and graphql-js answer the same document
 * on the same schema, with nulls, errors and throwing serializers at every
 * depth of lists, and the errors' messages, paths and locations match.
 */
import {
  execute,
  GraphQLBoolean,
  GraphQLError,
  GraphQLList,
  GraphQLNonNull,
  GraphQLObjectType,
  GraphQLScalarType,
  GraphQLSchema,
  GraphQLString,
  parse,
  type ExecutionResult,
} from 'graphql';
import { compileQuery, isCompiledQuery } from 'graphql-jit';
import { describe, expect, it } from 'vitest';

/** Refuses odd numbers, as our scalars refuse values they cannot answer exactly. */
const Even = new GraphQLScalarType({
  name: 'Even',
  serialize(value) {
    if (typeof value !== 'number' || value % 2 !== 0) throw new GraphQLError(`not even: ${String(value)}`);
    return value;
  },
});

interface Row {
  name: unknown;
  note: unknown;
  even: unknown;
  flag: unknown;
  children?: Row[];
}

const Item: GraphQLObjectType = new GraphQLObjectType({
  name: 'Item',
  fields: () => ({
    name: { type: new GraphQLNonNull(GraphQLString) },
    note: { type: GraphQLString },
    even: { type: Even },
    evenRequired: { type: new GraphQLNonNull(Even), resolve: (row: Row) => row.even },
    flag: { type: GraphQLBoolean },
    children: { type: new GraphQLList(Item) },
  }),
});

const row = (index: number, children?: Row[]): Row => ({
  name: index === 2 ? null : index === 3 ? new Error('name failed') : `item ${index}`,
  note: index === 1 ? new Error('note failed') : index === 4 ? null : `note ${index}`,
  even: index,
  flag: index % 2 === 0,
  children,
});

const schema = new GraphQLSchema({
  query: new GraphQLObjectType({
    name: 'Query',
    fields: {
      items: {
        type: new GraphQLList(Item),
        resolve: () => [0, 1, 2, 3, 4, 5].map((index) => row(index, [row(index + 1), row(index + 2)])),
      },
    },
  }),
});

/**
 * One non-null field per selection, and last: graphql-js stops completing an
 * object's fields at the first non-null failure, graphql-jit completes them
 * all (unpatched as well), so they report the same errors only so.
 */
const DOCUMENTS = {
  'nullable and non-null leaves': '{ items { note even flag name } }',
  'a non-null scalar that throws': '{ items { evenRequired } }',
  'nested lists': '{ items { note children { note even flag evenRequired } } }',
};

/** The result as JSON carries it: errors by message, path and locations, sorted. */
function answered(result: ExecutionResult) {
  const json = JSON.parse(JSON.stringify(result)) as {
    data: unknown;
    errors?: { message: string; path: unknown[]; locations: unknown[] }[];
  };
  const errors = (json.errors ?? [])
    .map(({ message, path, locations }) => ({ message, path, locations }))
    .sort((a, b) => JSON.stringify(a.path).localeCompare(JSON.stringify(b.path)));
  return { data: json.data, errors };
}

describe('graphql-jit as patched', () => {
  it('checks leaves inline: the generated code builds no error path for a leaf that is a value', () => {
    const compiled = compileQuery(schema, parse(DOCUMENTS['nested lists']), undefined, {
      debug: true,
    } as object);
    const code = (compiled as { __DO_NOT_USE_THIS_OR_YOU_WILL_BE_FIRED_compilation?: string })
      .__DO_NOT_USE_THIS_OR_YOU_WILL_BE_FIRED_compilation;
    expect(code).toContain('(__context.leaf = ');
    expect(code).not.toMatch(/^\s*\w+: __context\.rt\.check(NonNull|Nullable)Leaf\(/m);
  });

  for (const [name, source] of Object.entries(DOCUMENTS)) {
    it(`answers as graphql-js does: ${name}`, async () => {
      const document = parse(source);
      const compiled = compileQuery(schema, document);
      if (!isCompiledQuery(compiled)) throw new Error('did not compile');
      const expected = answered((await execute({ schema, document })) as ExecutionResult);
      expect(expected.errors.length).toBeGreaterThan(0);
      // Twice: the second run is on the code V8 has warmed, with the leaf slot reused.
      for (let run = 0; run < 2; run++) {
        expect(answered((await compiled.query(undefined, {}, {})) as ExecutionResult)).toEqual(expected);
      }
    });
  }
});
