/**
 * The text of schema.graphql, shared by the script that writes it and the
 * test that checks it is current.
 */
import { printSchema } from 'graphql';
import { fileURLToPath } from 'node:url';
import { schema } from './index.ts';

export const schemaFilePath = fileURLToPath(new URL('../../schema.graphql', import.meta.url));

export function printSchemaFile(): string {
  // In definition order: id first, related fields together, as written.
  return `${printSchema(schema)}\n`;
}
