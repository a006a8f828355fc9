import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { createServer } from 'node:net';

/** Returns a TCP port that was free on 127.0.0.1 a moment ago. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

export interface DevServer {
  origin: string;
  token: string;
  stop(): Promise<void>;
  log(): string;
}

/**
 * Starts `wrangler dev` on 127.0.0.1 with R2 persisted under `persistTo` and a
 * fresh write token, and waits until `/v1` responds.
 */
export async function startDevServer(persistTo: string): Promise<DevServer> {
  const [port, inspector] = [await freePort(), await freePort()];
  const token = randomBytes(24).toString('hex');
  const digest = createHash('sha256').update(token).digest('hex');
  const child: ChildProcess = spawn(
    'node_modules/.bin/wrangler',
    ['dev', '--ip', '127.0.0.1', '--port', String(port), '--inspector-port', String(inspector), '--persist-to', persistTo,
      '--var', `TOKEN_HASHES:${digest}:write`, '--show-interactive-dev-session=false', '--log-level', 'warn'],
    {
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        ...process.env,
        CLOUDFLARE_CF_FETCH_ENABLED: 'false',
        WRANGLER_SEND_METRICS: 'false',
        WRANGLER_SEND_ERROR_REPORTS: 'false',
        WRANGLER_HIDE_BANNER: 'true',
      },
    },
  );
  let output = '';
  child.stdout?.on('data', (chunk) => (output += chunk));
  child.stderr?.on('data', (chunk) => (output += chunk));
  const origin = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode === null && child.pid) {
      process.kill(-child.pid, 'SIGTERM');
      await new Promise((resolve) => child.once('exit', resolve));
    }
  };
  const deadline = Date.now() + 150_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`wrangler dev exited with ${child.exitCode}:\n${output}`);
    try {
      const res = await fetch(`${origin}/v1`);
      if (res.ok) return { origin, token, stop, log: () => output };
    } catch {
      // Not listening yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  await stop();
  throw new Error(`wrangler dev timed out: no response on ${origin} within 150 s:\n${output}`);
}
