/**
 * An incremental parser for JSON that arrives in pieces (a model streaming an object): each piece is
 * scanned once, so a whole document costs its length, and partial values are built only at a bounded rate.
 *
 * @module
 */

/**
 * How many value nodes a snapshot may copy per character received: a snapshot copies the whole partial
 * value, so snapshots are spaced out as the value grows, and copying costs at most this many nodes per
 * character over a whole stream.
 */
const SNAPSHOT_NODES_PER_CHARACTER = 8;

/** Where the parser is in the grammar. */
const enum Expect {
  /** A value (top level, after `:`, after `,` in an array). */
  Value,
  /** A value or `]` (just after `[`). */
  ValueOrArrayEnd,
  /** A key or `}` (just after `{`). */
  KeyOrObjectEnd,
  /** A key (after `,` in an object). */
  Key,
  /** `:` after a key. */
  Colon,
  /** `,` or the end of the container (after a member). */
  CommaOrEnd,
  /** Inside a string. */
  String,
  /** After a backslash in a string. */
  Escape,
  /** Inside the four hex digits of `\u`. */
  Unicode,
  /** Inside a number. */
  Number,
  /** Inside `true`, `false` or `null`. */
  Literal,
  /** After the top-level value: only whitespace may follow. */
  Done,
  /** The text is not JSON. */
  Failed,
}

type Container = { kind: 'object'; value: Record<string, unknown>; key: string } | { kind: 'array'; value: unknown[] };

const NUMBER = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?$/;
const ESCAPES: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };

function isWhitespace(code: number): boolean {
  return code === 0x20 || code === 0x0a || code === 0x0d || code === 0x09;
}

function isNumberCharacter(code: number): boolean {
  return (
    (code >= 0x30 && code <= 0x39) || code === 0x2d || code === 0x2b || code === 0x2e || code === 0x65 || code === 0x45
  );
}

/** Sets a member as JSON.parse does: `__proto__` becomes an own property, never the prototype. */
function setMember(target: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__')
    Object.defineProperty(target, key, { value, writable: true, enumerable: true, configurable: true });
  else target[key] = value;
}

/**
 * Parses JSON delta by delta, keeping its state between deltas.
 *
 * The partial value is the document so far with every open string, array and object closed: strings
 * hold the characters received so far; a number, `true`, `false` or `null` appears once it is complete;
 * an object key appears once its value has begun. Every partial value is therefore a prefix of the final
 * one: the same members in the same order, all equal to the final ones but the last, which is itself a
 * prefix (a shorter string, a shorter array or object). Once the text is not JSON the parser stops
 * (`failed`), and gives no further partial values.
 *
 * @example
 * ```ts
 * const parser = new PartialJsonParser();
 * parser.append('{"name":"Ad');
 * parser.snapshot(); // { name: 'Ad' }
 * parser.append('a","tags":["x"');
 * parser.snapshot(); // { name: 'Ada', tags: ['x'] }
 * ```
 */
export class PartialJsonParser {
  /** Work done so far, for tests and benchmarks: characters scanned, and value nodes copied into snapshots. */
  readonly work = { charactersScanned: 0, nodesCopied: 0 };
  private expect: Expect = Expect.Value;
  private readonly stack: Container[] = [];
  private root: unknown = undefined;
  /** The string being read, and whether it is a key. */
  private text = '';
  private textIsKey = false;
  /** The number or literal being read. */
  private token = '';
  private unicode = '';
  private nodes = 0;
  private credit = 0;
  private dirty = false;

  /** Whether the text so far is not JSON (nothing more is parsed). */
  get failed(): boolean {
    return this.expect === Expect.Failed;
  }

  /** Whether the partial value changed since the last snapshot. */
  get changed(): boolean {
    return this.dirty;
  }

  /** Whether a whole JSON value has been read (trailing whitespace aside). */
  get complete(): boolean {
    return this.expect === Expect.Done;
  }

