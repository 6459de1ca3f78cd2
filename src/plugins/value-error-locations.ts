/**
 * Names the argument or input field in errors about literal values.
 *
 * For a bad literal in the query text, graphql-js says only
 * `Expected value of type "Decimal", found 1e400; …`, which leaves a client
 * with a 5,000-item input searching for the culprit. This plugin runs the
 * standard rule with one change: each error starts with where the value
 * stands, e.g. `Field "amount" of TradeInput in argument "trades" of
 * Mutation.upsertTrades: …`. (Errors in variables already carry a path.)
 */
import {
  GraphQLError,
  ValuesOfCorrectTypeRule,
  getNamedType,
  specifiedRules,
  type ASTVisitor,
  type ValidationContext,
  type ValidationRule,
} from 'graphql';
import type { Plugin } from 'graphql-yoga';

export const ValuesOfCorrectTypeWithLocationRule: ValidationRule = (context) => {
  /** Innermost last: the argument, then each input object field inside it. */
  const location: string[] = [];

  const reporting = Object.create(context, {
    reportError: {
      value: (error: GraphQLError) => {
        const where = location.length > 0 ? `${[...location].reverse().join(' in ')}: ` : '';
        context.reportError(
          new GraphQLError(`${where}${error.message}`, {
            nodes: error.nodes,
            originalError: error.originalError,
          }),
        );
      },
    },
  }) as ValidationContext;
  const standard = ValuesOfCorrectTypeRule(reporting);

  const tracking: ASTVisitor = {
    Argument: {
      enter(node) {
        const owner = context.getDirective()
          ? `directive @${context.getDirective()!.name}`
          : `${context.getParentType()?.name}.${context.getFieldDef()?.name}`;
        location.push(`Argument "${node.name.value}" of ${owner}`);
      },
      leave() {
        location.pop();
      },
    },
    ObjectField: {
      enter(node) {
        const parent = getNamedType(context.getParentInputType());
        location.push(`Field "${node.name.value}" of ${parent?.name ?? 'input'}`);
      },
      leave() {
        location.pop();
      },
    },
  };

  // Tracking first, so a node's location is pushed before the rule reports on it.
  return mergeVisitors(tracking, standard);
};

/** Runs two visitors over one document, in order, on enter and on leave. */
function mergeVisitors(first: ASTVisitor, second: ASTVisitor): ASTVisitor {
  const kinds = new Set([...Object.keys(first), ...Object.keys(second)]);
  const merged: Record<string, unknown> = {};
  for (const kind of kinds) {
    const a = normalize((first as Record<string, unknown>)[kind]);
    const b = normalize((second as Record<string, unknown>)[kind]);
    merged[kind] = {
      enter(...args: unknown[]) {
        a.enter?.(...args);
        return b.enter?.(...args);
      },
      leave(...args: unknown[]) {
        const result = b.leave?.(...args);
        a.leave?.(...args);
        return result;
      },
    };
  }
  return merged as ASTVisitor;
}

type Handler = (...args: unknown[]) => unknown;
function normalize(entry: unknown): { enter?: Handler; leave?: Handler } {
  if (typeof entry === 'function') return { enter: entry as Handler };
  return (entry ?? {}) as { enter?: Handler; leave?: Handler };
}

const withLocations = (rule: ValidationRule) =>
  rule === ValuesOfCorrectTypeRule ? ValuesOfCorrectTypeWithLocationRule : rule;

export function useValueErrorLocations(): Plugin {
  return {
    onValidate({ validateFn, setValidationFn }) {
      // Swaps the one rule in whatever list reaches validation, so rules that
      // other plugins add stay in force.
      setValidationFn((schema, document, rules, ...rest) =>
        validateFn(schema, document, (rules ?? specifiedRules).map(withLocations), ...rest),
      );
    },
  };
}
