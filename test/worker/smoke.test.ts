import { exports } from 'cloudflare:workers';
import { expect, it } from 'vitest';

it('health: returns ok', async () => {
  const res = await exports.default.fetch('http://example.com/health');
  expect(res.status).toBe(200);
});