  /**
   * Reads the next piece of text; costs the length of `delta`.
   *
   * @example
   * ```ts
   * parser.append('{"a":');
   * ```
   */
  append(delta: string): void {
    if (this.expect === Expect.Failed) return;
    this.work.charactersScanned += delta.length;
    this.credit += delta.length * SNAPSHOT_NODES_PER_CHARACTER;
    let index = 0;
    while (index < delta.length) {
      if (this.expect === Expect.String) {
        index = this.readStringRun(delta, index);
        continue;
      }
      const character = delta[index] as string;
      if (!this.step(character, delta.charCodeAt(index))) continue; // the character ended a number: read it again
      if (this.failed) return;
      index += 1;
    }
  }

  /**
   * Marks the end of the text: a top-level number or literal still being read is complete.
   *
   * @example
   * ```ts
   * parser.append('42');
   * parser.end();
   * parser.snapshot(); // 42
   * ```
   */
  end(): void {
    if (this.stack.length > 0) return;
    if (this.expect === Expect.Number) this.finishNumber();
    else if (this.expect === Expect.Literal) this.fail();
  }

  /**
   * A fresh copy of the partial value (undefined before any value began); costs its size.
   *
   * @example
   * ```ts
   * parser.snapshot(); // { name: 'Ad' }
   * ```
   */
  snapshot(): unknown {
    this.dirty = false;
    this.credit = 0;
    return this.copy(this.root);
  }

  /**
   * A snapshot if the partial value changed and enough text arrived since the last one to pay for
   * copying it (so snapshots cost O(1) per character over a stream); undefined otherwise.
   *
   * @example
   * ```ts
   * const partial = parser.takePartial();
   * if (partial !== undefined) emit(partial);
   * ```
   */
  takePartial(): unknown {
    if (!this.dirty || this.expect === Expect.Failed || this.credit < this.nodes) return undefined;
    return this.snapshot();
  }

  private copy(value: unknown): unknown {
    if (value === null || typeof value !== 'object') return value;
    this.work.nodesCopied += 1;
    if (Array.isArray(value)) return value.map((item) => this.copy(item));
    const source = value as Record<string, unknown>;
    const target: Record<string, unknown> = {};
    for (const key of Object.keys(source)) setMember(target, key, this.copy(source[key]));
    return target;
  }

  /** Reads string characters up to the closing quote or a backslash, as one slice. */
  private readStringRun(delta: string, start: number): number {
    let index = start;
    while (index < delta.length) {
      const code = delta.charCodeAt(index);
      if (code === 0x22 || code === 0x5c) break;
      if (code < 0x20) {
        this.fail();
        return delta.length;
      }
      index += 1;
    }
    if (index > start) this.appendText(delta.slice(start, index));
    if (index < delta.length) {
      if (delta.charCodeAt(index) === 0x5c) this.expect = Expect.Escape;
      else this.closeString();
      index += 1;
    }
    return index;
  }

  private appendText(piece: string): void {
    this.text += piece;
    if (!this.textIsKey) this.place(this.text, false);
  }

