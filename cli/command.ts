/**
 * The arguments of one roost command or subcommand, declared once: node:util parseArgs plus
 * `--help`, required options and named positionals. A mistake throws UsageError, one line that
 * names the option or argument; `--help` throws HelpRequested. main.ts prints either with the
 * command's usage (exit 2 and exit 0), so no command ever shows a parser's stack trace.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';

type Options = NonNullable<ParseArgsConfig['options']>;

export interface CommandSpec<O extends Options> {
  /** The words after `roost`, e.g. `serial monitor`. */
  readonly name: string;
  /** Usage text; its first line is `usage: roost <name> ...`. */
  readonly usage: string;
  readonly options: O;
  /** Options that must be given. */
  readonly required?: readonly (keyof O & string)[];
  /** Names of the positional arguments in order (e.g. `FILE`); none when absent. */
  readonly positionals?: readonly string[];
  /** How many of the positionals must be given (default: all of them). */
  readonly minPositionals?: number;
}

type Parsed<O extends Options> = ReturnType<typeof parseArgs<{ options: O; allowPositionals: true; strict: true }>>;

/** A usage mistake: the message names it in one line; main.ts adds the usage (exit 2). */
export class UsageError extends Error {
  constructor(readonly command: string, message: string, readonly usage: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** `--help` was asked for: main.ts prints the usage (exit 0). */
export class HelpRequested extends Error {
  constructor(readonly usage: string) {
    super('help requested');
    this.name = 'HelpRequested';
  }
}

const HELP = { help: { type: 'boolean', short: 'h' } } as const;

/** parseArgs' messages, first sentence only: "Unknown option '--x'" becomes "unknown option '--x'". */
function oneLine(err: unknown): string | null {
  const code = (err as { code?: unknown }).code;
  if (typeof code !== 'string' || !code.startsWith('ERR_PARSE_ARGS_')) return null;
  const first = (err as Error).message.split(/\.\s/)[0] ?? '';
  return first.charAt(0).toLowerCase() + first.slice(1);
}

/** Parses argv against a spec; throws HelpRequested or UsageError. */
function parseCommand<O extends Options>(spec: CommandSpec<O>, argv: readonly string[]): Parsed<O> {
  const options = { ...spec.options, ...HELP };
  // --help wins over every other mistake on the line (tokens keep an option's value apart from options).
  const { tokens } = parseArgs({ args: [...argv], options, strict: false, allowPositionals: true, tokens: true });
  if (tokens.some((t) => t.kind === 'option' && t.name === 'help')) throw new HelpRequested(spec.usage);
  const fail = (message: string): never => {
    throw new UsageError(spec.name, message, spec.usage);
  };
  let parsed: Parsed<O>;
  try {
    parsed = parseArgs({ args: [...argv], options: spec.options, allowPositionals: true, strict: true });
  } catch (err) {
    const line = oneLine(err);
    if (line === null) throw err;
    return fail(line);
  }
  const values = parsed.values as Record<string, unknown>;
  for (const name of spec.required ?? []) if (values[name] === undefined) fail(`missing option --${name}`);
  const names = spec.positionals ?? [];
  const extra = parsed.positionals[names.length];
  if (extra !== undefined) fail(`unexpected argument '${extra}'`);
  const missing = names[parsed.positionals.length];
  if (missing !== undefined && parsed.positionals.length < (spec.minPositionals ?? names.length)) fail(`missing argument ${missing}`);
  return parsed;
}

/** One command: its spec and what it does with the parsed arguments; run(argv) answers the exit code. */
export function command<O extends Options>(spec: CommandSpec<O>, fn: (args: Parsed<O>) => Promise<number>): (argv: string[]) => Promise<number> {
  return async (argv) => fn(parseCommand(spec, argv));
}

export type Run = (argv: string[]) => Promise<number>;

/** A command made of subcommands; `subcommands` lists their names (for help and tests). */
export type SubcommandRun = Run & { readonly subcommands: readonly string[] };

/** A command made of subcommands (`roost serial monitor ...`): argv[0] picks one from the table. */
export function subcommands(name: string, usage: string, table: Readonly<Record<string, Run>>): SubcommandRun {
  const run: Run = async (argv) => {
    const [sub, ...rest] = argv;
    if (sub === '--help' || sub === '-h') throw new HelpRequested(usage);
    if (sub === undefined) throw new UsageError(name, `missing subcommand (${Object.keys(table).join(', ')})`, usage);
    const fn = Object.hasOwn(table, sub) ? table[sub] : undefined;
    if (!fn) throw new UsageError(name, `unknown ${sub.startsWith('-') ? 'option' : 'subcommand'} '${sub}'`, usage);
    return fn(rest);
  };
  return Object.assign(run, { subcommands: Object.keys(table) });
}
