/**
 * Turns one record of a file (keys are the SQL column names of the PostgREST
 * tables) into the GraphQL input the upsert mutations take, or says why it
 * cannot. The readers are derived from the Drizzle table definitions, so a
 * column added there is read here too; the value rules are the API's own
 * (input-values.ts), so a row that passes here passes the server's checks.
 */
import { getTableColumns } from 'drizzle-orm';
import type { PgColumn, PgTable } from 'drizzle-orm/pg-core';
import {
  abbreviate,
  checkInstant,
  checkText,
  graphQLEnumName,
  parseDecimal,
  parseEpochMillisText,
} from '../../input-values.ts';

/** A JSON number as written in the file: its digits never pass through a JavaScript number. */
export class JsonNumber {
  constructor(readonly text: string) {}
}

/** A cell as a file holds it: CSV gives text; JSON Lines numbers, booleans, null, lists and objects too. */
export type Cell = string | boolean | JsonNumber | null | undefined | unknown[] | Record<string, unknown>;

/** Why a row was not sent. */
export class RowError extends Error {
  override name = 'RowError';
}

/** Reads a present cell; `where` is the column's SQL name, for messages. */
type ReadCell = (cell: Exclude<Cell, null | undefined>, where: string) => unknown;

export interface RowReaderOptions {
  /** The upsert key: these columns are required even where SQL allows null. */
  key: readonly string[];
  /** Longest text per column, by property name. */
  textMax?: Readonly<Record<string, number>>;
}

export interface RowReader {
  /** The SQL column names a file may have, in table order. */
  columns: readonly string[];
  /** The GraphQL input fields a read row fills: the table's properties but the assigned ones. */
  inputFields: readonly string[];
  /**
   * The columns every row must have, if only as null: an upsert replaces
   * every value, so a column left out of a file would blank it.
   */
  expectedColumns: readonly string[];
  /** Reads one record into a GraphQL input object, or throws a RowError. */
  read(record: Record<string, Cell>): Record<string, unknown>;
  /** The upsert key of a read row, as one string. */
  keyOf(input: Record<string, unknown>): string;
}

export function rowReaderFor(table: PgTable, { key, textMax = {} }: RowReaderOptions): RowReader {
  const columns = Object.entries(getTableColumns(table));
  // Columns the database assigns (serial ids) may be in a file, and are ignored.
  const readers = columns
    .filter(([, column]) => !isAssigned(column))
    .map(([property, column]) => ({
      property,
      sqlName: column.name,
      read: cellReaderFor(column, textMax[property]),
      required: column.notNull || key.includes(property),
    }));
  const known = new Set(columns.map(([, column]) => column.name));
  const names = columns.map(([, column]) => column.name);

  return {
    columns: names,
    inputFields: readers.map((reader) => reader.property),
    expectedColumns: readers.map((reader) => reader.sqlName),
    read(record) {
      for (const name of Object.keys(record)) {
        if (!known.has(name)) {
          throw new RowError(`unknown column ${quote(name)}; the columns are ${names.join(', ')}`);
        }
      }
      const input: Record<string, unknown> = {};
      for (const { property, sqlName, read, required } of readers) {
        const cell = record[sqlName];
        if (cell === undefined) {
          throw new RowError(
            required ? `${sqlName} is required` : `${sqlName} is missing; give it as null for no value`,
          );
        }
        // CSV writes SQL NULL as an empty cell, as PostgREST and COPY do.
        if (cell === null || cell === '') {
          if (required) throw new RowError(`${sqlName} is required`);
          continue;
        }
        try {
          input[property] = read(cell, sqlName);
        } catch (error) {
          throw new RowError((error as Error).message);
        }
      }
      return input;
    },
    keyOf: (input) => key.map((property) => String(input[property])).join(' '),
  };
}

function isAssigned(column: PgColumn): boolean {
  return column.columnType === 'PgSerial';
}

/**
 * How to read a column's cells, chosen by its SQL type. A reader's errors
 * start with the column's name.
 */
function cellReaderFor(column: PgColumn, maxLength: number | undefined): ReadCell {
  switch (column.columnType) {
    case 'PgText':
      return (cell, where) => {
        if (typeof cell !== 'string') throw new Error(`${where} must be text, got ${describe(cell)}`);
        checkText(cell, maxLength ?? Number.POSITIVE_INFINITY, where);
        return cell;
      };
    case 'PgNumeric':
      return (cell, where) => naming(where, () => parseDecimal(numberText(cell)));
    case 'PgBigIntString':
      return (cell, where) => {
        const millis = naming(where, () => parseEpochMillisText(numberText(cell)));
        checkInstant(millis, where);
        return millis;
      };
    case 'PgBoolean':
      return (cell, where) => {
        if (typeof cell === 'boolean') return cell;
        const text = typeof cell === 'string' ? cell.toLowerCase() : undefined;
        // PostgreSQL writes booleans as t and f; JSON and most tools as true and false.
        if (text === 'true' || text === 't') return true;
        if (text === 'false' || text === 'f') return false;
        throw new Error(`${where} must be true or false, got ${describe(cell)}`);
      };
    case 'PgEnumColumn': {
      const values = column.enumValues ?? [];
      return (cell, where) => {
        if (typeof cell !== 'string' || !values.includes(cell)) {
          throw new Error(`${where} must be one of ${values.join(', ')}, got ${describe(cell)}`);
        }
        return graphQLEnumName(cell);
      };
    }
    default:
      throw new Error(`The push CLI cannot read ${column.name}, a ${column.columnType} column`);
  }
}

/** Runs a scalar's parser, putting the column's name in front of its message. */
function naming<T>(where: string, parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    throw new Error(`${where}: ${(error as Error).message}`);
  }
}

/** The digits of a number cell: JSON numbers keep their text, and CSV is text already. */
function numberText(cell: Exclude<Cell, null | undefined>): string {
  if (cell instanceof JsonNumber) return cell.text;
  if (typeof cell === 'string') return cell.trim();
  throw new Error(`must be a number, got ${describe(cell)}`);
}

function describe(cell: unknown): string {
  if (cell instanceof JsonNumber) return `the number ${cell.text}`;
  if (typeof cell === 'string') return quote(cell);
  if (Array.isArray(cell)) return 'a list';
  return typeof cell === 'object' ? 'an object' : String(cell);
}

/** Text from the file, quoted and escaped, so a control character cannot reach the terminal. */
function quote(text: string): string {
  return JSON.stringify(abbreviate(text));
}
