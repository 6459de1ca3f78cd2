/**
 * folioql's typed client: the client, its operations, and the generated types.
 */
export * from './client.ts';
export * from './operations.ts';
export type * from './generated/graphql.js';
