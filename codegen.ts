/**
 * GraphQL Code Generator (client preset): typed documents for the operations
 * in src/programs/client/operations.ts, checked against schema.graphql, and the
 * trusted-documents manifest (persisted-documents.json) the server can be
 * limited to. Run `npm run codegen`; a test fails while the output is stale.
 */
import type { CodegenConfig } from '@graphql-codegen/cli';

const config: CodegenConfig = {
  schema: 'schema.graphql',
  documents: ['src/programs/client/operations.ts'],
  ignoreNoDocuments: false,
  generates: {
    'src/programs/client/generated/': {
      preset: 'client',
      presetConfig: {
        fragmentMasking: false,
        persistedDocuments: { mode: 'embedHashInDocument', hashAlgorithm: 'sha256' },
      },
      config: {
        // Exact decimals stay strings; epoch milliseconds are numbers.
        scalars: { Decimal: 'string', EpochMillis: 'number', DateTime: 'string' },
        strictScalars: true,
        enumsAsTypes: true,
        useTypeImports: true,
        emitLegacyCommonJSImports: false,
      },
    },
  },
};

export default config;
