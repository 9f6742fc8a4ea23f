/**
 * A tolerant reader for the JSON bodies RocketMQ servers send (PROTOCOL.md §1.6). fastjson writes two things
 * standard JSON does not allow, and Apache brokers and NameServers send both:
 *   - unquoted numeric keys: `{"brokerAddrs":{0:"10.0.0.1:10911"}}` (to clients older than V4_9_4, and in several
 *     admin bodies);
 *   - object keys, for maps keyed by a bean: `{"offsetTable":{{"brokerName":"b","queueId":0,"topic":"T"}:{…}}}`.
 * Numeric keys become their decimal string; an object key becomes its canonical JSON text (`JSON.stringify` of the
 * parsed key), which callers parse back with `JSON.parse`. Standard JSON reads exactly as JSON.parse reads it.
 */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

export function parseFastjson(text: string): JsonValue {
  // The common case (Skyrocket's servers, Apache's to new clients) is standard JSON: let the native parser do it.
  try {
    return JSON.parse(text) as JsonValue;
  } catch {
    // fall through to the tolerant parser
  }
  const parser = new Parser(text);
  const value = parser.value();
  parser.end();
  return value;
}

class Parser {
  #pos = 0;
  constructor(readonly text: string) {}

  end(): void {
    this.#skip();
    if (this.#pos !== this.text.length) this.#fail('unexpected trailing characters');
  }

  value(): JsonValue {
    this.#skip();
    const c = this.text[this.#pos];
    switch (c) {
      case '{':
        return this.#object();
      case '[':
        return this.#array();
      case '"':
        return this.#string();
      case 't':
        return this.#literal('true', true);
      case 'f':
        return this.#literal('false', false);
      case 'n':
        return this.#literal('null', null);
      default:
        if (c !== undefined && /[-0-9]/.test(c)) return this.#number();
        return this.#fail(`unexpected ${c === undefined ? 'end of input' : JSON.stringify(c)}`);
    }
  }

  #object(): { [key: string]: JsonValue } {
    this.#pos++; // {
    const result: { [key: string]: JsonValue } = {};
    this.#skip();
    if (this.text[this.#pos] === '}') {
      this.#pos++;
      return result;
    }
    for (;;) {
      this.#skip();
      const key = this.#key();
      this.#skip();
      this.#expect(':');
      const value = this.value();
      Object.defineProperty(result, key, { value, enumerable: true, writable: true, configurable: true });
      this.#skip();
      const c = this.text[this.#pos++];
      if (c === '}') return result;
      if (c !== ',') this.#fail('expected , or }', this.#pos - 1);
    }
  }

  #key(): string {
    const c = this.text[this.#pos];
    if (c === '"') return this.#string();
    if (c === '{' || c === '[') return JSON.stringify(this.value());
    const match = /^[-\w.$]+/.exec(this.text.slice(this.#pos, this.#pos + 256));
    if (!match) return this.#fail('expected an object key');
    this.#pos += match[0].length;
    return match[0];
  }

  #array(): JsonValue[] {
    this.#pos++; // [
    const result: JsonValue[] = [];
    this.#skip();
    if (this.text[this.#pos] === ']') {
      this.#pos++;
      return result;
    }
    for (;;) {
      result.push(this.value());
      this.#skip();
      const c = this.text[this.#pos++];
      if (c === ']') return result;
      if (c !== ',') this.#fail('expected , or ]', this.#pos - 1);
    }
  }

  #string(): string {
    const start = this.#pos;
    let i = start + 1;
    while (i < this.text.length) {
      const c = this.text[i];
      if (c === '\\') i += 2;
      else if (c === '"') break;
      else i++;
    }
    if (i >= this.text.length) this.#fail('unterminated string', start);
    this.#pos = i + 1;
    return JSON.parse(this.text.slice(start, i + 1)) as string;
  }

  #number(): number {
    const match = /^-?\d+(\.\d+)?([eE][-+]?\d+)?/.exec(this.text.slice(this.#pos, this.#pos + 64));
    if (!match) return this.#fail('bad number');
    this.#pos += match[0].length;
    return Number(match[0]);
  }

  #literal<T extends JsonValue>(word: string, value: T): T {
    if (!this.text.startsWith(word, this.#pos)) this.#fail(`expected ${word}`);
    this.#pos += word.length;
    return value;
  }

  #expect(c: string): void {
    if (this.text[this.#pos] !== c) this.#fail(`expected ${c}`);
    this.#pos++;
  }

  #skip(): void {
    while (this.#pos < this.text.length && /\s/.test(this.text[this.#pos] ?? '')) this.#pos++;
  }

  #fail(message: string, at = this.#pos): never {
    throw new SyntaxError(`${message} at position ${at}`);
  }
}
