/**
 * Starts a gateway for a test: a fresh temp data dir, 127.0.0.1 and port 0 everywhere, logs into
 * a sink (or stderr with ROOST_TEST_LOG=debug), removed again by stop().
 */
import { rmSync } from 'node:fs';
import { Writable } from 'node:stream';
import type { Binding } from '../../gateway/binding.js';
import type { BindingLoader } from '../../gateway/binding-registry.js';
import { mergePatch } from '../../gateway/hub/directory.js';
import { startGateway, type Gateway } from '../../gateway/gateway.js';
import { createLogger } from '../../gateway/logger.js';
import { tempDir } from './temp-dir.js';

export interface TestGatewayOptions {
  extraBindings?: Binding[];
  bindingModules?: Readonly<Record<string, BindingLoader>>;
  now?: () => number;
  /** Reuse a data dir (restart tests); it is then not removed on stop. */
  dataDir?: string;
  /** Collects log lines (parsed JSON) here. */
  logs?: Array<Record<string, unknown>>;
}

export type TestGateway = Gateway & { stop(): Promise<void> };

export const TEST_ADMIN_PASSWORD = 'test-admin-password-1';

export function testConfig(partial: Record<string, unknown> = {}): Record<string, unknown> {
  const base = {
    log: { level: process.env['ROOST_TEST_LOG'] ?? 'warn' },
    http: { host: '127.0.0.1', port: 0 },
    // tlsPort too: a test that turns TLS on must not bind MQTTS's 8883 (two at once collided in CI).
    mqtt: { host: '127.0.0.1', port: 0, tlsPort: 0 },
    auth: { adminPassword: TEST_ADMIN_PASSWORD },
    store: { synchronous: 'normal' },
    // Tests that are not about onboarding let every device in; onboarding tests set their policy.
    onboarding: { defaultPolicy: 'open' },
    bindings: { system: { enabled: true, intervalMs: 60000 } },
  };
  return mergePatch(base, partial) as Record<string, unknown>;
}

export { tempDir };

export async function startTestGateway(partial: Record<string, unknown> = {}, opts: TestGatewayOptions = {}): Promise<TestGateway> {
  const dataDir = opts.dataDir ?? tempDir();
  const config = testConfig(partial);
  const level = (config['log'] as { level: string }).level;
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      const text = chunk.toString();
      if (opts.logs) for (const line of text.split('\n')) if (line) opts.logs.push(JSON.parse(line) as Record<string, unknown>);
      if (process.env['ROOST_TEST_LOG']) process.stderr.write(text);
      cb();
    },
  });
  const gw = await startGateway({
    config,
    dataDir,
    logger: createLogger(opts.logs ? 'debug' : level, sink),
    ...(opts.extraBindings ? { extraBindings: opts.extraBindings } : {}),
    ...(opts.bindingModules ? { bindingModules: opts.bindingModules } : {}),
    ...(opts.now ? { now: opts.now } : {}),
  });
  const stop = gw.stop.bind(gw);
  return Object.assign(gw, {
    async stop() {
      await stop();
      if (!opts.dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  });
}
