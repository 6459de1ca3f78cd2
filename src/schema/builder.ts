/**
 * The Pothos schema builder: configuration only. Types and fields live in one
 * file per domain type beside this one; index.ts assembles them.
 */
import SchemaBuilder from '@pothos/core';
import ComplexityPlugin from '@pothos/plugin-complexity';
import RelayPlugin from '@pothos/plugin-relay';
import ScopeAuthPlugin from '@pothos/plugin-scope-auth';
import type { Context } from '../context.ts';
import { clientError, ERROR_CODES } from '../errors.ts';

export interface SchemaTypes {
  Context: Context;
  AuthScopes: {
    /** The request's role may use the producer API. */
    producer: boolean;
  };
  DefaultFieldNullability: false;
  DefaultEdgesNullability: false;
  DefaultNodeNullability: false;
  /** What every connection resolver returns besides edges and pageInfo. */
  Connection: {
    /** Runs the count only if a client selects `totalCount`. */
    totalCount: () => Promise<number>;
  };
  Scalars: {
    ID: { Input: string; Output: string | number };
    /** Exact decimal digits, as PostgreSQL's NUMERIC text. */
    Decimal: { Input: string; Output: string };
    /** Database BIGINTs arrive as decimal strings; inputs are checked numbers. */
    EpochMillis: { Input: number; Output: string | number };
    DateTime: { Input: Date; Output: Date };
  };
}

export const builder = new SchemaBuilder<SchemaTypes>({
  // Scope checks first, so no other plugin's wrapper runs for a refused field.
  plugins: [ScopeAuthPlugin, RelayPlugin, ComplexityPlugin],
  // Cost model for the operation limits (plugins/operation-limits.ts): each
  // field costs 1; fields returning lists say how many items they return
  // (their page size), which multiplies the cost of what is selected inside.
  complexity: { defaultComplexity: 1, defaultListMultiplier: 1 },
  scopeAuth: {
    authScopes: (context) => ({ producer: context.viewer.isProducer }),
    unauthorizedError: (_parent, context, info) =>
      clientError(
        ERROR_CODES.FORBIDDEN,
        `${info.parentType.name}.${info.fieldName} needs the ${context.settings.producerRoles.join(' or ')} role; ` +
          `this request has the ${context.viewer.role} role. Send "Authorization: Bearer <token>" with a token for that role.`,
      ),
  },
  // Fields are non-null unless they say otherwise, as the SQL columns are.
  defaultFieldNullability: false,
  relay: {
    cursorType: 'String',
    clientMutationId: 'omit',
    nodesOnConnection: {
      description: 'The nodes of the page, in order: a shortcut for edges { node }.',
    },
    edgesFieldOptions: { nullable: false, description: 'The page, in order, each node with its cursor.' },
    nodeFieldOptions: { nullable: false, description: 'The item at this position.' },
    cursorFieldOptions: { description: 'Opaque position of this edge; pass it as `after` or `before`.' },
    pageInfoFieldOptions: { description: 'Where this page stands and the cursors to move from it.' },
    firstArgOptions: {
      description: 'Page forward: at most this many items after `after` (or from the start).',
    },
    afterArgOptions: { description: 'Cursor of the item to continue after, from a previous page.' },
    lastArgOptions: {
      description: 'Page backward: at most this many items before `before` (or from the end).',
    },
    beforeArgOptions: { description: 'Cursor of the item to continue before, from a previous page.' },
    pageInfoTypeOptions: {
      description: 'Relay page information: whether more items exist, and the cursors at both ends.',
    },
    hasNextPageFieldOptions: { description: 'True when more items follow this page.' },
    hasPreviousPageFieldOptions: { description: 'True when items precede this page.' },
    startCursorFieldOptions: {
      description: 'Cursor of the first item of the page; null when the page is empty.',
    },
    endCursorFieldOptions: {
      description: 'Cursor of the last item of the page; null when the page is empty.',
    },
  },
});

builder.queryType({ description: 'Reads of the portfolio: trades and its history.' });
builder.mutationType({
  description:
    'Writes of the producer scripts. Each operation is one transaction: if any field fails, none of its writes are kept.',
});
