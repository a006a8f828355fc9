import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { hasFfmpeg, makePng, writeModels } from './helpers/embed-fixtures.js';

const CLI = 'scripts/embed/cli.ts';
const dir = mkdtempSync(join(tmpdir(), 'madmix-embed-timeout-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it.skipIf(!hasFfmpeg)('decoder timeout: killed, file named, exit 2', () => {
  const models = writeModels(dir);
  const domain = join(dir, 'shapes');
  mkdirSync(domain);
  makePng(join(domain, 'a.png'), 1);
  makePng(join(domain, 'b.png'), 2);

  const args = ['--import', 'tsx', CLI, '--domain', domain, '--image-model', models.image, '--text-model', models.text, '--no-progress', '--out', join(dir, 'out.json')];
  const run = spawnSync(process.execPath, args, { env: { ...process.env, MADMIX_DECODE_TIMEOUT_SECONDS: '0.001' }, encoding: 'utf8' });

  expect(run.status).toBe(2);
  expect(run.stderr).toMatch(/timed out after 0\.001 s on ".*\.png"; check the file, or raise MADMIX_DECODE_TIMEOUT_SECONDS/);
});
