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

function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let line = 1;
  let lineStart = 0;
  let i = 0;
  const fail = (message: string): never => {
    throw new ModelFormatError(`prototxt: ${message}`, `line ${line}, column ${i - lineStart + 1}`);
  };
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
          if (e === undefined || escapes[e] === undefined) fail(`unknown escape \\${e ?? ''}`);
          text += escapes[e!];
          i++;
        } else text += source[i++];
      }
      if (i >= source.length) fail('unterminated string');
      i++;
      tokens.push({ kind: 'string', text, ...at });
    } else if (/[-+0-9.]/.test(c)) {
      const m = /^[-+]?(?:inf(?:inity)?|nan|(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)[fF]?/i.exec(source.slice(i, i + 64));
      if (!m) fail(`malformed number '${source.slice(i, i + 10)}'`);
      i += m![0].length;
      tokens.push({ kind: 'number', text: m![0], ...at });
    } else if (/[A-Za-z_]/.test(c)) {
      while (i < source.length && /[A-Za-z0-9_.]/.test(source[i]!)) i++;
      tokens.push({ kind: 'name', text: source.slice(start, i), ...at });
    } else if ('{}<>:,;[]'.includes(c)) {
      i++;
      tokens.push({ kind: 'punct', text: c, ...at });
    } else {
      fail(`unexpected character '${c}'`);
    }
  }
  return tokens;
}

function parseNumber(text: string): number {
  const t = text.replace(/[fF]$/, '').toLowerCase();
  if (/^[-+]?inf/.test(t)) return t.startsWith('-') ? -Infinity : Infinity;
  if (/nan$/.test(t)) return NaN;
  return Number(t);
}

export function parseTextFormat(source: string): ProtoMessage {
  const tokens = tokenize(source);
  let pos = 0;
  const where = (t: Token | undefined): string => (t ? `line ${t.line}, column ${t.column}` : 'end of file');
  const fail = (message: string, t = tokens[pos]): never => {
    throw new ModelFormatError(`prototxt: ${message}`, where(t));
  };
  const add = (m: ProtoMessage, name: string, v: ProtoValue): void => {
    const list = m.get(name);
    if (list) list.push(v);
    else m.set(name, [v]);
  };
  const scalar = (): ProtoValue => {
    const t = tokens[pos++];
    if (t === undefined) return fail('a value is missing', t);
    if (t.kind === 'number') return parseNumber(t.text);
    if (t.kind === 'string') {
      // Adjacent strings concatenate.
      let text = t.text;
      while (tokens[pos]?.kind === 'string') text += tokens[pos++]!.text;
      return text;
    }
    if (t.kind === 'name') return t.text === 'true' ? true : t.text === 'false' ? false : t.text;
    return fail(`expected a value, found '${t.text}'`, t);
  };
  const message = (close: string | undefined, depth: number): ProtoMessage => {
    if (depth > MAX_DEPTH) fail(`messages nested deeper than ${MAX_DEPTH}`);
    const m: ProtoMessage = new Map();
    for (;;) {
      const t = tokens[pos];
      if (t === undefined) {
        if (close !== undefined) fail(`'${close}' missing: a message is not closed`);
        return m;
      }
      if (t.kind === 'punct' && t.text === close) {
        pos++;
        return m;
      }
      if (t.kind === 'punct' && (t.text === ',' || t.text === ';')) {
        pos++;
        continue;
      }
      if (t.kind !== 'name') fail(`expected a field name, found '${t.text}'`);
      pos++;
      let next = tokens[pos];
      const colon = next?.kind === 'punct' && next.text === ':';
      if (colon) next = tokens[++pos];
      if (next?.kind === 'punct' && (next.text === '{' || next.text === '<')) {
        pos++;
        add(m, t.text, message(next.text === '{' ? '}' : '>', depth + 1));
      } else if (!colon) {
        fail(`expected ':' or '{' after '${t.text}'`, next);
      } else if (next?.kind === 'punct' && next.text === '[') {
        pos++;
        while (!(tokens[pos]?.kind === 'punct' && tokens[pos]!.text === ']')) {
          if (tokens[pos] === undefined) fail(`']' missing in the list of '${t.text}'`);
          add(m, t.text, scalar());
          if (tokens[pos]?.kind === 'punct' && tokens[pos]!.text === ',') pos++;
        }
        pos++;
      } else {
        add(m, t.text, scalar());
      }
    }
  };
  return message(undefined, 0);
}
