// A minimal XML parser for OpenVINO IR files: elements, attributes, text, comments, processing
// instructions and the five predefined entities plus character references. No DTDs, no
// namespaces: IR uses none. Errors name the line and column.
import { ModelFormatError } from '../../errors.js';

export interface XmlElement {
  name: string;
  attrs: Record<string, string>;
  children: XmlElement[];
  /** Concatenated character data directly inside this element. */
  text: string;
}

const ENTITIES = new Map<string, string>(Object.entries({ amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" }));
/** Deeper nesting than any IR has: a guard against hostile input. */
const MAX_DEPTH = 256;

export function parseXml(source: string): XmlElement {
  let pos = 0;

  const where = (at = pos): string => {
    let line = 1;
    let col = 1;
    for (let i = 0; i < at && i < source.length; i++) {
      if (source[i] === '\n') {
        line++;
        col = 1;
      } else col++;
    }
    return `line ${line}, column ${col}`;
  };
  const fail = (message: string, at = pos): never => {
    throw new ModelFormatError(`XML: ${message}`, where(at));
  };
  const decode = (raw: string, at: number): string =>
    raw.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|[a-z]+);/g, (_, ref: string) => {
      if (ref.startsWith('#')) {
        const code = ref.startsWith('#x') ? parseInt(ref.slice(2), 16) : parseInt(ref.slice(1), 10);
        // XML's Char production: no NUL, nothing past U+10FFFF (String.fromCodePoint would throw).
        if (!(code >= 1 && code <= 0x10ffff)) return fail(`character reference &${ref}; is not a character`, at);
        return String.fromCodePoint(code);
      }
      const e = ENTITIES.get(ref);
      return e ?? fail(`unknown entity &${ref};`, at);
    });
  const skipSpace = (): void => {
    while (pos < source.length && /\s/.test(source[pos]!)) pos++;
  };
  const skipMisc = (): void => {
    for (;;) {
      skipSpace();
      if (source.startsWith('<?', pos)) {
        const end = source.indexOf('?>', pos);
        if (end < 0) fail('unterminated processing instruction');
        pos = end + 2;
      } else if (source.startsWith('<!--', pos)) {
        const end = source.indexOf('-->', pos);
        if (end < 0) fail('unterminated comment');
        pos = end + 3;
      } else if (source.startsWith('<!DOCTYPE', pos)) {
        fail('DOCTYPE declarations are not supported');
      } else return;
    }
  };
  const readName = (): string => {
    const m = /^[A-Za-z_:][-A-Za-z0-9_:.]*/.exec(source.slice(pos, pos + 256));
    if (!m) fail(`expected a name, found '${source.slice(pos, pos + 10)}'`);
    pos += m![0].length;
    return m![0];
  };

  const readElement = (depth: number): XmlElement => {
    if (depth > MAX_DEPTH) fail(`elements nested deeper than ${MAX_DEPTH}`);
    if (source[pos] !== '<') fail('expected an element');
    pos++;
    const name = readName();
    const element: XmlElement = { name, attrs: {}, children: [], text: '' };
    for (;;) {
      skipSpace();
      if (source.startsWith('/>', pos)) {
        pos += 2;
        return element;
      }
      if (source[pos] === '>') {
        pos++;
        break;
      }
      if (pos >= source.length) fail(`unterminated start tag <${name}>`);
      const attrAt = pos;
      const attr = readName();
      skipSpace();
      if (source[pos] !== '=') fail(`attribute '${attr}' has no value`);
      pos++;
      skipSpace();
      const quote = source[pos];
      if (quote !== '"' && quote !== "'") fail(`attribute '${attr}' value is not quoted`);
      const end = source.indexOf(quote!, pos + 1);
      if (end < 0) fail(`unterminated value of attribute '${attr}'`);
      if (attr in element.attrs) fail(`attribute '${attr}' repeated`, attrAt);
      element.attrs[attr] = decode(source.slice(pos + 1, end), pos);
      pos = end + 1;
    }
    const text: string[] = [];
    for (;;) {
      if (pos >= source.length) fail(`element <${name}> is not closed`);
      if (source.startsWith('</', pos)) {
        const closeAt = pos;
        pos += 2;
        const closing = readName();
        if (closing !== name) fail(`</${closing}> closes <${name}>`, closeAt);
        skipSpace();
        if (source[pos] !== '>') fail(`malformed end tag </${closing}>`);
        pos++;
        element.text = text.join('').trim();
        return element;
      }
      if (source.startsWith('<!--', pos)) {
        const end = source.indexOf('-->', pos);
        if (end < 0) fail('unterminated comment');
        pos = end + 3;
      } else if (source.startsWith('<![CDATA[', pos)) {
        const end = source.indexOf(']]>', pos);
        if (end < 0) fail('unterminated CDATA section');
        text.push(source.slice(pos + 9, end));
        pos = end + 3;
      } else if (source[pos] === '<') {
        element.children.push(readElement(depth + 1));
      } else {
        const next = source.indexOf('<', pos);
        const end = next < 0 ? source.length : next;
        text.push(decode(source.slice(pos, end), pos));
        pos = end;
      }
    }
  };

  skipMisc();
  if (pos >= source.length) fail('the document has no root element');
  const root = readElement(0);
  skipMisc();
  if (pos < source.length) fail('content after the root element');
  return root;
}

export function child(element: XmlElement, name: string): XmlElement | undefined {
  return element.children.find((c) => c.name === name);
}

export function childrenNamed(element: XmlElement, name: string): XmlElement[] {
  return element.children.filter((c) => c.name === name);
}
