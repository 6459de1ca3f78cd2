import { readFileSync } from 'node:fs';
import {
  getNamedType,
  isEnumType,
  isInputObjectType,
  isIntrospectionType,
  isObjectType,
  isSpecifiedScalarType,
  type GraphQLEnumType,
} from 'graphql';
import { describe, expect, it } from 'vitest';
import { intervalEnum, marketEnum } from '../src/db/schema.ts';
import { schema } from '../src/schema/index.ts';
import { printSchemaFile, schemaFilePath } from '../src/schema/print.ts';

describe('schema.graphql', () => {
  it('is current: run `npm run schema:print` after changing the schema', () => {
    expect(readFileSync(schemaFilePath, 'utf8')).toBe(printSchemaFile());
  });

  it('describes every type, field, argument and enum value', () => {
    const undescribed: string[] = [];
    for (const type of Object.values(schema.getTypeMap())) {
      if (isIntrospectionType(type) || isSpecifiedScalarType(type)) continue;
      if (!type.description) undescribed.push(type.name);
      if (isObjectType(type) || isInputObjectType(type)) {
        for (const field of Object.values(type.getFields())) {
          if (!field.description) undescribed.push(`${type.name}.${field.name}`);
          for (const arg of 'args' in field ? field.args : []) {
            if (!arg.description) undescribed.push(`${type.name}.${field.name}(${arg.name})`);
          }
        }
      }
      if (isEnumType(type)) {
        for (const value of type.getValues()) {
          if (!value.description) undescribed.push(`${type.name}.${value.name}`);
        }
      }
    }
    expect(undescribed).toEqual([]);
  });
});

describe('enums', () => {
  it.each([
    ['Market', marketEnum.enumValues],
    ['Interval', intervalEnum.enumValues],
  ] as const)('%s has exactly the values of the pgEnum, upper-cased', (name, sqlValues) => {
    const type = schema.getType(name) as GraphQLEnumType;
    expect(isEnumType(type)).toBe(true);
    expect(type.getValues().map(({ name: graphqlName, value }) => [graphqlName, value])).toEqual(
      sqlValues.map((value) => [value.toUpperCase(), value]),
    );
  });

  it('uses them for the SQL enum columns', () => {
    const trade = schema.getType('Trade');
    const point = schema.getType('PortfolioHistoryPoint');
    if (!isObjectType(trade) || !isObjectType(point)) throw new Error('object types expected');
    expect(getNamedType(trade.getFields().market!.type).name).toBe('Market');
    expect(getNamedType(point.getFields().interval!.type).name).toBe('Interval');
  });
});
