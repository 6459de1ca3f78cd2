/**
 * `npm run schema:print`: writes schema.graphql, the checked-in contract that
 * clients and codegen read. A test fails when it is stale.
 */
import { writeFileSync } from 'node:fs';
import { printSchemaFile, schemaFilePath } from '../schema/print.ts';

writeFileSync(schemaFilePath, printSchemaFile());
console.log(`Wrote ${schemaFilePath}`);
