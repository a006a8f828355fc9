import { defineConfig } from 'vitest/config';

// Three projects. The pure core, CLI and batch scripts run in Node. The Worker
// runs in workerd through the Cloudflare pool (see vitest.workers.config.ts).
// The pages are checked in headless Chromium against wrangler dev.
export default defineConfig({
  test: {
    projects: ['./vitest.node.config.ts', './vitest.workers.config.ts', './vitest.browser.config.ts'],
  },
});
