/**
 * Runs the shell examples of a Markdown document so the docs stay true. Every fenced block
 * whose info string is `sh` runs, in order, in one bash process (variables set by one block are
 * seen by the next). A fenced `text` block right after it is the expected output: compared line
 * by line after trimming, where `…` stands for any run of characters. A block must exit 0.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';

export interface DocExample {
  /** 1-based line of the opening fence. */
  line: number;
  /** 0-based index of the closing fence. */
  end: number;
  script: string;
  expected?: string;
}

export function extractExamples(markdown: string): DocExample[] {
  const lines = markdown.split('\n');
  const out: DocExample[] = [];
  for (let i = 0; i < lines.length; i++) {
    const m = /^```(\w+)\s*$/.exec(lines[i] ?? '');
    if (!m) continue;
    const start = i;
    const body: string[] = [];
    for (i++; i < lines.length && lines[i] !== '```'; i++) body.push(lines[i] ?? '');
    if (m[1] === 'sh') out.push({ line: start + 1, end: i, script: body.join('\n') });
    else if (m[1] === 'text') {
      // Expected output: a text block with nothing but blank lines between it and an sh block.
      const last = out.at(-1);
      if (last && last.expected === undefined && lines.slice(last.end + 1, start).every((l) => l.trim() === '')) last.expected = body.join('\n');
    }
  }
  return out;
}

function pattern(expected: string): RegExp {
  const lines = expected.split('\n').map((l) => l.trim()).filter((l) => l !== '');
  const esc = lines.map((l) => l.split('…').map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('.*'));
  return new RegExp(`^${esc.join('\\n')}$`, 's');
}

export function outputMatches(expected: string, actual: string): boolean {
  const got = actual.split('\n').map((l) => l.trim()).filter((l) => l !== '').join('\n');
  return pattern(expected).test(got);
}

export interface ExampleResult { example: DocExample; output: string; status: number }

/** Runs every example in one bash, with env; answers each block's output and exit status. */
export async function runExamples(examples: DocExample[], env: Record<string, string>, timeoutMs = 60_000): Promise<ExampleResult[]> {
  const bash = spawn('bash', ['--noprofile', '--norc'], { env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: process.env['HOME'] ?? '/tmp', ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
  let buffer = '';
  bash.stdout.on('data', (b: Buffer) => { buffer += b.toString(); });
  // One stream, in order: what a reader would see in a terminal.
  bash.stdin.write('exec 2>&1\n');
  const timer = setTimeout(() => bash.kill('SIGKILL'), timeoutMs);
  const results: ExampleResult[] = [];
  try {
    for (const [i, example] of examples.entries()) {
      const marker = `__ROOST_DOC_END_${i}__`;
      bash.stdin.write(`{\n${example.script}\n}\necho "${marker} $?"\n`);
      const status = await new Promise<number>((resolve, reject) => {
        const check = () => {
          const m = new RegExp(`${marker} (\\d+)\\n`).exec(buffer);
          if (m) {
            bash.stdout.off('data', check);
            bash.off('exit', onExit);
            resolve(Number(m[1]));
          }
        };
        const onExit = () => reject(new Error(`bash exited during the example at line ${example.line}:\n${buffer}`));
        bash.stdout.on('data', check);
        bash.once('exit', onExit);
        check();
      });
      const end = buffer.indexOf(marker);
      results.push({ example, output: buffer.slice(0, end), status });
      buffer = buffer.slice(buffer.indexOf('\n', end) + 1);
    }
  } finally {
    clearTimeout(timer);
    bash.stdin.end();
    bash.kill();
  }
  return results;
}

export function readDoc(url: URL): string {
  return readFileSync(url, 'utf8');
}
