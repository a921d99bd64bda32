// The protobuf text format, as Caffe's .prototxt files use it: `field: value` and
// `field { ... }` (also `field: { ... }` and `<...>`), strings, numbers, identifiers (enum values,
// true/false), `#` comments. The result is a generic message: field name -> values in order.
// Errors name the line and column.
import { ModelFormatError } from '../../errors.js';

export type ProtoValue = number | string | boolean | ProtoMessage;
export type ProtoMessage = Map<string, ProtoValue[]>;

interface Token {
  kind: 'name' | 'number' | 'string' | 'punct';
  text: string;
  line: number;
  column: number;
}

const MAX_DEPTH = 64;

/** Reads tokens one at a time: a file of millions of values is refused before it is all tokenised. */
function lexer(source: string): () => Token | undefined {
  let line = 1;
  let lineStart = 0;
  let i = 0;
  const fail = (message: string): never => {
    throw new ModelFormatError(`prototxt: ${message}`, `line ${line}, column ${i - lineStart + 1}`);
  };
  return (): Token | undefined => {
    while (i < source.length) {
      const c = source[i]!;
      if (c === '\n') {
        line++;
        lineStart = ++i;
        continue;
      }
      if (/\s/.test(c)) {
        i++;
        continue;
      }
      if (c === '#') {
        while (i < source.length && source[i] !== '\n') i++;
        continue;
      }
      const start = i;
      const at = { line, column: i - lineStart + 1 };
      if (c === '"' || c === "'") {
        let text = '';
        i++;
        while (i < source.length && source[i] !== c) {
          if (source[i] === '\n') fail('newline inside a string');
          if (source[i] === '\\') {
            const e = source[++i];
            const escapes: Record<string, string> = { n: '\n', t: '\t', r: '\r', '\\': '\\', '"': '"', "'": "'" };
            if (e === undefined || !Object.hasOwn(escapes, e)) fail(`unknown escape \\${e ?? ''}`);
            text += escapes[e!];
            i++;
          } else text += source[i++];
        }
        if (i >= source.length) fail('unterminated string');
        i++;
        return { kind: 'string', text, ...at };
      }
      if (/[-+0-9.]/.test(c)) {
        const m = /^[-+]?(?:inf(?:inity)?|nan|(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)[fF]?/i.exec(source.slice(i, i + 64));
        if (!m) fail(`malformed number '${source.slice(i, i + 10)}'`);
        i += m![0].length;
        return { kind: 'number', text: m![0], ...at };
      }
      if (/[A-Za-z_]/.test(c)) {
        while (i < source.length && /[A-Za-z0-9_.]/.test(source[i]!)) i++;
        return { kind: 'name', text: source.slice(start, i), ...at };
      }
      if ('{}<>:,;[]'.includes(c)) {
        i++;
        return { kind: 'punct', text: c, ...at };
      }
      return fail(`unexpected character '${c}'`);
    }
    return undefined;
  };
}

function parseNumber(text: string): number {
  const t = text.replace(/[fF]$/, '').toLowerCase();
  if (/^[-+]?inf/.test(t)) return t.startsWith('-') ? -Infinity : Infinity;
  if (/nan$/.test(t)) return NaN;
  return Number(t);
}

export interface TextFormatOptions {
  /** Values one field may repeat in one message, by field name (e.g. a shape's `dim`: its rank cap). */
  fieldCaps?: ReadonlyMap<string, number>;
}

/**
 * Values any field may repeat in one message: a net has thousands of layers, not hundreds of
 * thousands, and a deploy prototxt holds no weights.
 */
export const MAX_REPEATED = 100_000;

export function parseTextFormat(source: string, options: TextFormatOptions = {}): ProtoMessage {
  const read = lexer(source);
  // One token of lookahead.
  let current = read();
  const peek = (): Token | undefined => current;
  const take = (): Token | undefined => {
    const t = current;
    current = read();
    return t;
  };
  const isPunct = (t: Token | undefined, text: string): boolean => t?.kind === 'punct' && t.text === text;
  const where = (t: Token | undefined): string => (t ? `line ${t.line}, column ${t.column}` : 'end of file');
  const fail = (message: string, t = peek()): never => {
    throw new ModelFormatError(`prototxt: ${message}`, where(t));
  };
  const add = (m: ProtoMessage, name: Token, v: ProtoValue): void => {
    const list = m.get(name.text);
    if (list === undefined) {
      m.set(name.text, [v]);
      return;
    }
    const cap = options.fieldCaps?.get(name.text) ?? MAX_REPEATED;
    if (list.length >= cap) fail(`field '${name.text}' repeats more than ${cap} times in one message`, name);
    list.push(v);
  };
  const scalar = (): ProtoValue => {
    const t = take();
    if (t === undefined) return fail('a value is missing', t);
    if (t.kind === 'number') return parseNumber(t.text);
    if (t.kind === 'string') {
      // Adjacent strings concatenate.
      let text = t.text;
      while (peek()?.kind === 'string') text += take()!.text;
      return text;
    }
    if (t.kind === 'name') return t.text === 'true' ? true : t.text === 'false' ? false : t.text;
    return fail(`expected a value, found '${t.text}'`, t);
  };
  const message = (close: string | undefined, depth: number): ProtoMessage => {
    if (depth > MAX_DEPTH) fail(`messages nested deeper than ${MAX_DEPTH}`);
    const m: ProtoMessage = new Map();
    for (;;) {
      const t = peek();
      if (t === undefined) {
        if (close !== undefined) fail(`'${close}' missing: a message is not closed`);
        return m;
      }
      if (close !== undefined && isPunct(t, close)) {
        take();
        return m;
      }
      if (isPunct(t, ',') || isPunct(t, ';')) {
        take();
        continue;
      }
      if (t.kind !== 'name') fail(`expected a field name, found '${t.text}'`);
      take();
      const colon = isPunct(peek(), ':');
      if (colon) take();
      const next = peek();
      if (isPunct(next, '{') || isPunct(next, '<')) {
        take();
        add(m, t, message(next!.text === '{' ? '}' : '>', depth + 1));
      } else if (!colon) {
        fail(`expected ':' or '{' after '${t.text}'`, next);
      } else if (isPunct(next, '[')) {
        take();
        while (!isPunct(peek(), ']')) {
          if (peek() === undefined) fail(`']' missing in the list of '${t.text}'`);
          add(m, t, scalar());
          if (isPunct(peek(), ',')) take();
        }
        take();
      } else {
        add(m, t, scalar());
      }
    }
  };
  return message(undefined, 0);
}
