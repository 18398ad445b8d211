/** Runs one build tool, its output streamed to ours; a non-zero exit throws naming the command. */
import { spawn } from 'node:child_process';

export interface ToolOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Capture stdout instead of streaming it. */
  capture?: boolean;
  input?: string;
}

export function runTool(cmd: string, args: readonly string[], o: ToolOptions = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {
      cwd: o.cwd,
      env: o.env ?? process.env,
      stdio: [o.input === undefined ? 'ignore' : 'pipe', o.capture ? 'pipe' : 'inherit', 'inherit'],
    });
    const out: Buffer[] = [];
    child.stdout?.on('data', (c: Buffer) => out.push(c));
    if (o.input !== undefined) child.stdin?.end(o.input);
    child.on('error', (err) => reject(new Error(`${cmd}: ${err.message}`)));
    child.on('close', (code, signal) => {
      if (code === 0) resolve(Buffer.concat(out).toString('utf8'));
      else reject(new Error(`${cmd} ${args.join(' ')} failed (${signal ?? `exit ${code}`})`));
    });
  });
}
