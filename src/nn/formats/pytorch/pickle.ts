// A restricted pickle reader: the opcodes a PyTorch state dict uses (protocols 2 to 5), and no
// code execution. A GLOBAL is resolved only from an allow-list the caller gives (the tensor
// rebuild functions, OrderedDict, storage types); anything else is refused by name, which is what
// keeps a malicious checkpoint from doing harm. Every object it builds, every memo reference it
// pushes and every item it puts into a container counts against limits().maxPickleObjects, so a
// few bytes of memo GETs cannot build lists of billions of references.
import { ModelFormatError } from '../../errors.js';
import { limits } from '../../limits.js';

/** A Python object as the reader represents it. */
export type PyValue =
  | null
  | boolean
  | number
  | bigint
  | string
  | Uint8Array
  | PyValue[]
  | PyTuple
  | PyDict
  | PyGlobal
  | PyOpaque;

export class PyTuple {
  constructor(readonly items: PyValue[]) {}
}
export class PyDict {
  readonly map = new Map<string | number, PyValue>();
}
/** A class or function named by GLOBAL, allowed by the caller. */
export class PyGlobal {
  constructor(readonly module: string, readonly name: string) {}
  get qualified(): string {
    return `${this.module}.${this.name}`;
  }
}
/** What a caller-provided function returned (a tensor, a storage). */
export class PyOpaque {
  constructor(readonly value: unknown) {}
}

export interface PickleHooks {
  /** Globals that may appear, as "module.name". */
  allowedGlobals: ReadonlySet<string>;
  /** Calls an allowed global (REDUCE / NEWOBJ). */
  call(fn: PyGlobal, args: PyValue[]): PyValue;
  /** Resolves a persistent id (BINPERSID), e.g. a tensor storage. */
  persistentLoad(pid: PyValue): PyValue;
}

const MARK = Symbol('mark');
type StackItem = PyValue | typeof MARK;