  /** Handles one character outside a string run; false when the character must be read again. */
  private step(character: string, code: number): boolean {
    switch (this.expect) {
      case Expect.Escape: {
        if (character === 'u') {
          this.unicode = '';
          this.expect = Expect.Unicode;
          return true;
        }
        const escaped = ESCAPES[character];
        if (escaped === undefined) return this.fail();
        this.expect = Expect.String;
        this.appendText(escaped);
        return true;
      }
      case Expect.Unicode: {
        if (!/[0-9a-fA-F]/.test(character)) return this.fail();
        this.unicode += character;
        if (this.unicode.length === 4) {
          this.expect = Expect.String;
          this.appendText(String.fromCharCode(Number.parseInt(this.unicode, 16)));
        }
        return true;
      }
      case Expect.Number: {
        if (isNumberCharacter(code)) {
          this.token += character;
          return true;
        }
        this.finishNumber();
        return false;
      }
      case Expect.Literal: {
        this.token += character;
        const literal = this.token[0] === 't' ? 'true' : this.token[0] === 'f' ? 'false' : 'null';
        if (!literal.startsWith(this.token)) return this.fail();
        if (this.token === literal) this.finishValue(literal === 'true' ? true : literal === 'false' ? false : null);
        return true;
      }
      default:
        break;
    }
    if (isWhitespace(code)) return true;
    switch (this.expect) {
      case Expect.Value:
      case Expect.ValueOrArrayEnd:
        if (character === ']' && this.expect === Expect.ValueOrArrayEnd) return this.closeContainer('array');
        return this.beginValue(character, code);
      case Expect.KeyOrObjectEnd:
      case Expect.Key:
        if (character === '}' && this.expect === Expect.KeyOrObjectEnd) return this.closeContainer('object');
        if (character !== '"') return this.fail();
        this.text = '';
        this.textIsKey = true;
        this.expect = Expect.String;
        return true;
      case Expect.Colon:
        if (character !== ':') return this.fail();
        this.expect = Expect.Value;
        return true;
      case Expect.CommaOrEnd: {
        const container = this.stack[this.stack.length - 1];
        if (!container) return this.fail();
        if (character === ',') {
          this.expect = container.kind === 'object' ? Expect.Key : Expect.Value;
          return true;
        }
        if (character === '}' || character === ']') return this.closeContainer(character === '}' ? 'object' : 'array');
        return this.fail();
      }
      default:
        return this.fail();
    }
  }

  private beginValue(character: string, code: number): boolean {
    if (character === '{' || character === '[') {
      const container: Container =
        character === '{' ? { kind: 'object', value: {}, key: '' } : { kind: 'array', value: [] };
      this.place(container.value, true);
      this.stack.push(container);
      this.expect = character === '{' ? Expect.KeyOrObjectEnd : Expect.ValueOrArrayEnd;
      return true;
    }
    if (character === '"') {
      this.text = '';
      this.textIsKey = false;
      this.place('', true);
      this.expect = Expect.String;
      return true;
    }
    if (code === 0x2d || (code >= 0x30 && code <= 0x39)) {
      this.token = character;
      this.expect = Expect.Number;
      return true;
    }
    if (character === 't' || character === 'f' || character === 'n') {
      this.token = character;
      this.expect = Expect.Literal;
      return true;
    }
    return this.fail();
  }

  /**
   * Puts a value in the current slot (the root, the pending key of the open object, or the next or last
   * element of the open array). `fresh` for a new value; otherwise the open string grew in place.
   */
  private place(value: unknown, fresh: boolean): void {
    this.dirty = true;
    if (fresh) this.nodes += 1;
    const container = this.stack[this.stack.length - 1];
    if (!container) {
      this.root = value;
    } else if (container.kind === 'object') setMember(container.value, container.key, value);
    else if (fresh) container.value.push(value);
    else container.value[container.value.length - 1] = value;
  }

  private closeString(): void {
    if (this.textIsKey) {
      const container = this.stack[this.stack.length - 1];
      if (container?.kind === 'object') container.key = this.text;
      this.expect = Expect.Colon;
    } else {
      this.afterValue();
    }
    this.text = '';
  }

  private finishNumber(): void {
    if (!NUMBER.test(this.token)) {
      this.fail();
      return;
    }
    this.finishValue(Number(this.token));
  }

  private finishValue(value: unknown): void {
    this.token = '';
    this.place(value, true);
    this.afterValue();
  }

  private closeContainer(kind: 'object' | 'array'): boolean {
    const container = this.stack.pop();
    if (!container || container.kind !== kind) return this.fail();
    this.afterValue();
    return true;
  }

  private afterValue(): void {
    this.expect = this.stack.length === 0 ? Expect.Done : Expect.CommaOrEnd;
  }

  private fail(): true {
    this.expect = Expect.Failed;
    return true;
  }
}
