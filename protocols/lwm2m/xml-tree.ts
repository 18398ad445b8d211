/**
 * A small element tree from XML text, through saxes (a conforming, non-validating XML 1.0
 * parser: no external entities, no DTD expansion). Bounded: text length, element count and
 * depth are limited, so an operator-dropped file cannot exhaust memory or the stack.
 */
import { SaxesParser } from 'saxes';

export interface XmlElement {
  name: string;
  attrs: Record<string, string>;
  children: XmlElement[];
  /** Text and CDATA directly inside this element, concatenated. */
  text: string;
  line: number;
}

export interface XmlLimits {
  /** Characters of input (default 1 MiB). */
  maxChars?: number;
  /** Elements in the document (default 20,000). */
  maxElements?: number;
  /** Element nesting (default 16). */
  maxDepth?: number;
}

/** A parse failure with the line it happened at (1-based, 0 when unknown). */
export class XmlTreeError extends Error {
  constructor(
    message: string,
    readonly line: number,
  ) {
    super(message);
    this.name = 'XmlTreeError';
  }
}

/** Parses `text` into its root element. Throws XmlTreeError. */
export function parseXmlTree(text: string, limits: XmlLimits = {}): XmlElement {
  const maxChars = limits.maxChars ?? 1 << 20;
  const maxElements = limits.maxElements ?? 20_000;
  const maxDepth = limits.maxDepth ?? 16;
  if (text.length > maxChars) throw new XmlTreeError(`file has ${text.length} characters, limit ${maxChars}`, 0);
  // XML 1.0 §4.3.3: a UTF-8 byte order mark may precede the document.
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const parser = new SaxesParser({ position: true });
  const stack: XmlElement[] = [];
  let root: XmlElement | undefined;
  let count = 0;
  parser.on('opentag', (tag) => {
    if (++count > maxElements) throw new XmlTreeError(`more than ${maxElements} elements`, parser.line);
    if (stack.length >= maxDepth) throw new XmlTreeError(`elements nested deeper than ${maxDepth}`, parser.line);
    const el: XmlElement = { name: tag.name, attrs: { ...(tag.attributes as Record<string, string>) }, children: [], text: '', line: parser.line };
    const parent = stack[stack.length - 1];
    if (parent) parent.children.push(el);
    else root = el;
    stack.push(el);
  });
  parser.on('closetag', () => {
    stack.pop();
  });
  const addText = (t: string) => {
    const top = stack[stack.length - 1];
    if (top) top.text += t;
  };
  parser.on('text', addText);
  parser.on('cdata', addText);
  try {
    parser.write(body).close();
  } catch (err) {
    if (err instanceof XmlTreeError) throw err;
    // saxes messages start with "file:line:column: "; keep the reason, report the line apart.
    const msg = (err as Error).message.replace(/^[^:]*:\d+:\d+: /, '');
    throw new XmlTreeError(`not well-formed XML: ${msg}`, parser.line);
  }
  if (!root) throw new XmlTreeError('no root element', 0);
  return root;
}

/** The first child named `name`, if any. */
export function child(el: XmlElement, name: string): XmlElement | undefined {
  return el.children.find((c) => c.name === name);
}
