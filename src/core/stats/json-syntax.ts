/**
 * Locates the first JSON syntax error in a text. `JSON.parse` reports
 * positions in engine-specific wording (and not for every error), so the
 * offset for the error message comes from this small RFC 8259 scanner.
 */

export interface SyntaxLocation {
  /** Offset in UTF-16 code units. */
  offset: number;
  /** 1-based line and column. */
  line: number;
  column: number;
  /** Short description of what the scanner expected there. */
  expected: string;
}

class SyntaxFailure {
  constructor(
    readonly offset: number,
    readonly expected: string,
  ) {}
}

const WHITESPACE = new Set([' ', '\t', '\n', '\r']);
const NUMBER = /-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?/y;
const NON_FINITE = /^(NaN|-?Infinity)/;
const ESCAPE = /\\(["\\/bfnrt]|u[0-9a-fA-F]{4})/y;

/** Deepest nesting of objects and arrays accepted; statistics JSON needs 5 levels. */
export const MAX_JSON_DEPTH = 64;

/**
 * Returns the offset where `text` opens its `(max + 1)`th level of nesting, or
 * -1 when it stays within `max`. It scans without recursion, so hostile input
 * cannot overflow the stack here, and the recursive scanner below runs only on
 * text that passed it.
 */
export function findExcessNesting(text: string, max = MAX_JSON_DEPTH): number {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const char = text[i];
    if (inString) {
      if (char === '\\') i++;
      else if (char === '"') inString = false;
    } else if (char === '"') {
      inString = true;
    } else if (char === '{' || char === '[') {
      if (++depth > max) return i;
    } else if (char === '}' || char === ']') {
      depth--;
    }
  }
  return -1;
}

/** A key that appears twice in one object, with the location of its second occurrence. */
export interface DuplicateKey extends Omit<SyntaxLocation, 'expected'> {
  key: string;
}

class DuplicateFailure {
  constructor(
    readonly offset: number,
    readonly key: string,
  ) {}
}

/**
 * Returns the first key that appears twice in one object of valid JSON text.
 * `JSON.parse` keeps the last value silently, so a set with "domains" twice
 * would lose the first list without a word.
 */
export function findDuplicateKey(text: string): DuplicateKey | undefined {
  const scanner = new Scanner(text, true);
  try {
    scanner.skipWhitespace();
    scanner.value();
    return undefined;
  } catch (error) {
    if (error instanceof SyntaxFailure) return undefined;
    if (!(error instanceof DuplicateFailure)) throw error;
    const { expected: _, ...location } = toLocation(text, error.offset, '');
    return { ...location, key: error.key };
  }
}

/** Returns where `text` stops being valid JSON, or undefined when it is valid. */
export function locateJsonError(text: string): SyntaxLocation | undefined {
  const scanner = new Scanner(text);
  try {
    scanner.skipWhitespace();
    scanner.value();
    scanner.skipWhitespace();
    if (scanner.position < text.length) throw new SyntaxFailure(scanner.position, 'end of input');
    return undefined;
  } catch (error) {
    if (!(error instanceof SyntaxFailure)) throw error;
    return toLocation(text, error.offset, error.expected);
  }
}

function toLocation(text: string, offset: number, expected: string): SyntaxLocation {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text[i] === '\n') {
      line++;
      lineStart = i + 1;
    }
  }
  return { offset, line, column: offset - lineStart + 1, expected };
}

class Scanner {
  position = 0;

  constructor(
    private readonly text: string,
    private readonly checkKeys = false,
  ) {}

  skipWhitespace(): void {
    while (this.position < this.text.length && WHITESPACE.has(this.text[this.position])) this.position++;
  }

  value(): void {
    const char = this.text[this.position];
    const special = NON_FINITE.exec(this.text.slice(this.position, this.position + 9));
    if (special) {
      throw new SyntaxFailure(
        this.position,
        `a value, not ${special[0]}: NaN and Infinity are not valid JSON, and statistics must be finite anyway, so fix the data that produced it (a JSON encoder such as Python's json.dumps(..., allow_nan=False) rejects them)`,
      );
    }
    if (char === '{') return this.object();
    if (char === '[') return this.array();
    if (char === '"') return this.string();
    if (char === '-' || (char >= '0' && char <= '9')) return this.number();
    for (const literal of ['true', 'false', 'null']) {
      if (this.text.startsWith(literal, this.position)) {
        this.position += literal.length;
        return;
      }
    }
    throw new SyntaxFailure(this.position, 'a value');
  }

  private expect(char: string): void {
    if (this.text[this.position] !== char) throw new SyntaxFailure(this.position, `"${char}"`);
    this.position++;
  }

  private object(): void {
    this.expect('{');
    this.skipWhitespace();
    if (this.text[this.position] === '}') {
      this.position++;
      return;
    }
    const keys = this.checkKeys ? new Set<string>() : undefined;
    for (;;) {
      this.skipWhitespace();
      if (this.text[this.position] !== '"') throw new SyntaxFailure(this.position, 'a quoted key');
      const start = this.position;
      this.string();
      if (keys) this.addKey(keys, start);
      this.skipWhitespace();
      this.expect(':');
      this.skipWhitespace();
      this.value();
      this.skipWhitespace();
      const char = this.text[this.position];
      if (char === '}') {
        this.position++;
        return;
      }
      if (char !== ',') throw new SyntaxFailure(this.position, '"," or "}"');
      this.position++;
    }
  }

  private addKey(keys: Set<string>, start: number): void {
    const raw = this.text.slice(start, this.position);
    const key = raw.includes('\\') ? (JSON.parse(raw) as string) : raw.slice(1, -1);
    if (keys.has(key)) throw new DuplicateFailure(start, key);
    keys.add(key);
  }

  private array(): void {
    this.expect('[');
    this.skipWhitespace();
    if (this.text[this.position] === ']') {
      this.position++;
      return;
    }
    for (;;) {
      this.skipWhitespace();
      this.value();
      this.skipWhitespace();
      const char = this.text[this.position];
      if (char === ']') {
        this.position++;
        return;
      }
      if (char !== ',') throw new SyntaxFailure(this.position, '"," or "]"');
      this.position++;
    }
  }

  private string(): void {
    this.expect('"');
    while (this.position < this.text.length) {
      const char = this.text[this.position];
      if (char === '"') {
        this.position++;
        return;
      }
      if (char === '\\') {
        ESCAPE.lastIndex = this.position;
        if (!ESCAPE.test(this.text)) throw new SyntaxFailure(this.position, 'a valid escape sequence');
        this.position = ESCAPE.lastIndex;
        continue;
      }
      if (char < ' ') throw new SyntaxFailure(this.position, 'no raw control character inside a string');
      this.position++;
    }
    throw new SyntaxFailure(this.position, 'a closing quote');
  }

  private number(): void {
    NUMBER.lastIndex = this.position;
    if (!NUMBER.test(this.text)) throw new SyntaxFailure(this.position, 'a number');
    this.position = NUMBER.lastIndex;
  }
}
