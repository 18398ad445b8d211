/**
 * Processes for the footprint benchmarks: the gateway's bundle (dist/roost.js, as `make build`
 * makes it and the image runs it) and the fastify hello-world baseline (fastify-hello.ts, bundled
 * with the same esbuild options' platform and format), each started as `node FILE ...`, timed from
 * spawn to its first `/healthz` answer that satisfies `ready`, and measured from /proc/<pid>.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { buildBundle } from '../../image/src/bundle/build-bundle.js';
import { NATIVE_PACKAGES } from '../../image/src/bundle/bundle-options.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
/**
 * Under the repository (dist/ is ignored by git) so that the bundles' externals resolve from
 * node_modules, in a folder of its own: `make build`'s dist/roost.js (which bin/roost.js runs) is
 * left alone.
 */
const OUT = join(ROOT, 'dist', 'bench-footprint');
const LISTENING = /Server listening at (https?:\/\/[^"\s]+)/;
const POLL_MS = 5;

export interface Bundles {
  gateway: string;
  fastify: string;
  /** The gateway's third-party stack alone (stack-hello.ts): the floor. */
  stack: string;
}

/** A baseline of this folder bundled like the gateway (ESM, node20, native addons external). */
async function buildBaseline(name: string): Promise<string> {
  const outfile = join(OUT, 'baseline', `${name}.js`);
  await build({
    entryPoints: [fileURLToPath(new URL(`./${name}.ts`, import.meta.url))], outfile,
    bundle: true, platform: 'node', format: 'esm', target: 'node20', logLevel: 'warning', external: [...NATIVE_PACKAGES],
    banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
  });
  return outfile;
}

/** Builds the bundles once per benchmark run. */
export async function buildBundles(): Promise<Bundles> {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
  const { bundleFile } = await buildBundle({ projectRoot: ROOT, outDir: OUT, version: pkg.version, commit: 'bench' });
  mkdirSync(join(OUT, 'baseline'), { recursive: true });
  return { gateway: bundleFile, fastify: await buildBaseline('fastify-hello'), stack: await buildBaseline('stack-hello') };
}

export interface Started {
  pid: number;
  url: string;
  /** Milliseconds from spawn to the first /healthz answer that satisfied `ready`. */
  readyMs: number;
  /** Resident set size now (KiB), from /proc/<pid>/status. */
  rssKiB(): number;
  stop(): Promise<void>;
}

export interface StartOptions {
  args: string[];
  /** Is this /healthz body the answer of a process ready for work? Default: any 200. */
  ready?: (body: unknown) => boolean;
  timeoutMs?: number;
}

export async function startProcess(o: StartOptions): Promise<Started> {
  const t0 = performance.now();
  const child: ChildProcess = spawn(process.execPath, o.args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const stop = (): Promise<void> => new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
    setTimeout(() => child.kill('SIGKILL'), 5000).unref();
  });
  try {
    const url = await listeningUrl(child, o.timeoutMs ?? 30_000);
    const deadline = t0 + (o.timeoutMs ?? 30_000);
    for (;;) {
      if (performance.now() > deadline) throw new Error(`${o.args.join(' ')}: not ready in ${o.timeoutMs ?? 30_000} ms`);
      const body = await fetch(`${url}/healthz`).then((r) => (r.ok ? r.json() : undefined), () => undefined);
      if (body !== undefined && (o.ready ?? (() => true))(body)) break;
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
    const readyMs = performance.now() - t0;
    child.stdout!.resume();
    child.stderr!.resume();
    return { pid: child.pid!, url, readyMs, rssKiB: () => rssKiB(child.pid!), stop };
  } catch (e) {
    await stop();
    throw e;
  }
}

function listeningUrl(child: ChildProcess, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    const timer = setTimeout(() => reject(new Error(`no listening line in ${timeoutMs} ms: ${err.slice(-500)}`)), timeoutMs);
    child.stderr!.on('data', (c: Buffer) => { err = (err + c.toString()).slice(-4000); });
    const onData = (c: Buffer): void => {
      out += c.toString();
      const m = LISTENING.exec(out);
      if (!m) return;
      clearTimeout(timer);
      child.stdout!.off('data', onData);
      resolve(m[1]!);
    };
    child.stdout!.on('data', onData);
    child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`exited with ${code}: ${err.slice(-500)}`)); });
  });
}

export function rssKiB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!m) throw new Error(`no VmRSS for ${pid}`);
  return Number(m[1]);
}

/** Writes a gateway config (JSON is YAML too) for a benchmark: loopback, port 0, no TLS, no detection. */
export function writeGatewayConfig(dir: string, bindings: Record<string, unknown>): string {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'roost.yaml');
  writeFileSync(file, JSON.stringify({
    log: { level: 'info' },
    http: { host: '127.0.0.1', port: 0 },
    mqtt: { host: '127.0.0.1', port: 0 },
    auth: { adminPassword: 'bench-footprint-password' },
    tls: { enabled: false },
    detect: { enabled: false },
    bindings,
  }));
  return file;
}

/** The Node flags the appliance starts the bundle with: those of image/rootfs/overlay/usr/bin/roost's exec line. */
export function applianceNodeFlags(): string[] {
  const wrapper = readFileSync(join(ROOT, 'image/rootfs/overlay/usr/bin/roost'), 'utf8');
  const m = /^exec \S+\/node((?: --?[\w-]+(?:=\S+)?)*) \S+\/roost\.js "\$@"$/m.exec(wrapper);
  if (!m) throw new Error('image/rootfs/overlay/usr/bin/roost: no `exec .../node [flags] .../roost.js "$@"` line');
  return m[1]!.trim().split(/\s+/).filter(Boolean);
}

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}
