import { cloudflareTest } from '@cloudflare/vitest-pool-workers';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  plugins: [
    cloudflareTest({
      wrangler: { configPath: './wrangler.toml' },
      miniflare: {
        bindings: { ENVIRONMENT: 'test' },
      },
    }),
  ],
  test: {
    name: 'workers',
    include: ['test/worker/**/*.test.ts'],
    testTimeout: 60_000,
  },
});
