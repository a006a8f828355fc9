import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseStats, statsToSafetensors } from '../../src/core/stats/index.js';

const ROOT = join(import.meta.dirname, '../..');
const FIXTURE = join(ROOT, 'test/fixtures/mixtures/image-text-5.json');
const TEXT_ONLY = join(ROOT, 'test/fixtures/mixtures/text-only-7.json');

function cli(...args: string[]) {
  const run = spawnSync(process.execPath, [join(ROOT, 'scripts/madmix.mjs'), ...args], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
  return { code: run.status, stdout: run.stdout, stderr: run.stderr };
}

function tempFile(name: string, content: string | Uint8Array): string {
  const path = join(mkdtempSync(join(tmpdir(), 'madmix-cli-')), name);
  writeFileSync(path, content);
  return path;
}

describe('madmix CLI', () => {
  it('mix: table for a fixture', () => {
    const { code, stdout } = cli('mix', FIXTURE, '--backend', 'js');
    expect(code).toBe(0);
    expect(stdout).toMatch(/^domain\s+weight %\s+score\s+bar/);
    expect(stdout).toContain('language');
    expect(stdout).toMatch(/solver version\s+\d+\.\d+\.\d+/);
    expect(stdout).toMatch(/input hash\s+[0-9a-f]{64}/);
  });

  it('mix --json: full result', () => {
    const { code, stdout } = cli('mix', TEXT_ONLY, '--method', 'chameleon', '--stage', 'pretrain', '--json');
    expect(code).toBe(0);
    const result = JSON.parse(stdout);
    expect(result.method).toBe('chameleon');
    expect(result.params).toEqual({ lambda: 10, stage: 'pretrain', modality: 'text' });
    // Expected weight of "arxiv" from the text-only-7 fixture, to 1e-9.
    expect(Math.abs(result.weights.arxiv - 0.13549971)).toBeLessThan(1e-8);
  });

  it('mix: default backend is wasm or noted', () => {
    const { code, stdout, stderr } = cli('mix', FIXTURE);
    expect(code).toBe(0);
    if (!stdout.includes('backend         wasm')) expect(stderr).toContain('using the JS backend');
  });

  it('mix: safetensors input', () => {
    const path = tempFile('stats.safetensors', statsToSafetensors(parseStats(readFileSync(FIXTURE))));
    const json = JSON.parse(cli('mix', FIXTURE, '--json', '--backend', 'js').stdout);
    const binary = JSON.parse(cli('mix', path, '--json', '--backend', 'js').stdout);
    expect(binary.weights).toEqual(json.weights);
  });

  it('mix: manual weights flag', () => {
    const weights = 'general=1,doc-chart-screen=1,math-reasoning=1,general-ocr=1,language=4';
    const { code, stdout } = cli('mix', FIXTURE, '--method', 'manual', '--weights', weights, '--json', '--backend', 'js');
    expect(code).toBe(0);
    expect(JSON.parse(stdout).weights.language).toBeCloseTo(0.5, 12);
  });

  it('path: table and json', () => {
    const table = cli('path', FIXTURE, '--points', '4', '--backend', 'js');
    expect(table.code).toBe(0);
    expect(table.stdout.trim().split('\n').length).toBe(7);
    const json = JSON.parse(cli('path', FIXTURE, '--json', '--backend', 'js').stdout);
    expect(json.lambdas.length).toBe(25);
  });

  it('help: usage and exit 0', () => {
    const { code, stdout } = cli('--help');
    expect(code).toBe(0);
    expect(stdout).toContain('madmix mix FILE');
  });

  it('broken file: exit 2 without stack', () => {
    const { code, stderr } = cli('mix', tempFile('broken.json', '{"domains": [1, 2'));
    expect(code).toBe(2);
    expect(stderr).toMatch(/^madmix: /);
    expect(stderr).not.toContain('    at ');
  });

  it('missing file: exit 2', () => {
    const { code, stderr } = cli('mix', join(ROOT, 'no-such-file.json'));
    expect(code).toBe(2);
    expect(stderr).toContain('no-such-file.json');
  });

  it('unknown flag: exit 2 naming it', () => {
    const { code, stderr } = cli('mix', FIXTURE, '--lamda', '3');
    expect(code).toBe(2);
    expect(stderr).toContain('--lamda');
  });

  it('invalid parameter: exit 2 naming it', () => {
    const { code, stderr } = cli('mix', FIXTURE, '--lambda', '-1');
    expect(code).toBe(2);
    expect(stderr).toContain('lambda');
  });

  it('non-numeric value: exit 2', () => {
    const { code, stderr } = cli('mix', FIXTURE, '--temperature', 'warm');
    expect(code).toBe(2);
    expect(stderr).toContain('--temperature');
  });

  it('mix: manual weights of 1e308 normalize, exit 0', () => {
    const weights = 'general=1e308,doc-chart-screen=1e308,math-reasoning=0,general-ocr=0,language=1e308';
    const { code, stdout, stderr } = cli('mix', FIXTURE, '--method', 'manual', '--weights', weights, '--json', '--backend', 'js');
    expect(stderr).not.toContain('    at ');
    expect(code).toBe(0);
    // Three equal weights of 1e308: a third each, to 1e-12.
    expect(JSON.parse(stdout).weights.language).toBeCloseTo(1 / 3, 12);
  });

  it('truncated safetensors file: message speaks of the file, not an upload', () => {
    const { code, stderr } = cli('mix', tempFile('short.safetensors', Uint8Array.of(1, 2, 3)));
    expect(code).toBe(2);
    expect(stderr).toContain('statistics file is truncated');
    expect(stderr).not.toMatch(/upload|request body/);
  });

  it('start: wrangler runs without telemetry and the Try command uses lambda 10', () => {
    const start = readFileSync(join(ROOT, 'scripts/start.mjs'), 'utf8');
    for (const setting of ["WRANGLER_SEND_METRICS: 'false'", "WRANGLER_SEND_ERROR_REPORTS: 'false'", "CLOUDFLARE_CF_FETCH_ENABLED: 'false'", "WRANGLER_HIDE_BANNER: 'true'"]) {
      expect(start).toContain(setting);
    }
    expect(start).toContain('env: wranglerEnv');
    expect(start).toContain('"params": {"lambda": 10}');
  });
  it('--version: package and solver', () => {
    const { code, stdout } = cli('--version');
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
    expect(code).toBe(0);
    expect(stdout).toMatch(new RegExp(`^madmix ${pkg.version.replace(/\./g, '\\.')} \\(solver \\d+\\.\\d+\\.\\d+\\)\\n$`));
  });

  it('mix --points: rejected with reason', () => {
    const { code, stderr } = cli('mix', FIXTURE, '--points', '5');
    expect(code).toBe(2);
    expect(stderr).toContain('--points');
    expect(stderr).toContain('path command');
  });

  it('path --lambda: rejected, by design', () => {
    const { code, stderr } = cli('path', FIXTURE, '--lambda', '3');
    expect(code).toBe(2);
    expect(stderr).toContain('--lambda');
    expect(stderr).toContain('by design');
  });

  it('uniform --lambda: still rejected', () => {
    const { code } = cli('mix', FIXTURE, '--method', 'uniform', '--lambda', '5', '--backend', 'js');
    expect(code).toBe(2);
  });

  it('repeated flag: rejected', () => {
    const { code, stderr } = cli('mix', FIXTURE, '--lambda', '1', '--lambda', '2');
    expect(code).toBe(2);
    expect(stderr).toContain('--lambda is repeated');
  });

  it('manual without weights: names --weights', () => {
    const { code, stderr } = cli('mix', FIXTURE, '--method', 'manual');
    expect(code).toBe(2);
    expect(stderr).toContain('pass --weights name=w,name=w');
  });

  it('manual weights: repeated domain rejected', () => {
    const weights = 'general=1,general=2,doc-chart-screen=1,math-reasoning=1,general-ocr=1,language=1';
    const { code, stderr } = cli('mix', FIXTURE, '--method', 'manual', '--weights', weights, '--backend', 'js');
    expect(code).toBe(2);
    expect(stderr).toContain('Domain "general" appears twice in --weights');
  });

  it('mix README.md: neither JSON nor safetensors', () => {
    const { code, stderr } = cli('mix', join(ROOT, 'README.md'));
    expect(code).toBe(2);
    expect(stderr).toContain(`${join(ROOT, 'README.md')} is neither statistics JSON nor safetensors`);
    expect(stderr).not.toContain('header length');
  });

  it('truncated safetensors: real diagnostics', () => {
    const bytes = statsToSafetensors(parseStats(readFileSync(FIXTURE)));
    const { code, stderr } = cli('mix', tempFile('cut.safetensors', bytes.slice(0, bytes.length - 16)), '--backend', 'js');
    expect(code).toBe(2);
    expect(stderr).not.toContain('neither statistics JSON');
  });
});
