import { defineConfig } from 'vitest/config';

// Two projects: the pure core, CLI and batch scripts run in Node; the Worker
// runs in workerd through the Cloudflare pool (see vitest.workers.config.ts).
export default defineConfig({
  test: {
    projects: ['./vitest.node.config.ts', './vitest.workers.config.ts'],
  },
});
