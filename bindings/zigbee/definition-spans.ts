/**
 * Where each definition of a zigbee-herdsman-converters vendor file sits in its source, so that one
 * definition can be compiled with the file's prologue alone (vendor-slices.ts) instead of the
 * whole file, whose source then stays in V8's heap for as long as the definition lives.
 *
 * A vendor file is TypeScript's CommonJS output, always laid out the same way:
 *
 *     <prologue: helpers, requires, the vendor's local converters>
 *     exports.definitions = [
 *         {
 *             zigbeeModel: ["..."],
 *             ...
 *         },
 *         tuya.whitelabel(...),
 *     ];
 *     exports.default = exports.definitions;      (some files)
 *     //# sourceMappingURL=<file>.js.map
 *
 * (four spaces of indent, shown here with eight). This reads that layout line by line: an element
 * starts on a line indented by exactly four spaces and ends on the first such line that ends with a
 * comma, or at the closing `];`. Anything else (a spread element, which would move the indexes of
 * the models index; code after the array; a comment inside an element's first level; CRLF) gives
 * `undefined`, and the caller loads the file whole through the library. A real JavaScript parser
 * would not need the layout, but acorn took 267 ms to find tuya.js's 582 elements (this: a few ms),
 * and every lookup of a Tuya device would pay it; test/bindings/zigbee/definition-spans.test.ts
 * checks this against TypeScript's parser for every vendor file of the installed package.
 */

/** The `exports.definitions` array of a vendor file, by offsets into its source (UTF-16 units). */
export interface DefinitionSpans {
  /** Where the `exports.definitions = [` statement starts: the source before it is the prologue. */
  readonly prologueEnd: number;
  /** Each element of the array, `[start, end)`, in order: element i is `definitions[i]`. */
  readonly elements: ReadonlyArray<readonly [number, number]>;
  /** Statements after the array that only alias it (`exports.default = exports.definitions;`). */
  readonly epilogue: string;
}

const HEAD = 'exports.definitions = [\n';
const INDENT = '    ';
const ALIAS = /^exports\.[A-Za-z_$][\w$]* = exports\.definitions;$/;
const SOURCE_MAP = /^\/\/# sourceMappingURL=\S+$/;

/** The spans of a vendor file's definitions, or undefined where its layout is not the one above. */
export function definitionSpans(source: string): DefinitionSpans | undefined {
  if (source.includes('\r')) return undefined;
  const head = source.indexOf('\n' + HEAD) + 1;
  if (head === 0 || source.indexOf('\n' + HEAD, head) !== -1) return undefined;
  // The prologue may only announce the name (`exports.definitions = void 0;`), never read it.
  if (source.slice(0, head).split('exports.definitions').length > 2) return undefined;
  const close = source.indexOf('\n];', head);
  if (close === -1) return undefined;
  const epilogue = readEpilogue(source.slice(close + 3));
  if (epilogue === undefined) return undefined;
  const elements = readElements(source, head + HEAD.length, close + 1);
  return elements && { prologueEnd: head, elements, epilogue };
}

function readElements(source: string, from: number, to: number): Array<readonly [number, number]> | undefined {
  const elements: Array<readonly [number, number]> = [];
  let open = -1;
  let lastEnd = -1;
  for (let at = from; at < to;) {
    const eol = source.indexOf('\n', at);
    const end = eol === -1 || eol > to ? to : eol;
    const line = source.slice(at, end);
    const next = end + 1;
    if (line.trim() === '') { at = next; continue; }
    if (!line.startsWith(INDENT)) return undefined;
    if (line[INDENT.length] !== ' ') {
      const content = line.slice(INDENT.length);
      if (open === -1) {
        if (content.startsWith('//')) { at = next; continue; }
        if (/^(\.\.\.|\/\*|[}\])])/.test(content)) return undefined;
        open = at + INDENT.length;
      } else if (!/^[}\])]/.test(content)) {
        return undefined;
      }
      if (content.endsWith(',')) {
        elements.push([open, end - 1]);
        open = -1;
      }
    } else if (open === -1) {
      return undefined;
    }
    lastEnd = end;
    at = next;
  }
  if (open !== -1) elements.push([open, lastEnd]);
  return elements;
}

/** What follows `];`: aliases of the array and a source map comment, or undefined for anything else. */
function readEpilogue(rest: string): string | undefined {
  const lines = rest.split('\n').map((l) => l.trim()).filter((l) => l !== '');
  const aliases = lines.filter((l) => ALIAS.test(l));
  if (aliases.length + lines.filter((l) => SOURCE_MAP.test(l)).length !== lines.length) return undefined;
  return aliases.join('\n');
}
