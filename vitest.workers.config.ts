import { cloudflareTest } from '@cloudflare/vitest-pool-workers';
import { defineConfig } from 'vitest/config';

// Tokens of the Worker tests (test/worker/helpers.ts): sha256 of
// "madmix-test-write-token" with role write and of "madmix-test-read-token" with role read.
const TEST_TOKEN_HASHES = [
  'ae55294f7465ec9f88bd796b2eab19df6a3c94eeaa428833074387bffd77ddd4:write',
  '68b0bda42674158ec19c38cacec88c407275f23678d1d0f44a49c5292230f459:read',
].join(',');

export default defineConfig({
  plugins: [
    cloudflareTest({
      wrangler: { configPath: './wrangler.toml' },
      miniflare: {
        bindings: { ENVIRONMENT: 'test', TOKEN_HASHES: TEST_TOKEN_HASHES },
      },
    }),
  ],
  test: {
    name: 'workers',
    include: ['test/worker/**/*.test.ts'],
    testTimeout: 60_000,
  },
});
