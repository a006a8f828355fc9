import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    name: 'node',
    include: ['test/core/**/*.test.ts', 'test/node/**/*.test.ts'],
    testTimeout: 120_000,
  },
});
