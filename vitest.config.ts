import { createRequire } from 'node:module';
import { defineConfig } from 'vitest/config';

const require = createRequire(import.meta.url);

export default defineConfig({
  resolve: {
    alias: [
      // Node loads graphql's CommonJS entry for every dependency (graphql has
      // no "exports" map); Vite would give our own code the .mjs build, and
      // two copies of GraphQLError break `instanceof` in yoga's error masking.
      { find: /^graphql$/, replacement: require.resolve('graphql') },
    ],
  },
  test: {
    include: ['test/**/*.test.ts'],
    // Builds the migrated PGlite template and, with TEST_DATABASE_URL, the
    // PostgreSQL template database that each test file copies.
    globalSetup: ['test/support/global-setup.ts'],
    // Each test file runs in its own process with its own databases.
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 120_000,
  },
});
