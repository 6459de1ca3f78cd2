/**
 * Trusted documents: with PERSISTED_OPERATIONS set, the server runs only the
 * operations of a manifest (the one `npm run codegen` writes for folioql's
 * client, or another), asked for by hash, and refuses any other document.
 * A client sends `extensions.persistedQuery.sha256Hash`, as Apollo's and
 * urql's persisted-query support do.
 */
import { readFileSync } from 'node:fs';
import { usePersistedOperations } from '@graphql-yoga/plugin-persisted-operations';
import { ConfigError } from '../config.ts';
import { GraphQLError } from 'graphql';
import { clientError, clientErrorExtensions, ERROR_CODES } from '../errors.ts';

/** hash → document text; keys may carry the "sha256:" prefix codegen writes. */
export type TrustedDocuments = Record<string, string>;

export function readTrustedDocuments(file: string): TrustedDocuments {
  let manifest: unknown;
  try {
    manifest = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new ConfigError(
      `PERSISTED_OPERATIONS: cannot read the manifest ${file}: ${(error as Error).message}`,
    );
  }
  if (
    typeof manifest !== 'object' ||
    manifest === null ||
    !Object.values(manifest).every((document) => typeof document === 'string')
  ) {
    throw new ConfigError(`PERSISTED_OPERATIONS: ${file} is not a map of hashes to documents`);
  }
  return manifest as TrustedDocuments;
}

const documentOf = (documents: TrustedDocuments, hash: string) =>
  documents[hash] ?? documents[`sha256:${hash}`] ?? null;

const MESSAGES = {
  persistedQueryOnly:
    'This server runs only its trusted documents (PERSISTED_OPERATIONS): send extensions.persistedQuery.sha256Hash of one of them instead of a query',
  notFound: 'No trusted document has this hash: regenerate the client, or add the document to the manifest',
  keyNotFound: 'Send extensions.persistedQuery with version 1 and the sha256Hash of a trusted document',
};

/**
 * The trusted document a WebSocket operation names (yoga's plugin reads
 * HTTP requests only), or the error an HTTP request would get.
 */
export function trustedDocumentOf(
  documents: TrustedDocuments,
  params: { query?: string | null; extensions?: Record<string, unknown> | null },
): string | GraphQLError {
  const persisted = params.extensions?.persistedQuery as { sha256Hash?: unknown } | undefined;
  if (typeof persisted?.sha256Hash === 'string') {
    return (
      documentOf(documents, persisted.sha256Hash) ??
      clientError(ERROR_CODES.PERSISTED_QUERY_NOT_FOUND, MESSAGES.notFound, { status: 400 })
    );
  }
  return clientError(
    ERROR_CODES.PERSISTED_QUERY_ONLY,
    params.query ? MESSAGES.persistedQueryOnly : MESSAGES.keyNotFound,
    { status: 400 },
  );
}

export function useTrustedDocuments(documents: TrustedDocuments) {
  return usePersistedOperations({
    getPersistedOperation: (hash) => documentOf(documents, hash),
    allowArbitraryOperations: false,
    customErrors: {
      persistedQueryOnly: {
        message: MESSAGES.persistedQueryOnly,
        extensions: clientErrorExtensions(ERROR_CODES.PERSISTED_QUERY_ONLY, { status: 400 }),
      },
      notFound: {
        message: MESSAGES.notFound,
        extensions: clientErrorExtensions(ERROR_CODES.PERSISTED_QUERY_NOT_FOUND, { status: 400 }),
      },
      keyNotFound: {
        message: MESSAGES.keyNotFound,
        extensions: clientErrorExtensions(ERROR_CODES.PERSISTED_QUERY_ONLY, { status: 400 }),
      },
    },
  });
}
