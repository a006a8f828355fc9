import { defineConfig } from 'vitest/config';

// Browser checks of the pages: starts `wrangler dev` and drives Chromium
// through playwright-core, in Node.
export default defineConfig({
  test: {
    name: 'browser',
    include: ['test/browser/**/*.test.ts'],
    environment: 'node',
    testTimeout: 120_000,
    hookTimeout: 180_000,
  },
});
