// Mutations of a fuzz case, all driven by one seeded generator so a case is reproducible from
// (seed, index) alone. Bytes: bit flips, interesting values, chunks inserted, removed, repeated,
// truncation. Text (prototxt, XML, JSON): numbers replaced by boundary values, names by
// Object.prototype keys, lines repeated or dropped. JSON is also mutated as a tree.

export type Rng = () => number;

export function pick<T>(rng: Rng, items: readonly T[]): T {
  return items[Math.floor(rng() * items.length)]!;
}

function int(rng: Rng, n: number): number {
  return Math.floor(rng() * n);
}

/** Values that sit on the edges readers get wrong. */
export const INTERESTING_NUMBERS = ['0', '-1', '1', '2147483647', '2147483648', '4294967296', '-2147483649', '9007199254740992', '1e308', '-1e308', '1e-320', 'NaN', 'Infinity', '65536', '100000', '200000000', '3.5', '-0'];
export const INTERESTING_NAMES = ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf', '', '../../etc/passwd', '/dev/zero'];
const INTERESTING_BYTES = [0x00, 0x01, 0x7f, 0x80, 0xff, 0xfe, 0x40, 0x20];
const INTERESTING_U32 = [0, 1, 0x7fffffff, 0x80000000, 0xffffffff, 0x10000, 0xffff, 0x40000000];

export function mutateBytes(input: Uint8Array, rng: Rng, rounds = 1 + int(rng, 4)): Uint8Array {
  let b: Uint8Array = input.slice();
  for (let r = 0; r < rounds; r++) {
    if (b.length === 0) return Uint8Array.of(int(rng, 256));
    const at = int(rng, b.length);
    switch (int(rng, 9)) {
      case 0: b[at]! ^= 1 << int(rng, 8); break;
      case 1: b[at] = pick(rng, INTERESTING_BYTES); break;
      case 2: b[at] = int(rng, 256); break;
      case 3: { // an interesting 32-bit value, either byte order
        const v = pick(rng, INTERESTING_U32);
        const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
        if (at + 4 <= b.length) view.setUint32(at, v, rng() < 0.5);
        break;
      }
      case 4: b = b.slice(0, at); break; // truncate
      case 5: { // remove a chunk
        const n = 1 + int(rng, Math.min(64, b.length - at));
        b = concat(b.subarray(0, at), b.subarray(at + n));
        break;
      }
      case 6: { // repeat a chunk
        const n = 1 + int(rng, Math.min(64, b.length - at));
        b = concat(b.subarray(0, at + n), b.subarray(at, at + n), b.subarray(at + n));
        break;
      }
      case 7: { // insert random bytes
        const extra = Uint8Array.from({ length: 1 + int(rng, 16) }, () => int(rng, 256));
        b = concat(b.subarray(0, at), extra, b.subarray(at));
        break;
      }
      default: { // a varint of an interesting value (protobuf lengths and dims)
        const v = BigInt(pick(rng, ['0', '1', '2147483648', '4294967296', '9007199254740993', '18446744073709551615', '65536']));
        b = concat(b.subarray(0, at), varint(v), b.subarray(Math.min(b.length, at + 1 + int(rng, 4))));
      }
    }
  }
  return b;
}

function varint(v: bigint): Uint8Array {
  const out: number[] = [];
  let x = v & ((1n << 64n) - 1n);
  do {
    let byte = Number(x & 0x7fn);
    x >>= 7n;
    if (x !== 0n) byte |= 0x80;
    out.push(byte);
  } while (x !== 0n);
  return Uint8Array.from(out);
}

export function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Token-level text mutations for prototxt and XML. */
export function mutateText(text: string, rng: Rng, rounds = 1 + int(rng, 3)): string {
  let t = text;
  for (let r = 0; r < rounds; r++) {
    switch (int(rng, 6)) {
      case 0: case 1: { // a number becomes a boundary value
        const numbers = [...t.matchAll(/-?\d+(\.\d+)?(e[+-]?\d+)?/g)];
        if (numbers.length === 0) break;
        const m = pick(rng, numbers);
        t = t.slice(0, m.index) + pick(rng, INTERESTING_NUMBERS) + t.slice(m.index! + m[0].length);
        break;
      }
      case 2: { // a quoted name becomes an interesting one
        const names = [...t.matchAll(/"([^"\n]*)"/g)];
        if (names.length === 0) break;
        const m = pick(rng, names);
        t = t.slice(0, m.index) + `"${pick(rng, INTERESTING_NAMES)}"` + t.slice(m.index! + m[0].length);
        break;
      }
      case 3: { // a line repeated
        const lines = t.split('\n');
        const i = int(rng, lines.length);
        lines.splice(i, 0, lines[i]!);
        t = lines.join('\n');
        break;
      }
      case 4: { // a line dropped
        const lines = t.split('\n');
        lines.splice(int(rng, lines.length), 1);
        t = lines.join('\n');
        break;
      }
      default: { // a character reference or escape at a random place
        const at = int(rng, t.length + 1);
        t = t.slice(0, at) + pick(rng, ['&#x110000;', '&#1114112;', '&#0;', '&amp;', '\\u0000', '\\', '"', '<', '{', '}', '#']) + t.slice(at);
      }
    }
  }
  return t;
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Tree mutations of a JSON value: a node replaced by a value of another type or a boundary. */
export function mutateJson(value: Json, rng: Rng, rounds = 1 + int(rng, 3)): Json {
  let root = structuredClone(value);
  for (let r = 0; r < rounds; r++) {
    const paths: (string | number)[][] = [];
    const walk = (v: Json, path: (string | number)[]): void => {
      paths.push(path);
      if (Array.isArray(v)) v.forEach((x, i) => walk(x, [...path, i]));
      else if (v !== null && typeof v === 'object') for (const [k, x] of Object.entries(v)) walk(x, [...path, k]);
    };
    walk(root, []);
    const path = pick(rng, paths);
    const replacement = pick<() => Json>(rng, [
      () => null, () => true, () => 'abc', () => [], () => ({}), () => -1,
      () => Number(pick(rng, INTERESTING_NUMBERS)), () => pick(rng, INTERESTING_NUMBERS), () => pick(rng, INTERESTING_NAMES),
      () => { const o: Record<string, Json> = {}; Object.defineProperty(o, '__proto__', { value: 1, enumerable: true }); return o; },
    ])();
    if (path.length === 0) {
      root = replacement;
      continue;
    }
    let parent = root as Record<string | number, Json>;
    for (const key of path.slice(0, -1)) parent = parent[key] as Record<string | number, Json>;
    const last = path[path.length - 1]!;
    if (Array.isArray(parent) && rng() < 0.3) parent.splice(Number(last), 1);
    else if (Array.isArray(parent) && rng() < 0.3) parent.push(structuredClone(parent[Number(last)]!));
    else parent[last] = replacement;
  }
  return root;
}

export type { Json };
