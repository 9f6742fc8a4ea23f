import { run } from './program';
import { memoryIo } from './testing/memory-io';

describe('run: argument parsing', () => {
  it('prints help and exits 0', async () => {
    const io = memoryIo();
    expect(await run(['--help'], io)).toBe(0);
    expect(io.out()).toContain('Usage: skyrocket');
    expect(io.out()).toMatch(/start \[options\]/);
  });

  it('answers unknown commands and flags with one line and exit 2', async () => {
    for (const argv of [['bogus'], ['start', '--bogus'], ['--nope']]) {
      const io = memoryIo();
      expect(await run(argv, io)).toBe(2);
      expect(io.err().trim().split('\n')).toHaveLength(1);
      expect(io.err()).toMatch(/^skyrocket: (unknown|too many)/);
      expect(io.err()).not.toMatch(/\s+at /);
    }
  });

  it('refuses a bad port with one line, before starting anything', async () => {
    const io = memoryIo();
    expect(await run(['start', '--broker-port', 'abc'], io)).toBe(2);
    expect(io.err()).toMatch(
      /--broker-port <port>. argument .abc. is invalid. expected an integer from 0 to 65535/,
    );
  });

  it('reports a bad component flag by field and source, exit 1, no stack', async () => {
    const io = memoryIo();
    expect(await run(['broker', '--listen-port', 'x'], io)).toBe(1);
    expect(io.err()).toBe(
      'skyrocket: invalid configuration: listenPort: expected an integer, got "x" (from flag --listen-port)\n',
    );
    const unknown = memoryIo();
    expect(await run(['nameserver', '--no-such-field', '1'], unknown)).toBe(1);
    expect(unknown.err()).toMatch(/unknown field "noSuchField"/);
  });

  it('shows the stack only with --verbose', async () => {
    const io = memoryIo();
    expect(await run(['--verbose', 'broker', '--listen-port', 'x'], io)).toBe(1);
    expect(io.err()).toMatch(/\n\s+at /);
  });

  it('lists every config field of a component in its help', async () => {
    const io = memoryIo();
    expect(await run(['broker', '--help'], io)).toBe(0);
    expect(io.out()).toMatch(
      /--flush-disk-type\s+Flush mode \(default "ASYNC_FLUSH"\); SKYROCKET_BROKER_FLUSH_DISK_TYPE/,
    );
  });
});

describe('run: bench and message flags', () => {
  it.each([
    [['bench', 'produce', '--size', '0']],
    [['bench', 'produce', '--concurrency', 'many']],
    [['bench', 'produce', '--duration', '-1']],
    [['bench', 'consume', '--from', 'middle']],
    [['message', 'consume', 'T', '--count', '0']],
    [['message', 'send', 'T', '-d', 'x', '-b', 'x']],
  ])('%j is a usage error (exit 2) before anything connects', async (argv) => {
    const io = memoryIo();
    expect(await run(argv, io)).toBe(2);
    expect(io.err()).toMatch(/^skyrocket: option '.+' argument '.+' is invalid\. expected /);
  });

  it('message send needs exactly one body source and name=value properties', async () => {
    for (const [argv, message] of [
      [['message', 'send', 'T'], /a body is required/],
      [['message', 'send', 'T', '-b', 'x', '-f', 'y'], /not both/],
      [['message', 'send', 'T', '-b', 'x', '-p', 'novalue'], /--property "novalue" is not name=value/],
    ] as const) {
      const io = memoryIo();
      expect(await run([...argv], io)).toBe(2);
      expect(io.err()).toMatch(message);
    }
  });
});
