/**
 * A small typed client for folioql: give it a typed document from
 * ./operations.ts and its variables, get the typed result back, or a
 * FolioqlError whose `code` a caller can switch on.
 *
 * With `persisted: true` it sends only the document's hash (the trusted
 * documents of ./generated/persisted-documents.json), as a server started
 * with PERSISTED_OPERATIONS requires.
 */
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { print } from 'graphql';
import type { ErrorCode } from '../../errors.ts';

/**
 * The `extensions.code` values folioql answers with (see the README's Errors
 * table): the server's own list, imported as a type only, so the client does
 * not load server code at run time.
 */
export type FolioqlErrorCode = ErrorCode;

export interface FolioqlGraphQLError {
  message: string;
  path?: (string | number)[];
  extensions?: { code?: FolioqlErrorCode; [key: string]: unknown };
}

export class FolioqlError extends Error {
  override name = 'FolioqlError';
  constructor(
    /** The HTTP status of the response. */
    readonly status: number,
    readonly errors: FolioqlGraphQLError[],
  ) {
    super(errors.map((error) => error.message).join('; ') || `HTTP ${status}`);
  }

  /** The code of the first error, the one to act on. */
  get code(): FolioqlErrorCode | undefined {
    return this.errors[0]?.extensions?.code;
  }
}

export interface FolioqlClientOptions {
  /** The GraphQL endpoint, e.g. http://localhost:4000/graphql. */
  url: string;
  /** A bearer token; producers need one with the producer role. */
  token?: string;
  /** Send document hashes instead of documents (trusted documents). */
  persisted?: boolean;
  /** Give up on a request after this many milliseconds (no limit by default). */
  timeoutMs?: number;
  fetch?: typeof fetch;
}

type VariablesOf<Variables> =
  Record<string, never> extends Variables ? [variables?: Variables] : [variables: Variables];

export function createFolioqlClient({
  url,
  token,
  persisted = false,
  timeoutMs,
  fetch = globalThis.fetch,
}: FolioqlClientOptions) {
  return {
    /** Runs one operation; resolves with its data, or rejects with a FolioqlError. */
    async request<Result, Variables>(
      document: TypedDocumentNode<Result, Variables>,
      ...[variables]: VariablesOf<Variables>
    ): Promise<Result> {
      const hash = (document as { __meta__?: { hash?: string } }).__meta__?.hash;
      const body = persisted
        ? {
            variables,
            extensions: { persistedQuery: { version: 1, sha256Hash: hash?.replace(/^sha256:/, '') } },
          }
        : { query: print(document), variables };
      const response = await fetch(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/graphql-response+json, application/json;q=0.9',
          ...(token ? { authorization: `Bearer ${token}` } : {}),
        },
        body: JSON.stringify(body),
        signal: timeoutMs === undefined ? undefined : AbortSignal.timeout(timeoutMs),
      });
      const result = (await response.json().catch(() => ({
        errors: [{ message: `HTTP ${response.status}: the response is not GraphQL JSON` }],
      }))) as { data?: Result | null; errors?: FolioqlGraphQLError[] };
      if (result.errors?.length || result.data == null) {
        throw new FolioqlError(response.status, result.errors ?? []);
      }
      return result.data;
    },
  };
}

export type FolioqlClient = ReturnType<typeof createFolioqlClient>;