/** Parses one pickle starting at `offset`; returns the object and the offset after STOP. */
export function unpickle(bytes: Uint8Array, hooks: PickleHooks, offset = 0): { value: PyValue; end: number } {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const stack: StackItem[] = [];
  const memo = new Map<number, PyValue>();
  let pos = offset;
  const budget = limits().maxPickleObjects;
  let built = 0;

  const fail = (message: string): never => {
    throw new ModelFormatError(`pickle: ${message}`, `byte ${pos}`);
  };
  /** Counts `n` more objects or container items against the budget. */
  const spend = (n: number): void => {
    built += n;
    if (built > budget) fail(`builds more than ${budget} objects and container items (limit maxPickleObjects): memo references fanned out?`);
  };
  const push = (v: StackItem): void => {
    spend(1);
    stack.push(v);
  };
  const need = (n: number): number => {
    if (pos + n > bytes.length) fail('truncated');
    const at = pos;
    pos += n;
    return at;
  };
  const u8 = (): number => bytes[need(1)]!;
  const u16 = (): number => view.getUint16(need(2), true);
  const u32 = (): number => view.getUint32(need(4), true);
  const i32 = (): number => view.getInt32(need(4), true);
  const u64 = (): number => {
    const at = need(8);
    const high = view.getUint32(at + 4, true);
    if (high >= 2 ** 21) fail('length beyond 2^53');
    return high * 2 ** 32 + view.getUint32(at, true);
  };
  const text = (n: number): string => new TextDecoder().decode(bytes.subarray(need(n), pos));
  const line = (): string => {
    const end = bytes.indexOf(0x0a, pos);
    if (end < 0) fail('unterminated line');
    const s = new TextDecoder().decode(bytes.subarray(pos, end));
    pos = end + 1;
    return s;
  };
  const pop = (): PyValue => {
    const v = stack.pop();
    if (v === undefined || v === MARK) return fail('stack underflow');
    return v as PyValue;
  };
  const popMark = (): PyValue[] => {
    const items: PyValue[] = [];
    for (;;) {
      const v = stack.pop();
      if (v === undefined) return fail('MARK missing');
      if (v === MARK) return items.reverse();
      items.push(v);
    }
  };
  /** The items above the topmost MARK, charged as container items. */
  const popItems = (): PyValue[] => {
    const items = popMark();
    spend(items.length);
    return items;
  };
  const top = (): PyValue => {
    const v = stack[stack.length - 1];
    if (v === undefined || v === MARK) return fail('stack underflow');
    return v as PyValue;
  };
  const global = (module: string, name: string): PyGlobal => {
    const g = new PyGlobal(module, name);
    if (!hooks.allowedGlobals.has(g.qualified)) fail(`refusing to load global '${g.qualified}': not a tensor, storage or container a state dict uses`);
    return g;
  };
  const setItems = (dict: PyValue, items: PyValue[]): void => {
    if (!(dict instanceof PyDict)) return fail('SETITEM(S) on a non-dict');
    for (let i = 0; i + 1 < items.length; i += 2) {
      const key = items[i]!;
      if (typeof key !== 'string' && typeof key !== 'number') fail('dict key is not a string or int');
      dict.map.set(key as string | number, items[i + 1]!);
    }
  };
  const longFrom = (n: number): number | bigint => {
    // Building a bigint byte by byte is quadratic; no state dict holds an integer of 2048 bits.
    if (n > 256) fail(`integer of ${n} bytes (at most 256)`);
    const at = need(n);
    let v = 0n;
    for (let i = n - 1; i >= 0; i--) v = (v << 8n) | BigInt(bytes[at + i]!);
    if (n > 0 && bytes[at + n - 1]! & 0x80) v -= 1n << BigInt(8 * n);
    return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
  };

  for (;;) {
    const opAt = pos;
    const op = u8();
    switch (op) {
      case 0x80: u8(); break; // PROTO
      case 0x95: u64(); break; // FRAME
      case 0x2e: { // STOP
        const value = pop();
        return { value, end: pos };
      }
      case 0x28: push(MARK); break;
      case 0x7d: push(new PyDict()); break; // EMPTY_DICT
      case 0x5d: push([]); break; // EMPTY_LIST
      case 0x29: push(new PyTuple([])); break; // EMPTY_TUPLE
      case 0x4e: push(null); break; // NONE
      case 0x88: push(true); break; // NEWTRUE
      case 0x89: push(false); break; // NEWFALSE
      case 0x4b: push(u8()); break; // BININT1
      case 0x4d: push(u16()); break; // BININT2
      case 0x4a: push(i32()); break; // BININT
      case 0x8a: push(longFrom(u8())); break; // LONG1
      case 0x8b: push(longFrom(u32())); break; // LONG4
      case 0x47: push(view.getFloat64(need(8), false)); break; // BINFLOAT (big-endian)
      case 0x58: push(text(u32())); break; // BINUNICODE
      case 0x8c: push(text(u8())); break; // SHORT_BINUNICODE
      case 0x8d: push(text(u64())); break; // BINUNICODE8
      case 0x43: { const n = u8(); push(bytes.slice(need(n), pos)); break; } // SHORT_BINBYTES
      case 0x42: { const n = u32(); push(bytes.slice(need(n), pos)); break; } // BINBYTES
      case 0x74: push(new PyTuple(popItems())); break; // TUPLE
      case 0x85: push(new PyTuple([pop()])); break; // TUPLE1
      case 0x86: { const b = pop(); const a = pop(); push(new PyTuple([a, b])); break; }
      case 0x87: { const c = pop(); const b = pop(); const a = pop(); push(new PyTuple([a, b, c])); break; }
      case 0x6c: push(popItems()); break; // LIST
      case 0x64: { const d = new PyDict(); setItems(d, popItems()); push(d); break; } // DICT
      case 0x61: { const v = pop(); const list = top(); if (!Array.isArray(list)) fail('APPEND to a non-list'); spend(1); (list as PyValue[]).push(v); break; }
      case 0x65: { // APPENDS (a loop: spreading millions of items into push() overflows the call stack)
        const items = popItems();
        const list = top();
        if (!Array.isArray(list)) fail('APPENDS to a non-list');
        for (const item of items) (list as PyValue[]).push(item);
        break;
      }
      case 0x73: { const v = pop(); const k = pop(); spend(2); setItems(top(), [k, v]); break; } // SETITEM
      case 0x75: { const items = popItems(); setItems(top(), items); break; } // SETITEMS
      case 0x63: { const module = line(); const name = line(); push(global(module, name)); break; } // GLOBAL
      case 0x93: { // STACK_GLOBAL
        const name = pop();
        const module = pop();
        if (typeof module !== 'string' || typeof name !== 'string') fail('STACK_GLOBAL needs two strings');
        push(global(module as string, name as string));
        break;
      }
      case 0x52: case 0x81: { // REDUCE, NEWOBJ
        const args = pop();
        const fn = pop();
        if (!(fn instanceof PyGlobal) || !(args instanceof PyTuple)) fail('REDUCE needs a global and a tuple');
        push(hooks.call(fn as PyGlobal, (args as PyTuple).items));
        break;
      }
      case 0x62: pop(); break; // BUILD: the state of an allowed object (e.g. a state dict's _metadata) is not needed
      case 0x51: push(hooks.persistentLoad(pop())); break; // BINPERSID
      case 0x71: memo.set(u8(), top()); break; // BINPUT
      case 0x72: memo.set(u32(), top()); break; // LONG_BINPUT
      case 0x94: memo.set(memo.size, top()); break; // MEMOIZE
      case 0x68: case 0x6a: { // BINGET, LONG_BINGET
        const key = op === 0x68 ? u8() : u32();
        if (!memo.has(key)) fail(`memo ${key} missing`);
        push(memo.get(key)!);
        break;
      }
      default:
        pos = opAt;
        fail(`opcode 0x${op.toString(16)} is not one a state dict uses`);
    }
  }
}
