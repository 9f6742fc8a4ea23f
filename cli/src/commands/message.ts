import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import type { Message } from '@skyrocket/client';
import { UsageError } from '../errors';
import { writeJson } from '../io';
import { globals, type CommandContext } from '../context';
import { choice, integer, namesrvOf, positiveNumber, withNamesrv } from '../options';
import { withAssignedConsumer, withProducer } from '../clients';
import { messageView } from '../admin-adapter';
import { renderFields } from '../table';
import { printMessages, registerMessageQuery, type BodyMode } from './admin';

interface SendOptions {
  namesrv?: string;
  body?: string;
  file?: string;
  tags?: string;
  keys?: string;
  property: string[];
  delayLevel?: number;
  group: string;
}

/** `skyrocket message send|consume|query`. */
export function registerMessageCommands(program: Command, context: CommandContext): void {
  const message = program.command('message').description('send, consume and look up messages');

  const send = message
    .command('send')
    .description('send one message and print where it was stored')
    .argument('<topic>', 'topic')
    .option('-b, --body <text>', 'body as UTF-8 text')
    .option('-f, --file <path>', 'body from a file (bytes as they are)')
    .option('-t, --tags <tag>', 'tag')
    .option(
      '-k, --keys <keys>',
      'business keys, separated by spaces or commas (indexed for message query --key)',
    )
    .option('-p, --property <name=value>', 'user property (repeatable)', collect, [])
    .option(
      '-d, --delay-level <level>',
      "delay level (1 = the broker's first level, 1 s by default)",
      integer(0, 1000),
    )
    .option('--group <group>', 'producer group', 'skyrocket_cli_producer');
  withNamesrv(send).action(async (topic: string, options: SendOptions, command: Command) => {
    const { io } = context;
    const outgoing: Message = {
      topic,
      body: messageBody(options),
      ...(options.tags === undefined ? {} : { tags: options.tags }),
      ...(options.keys === undefined ? {} : { keys: options.keys.split(/[\s,]+/).filter((k) => k !== '') }),
      ...(options.property.length === 0 ? {} : { properties: parseProperties(options.property) }),
      ...(options.delayLevel === undefined ? {} : { delayTimeLevel: options.delayLevel }),
    };
    const result = await withProducer(namesrvOf(options, io), { group: options.group }, (producer) =>
      producer.send(outgoing),
    );
    const view = {
      status: result.status,
      msgId: result.msgId,
      offsetMsgId: result.offsetMsgId,
      topic: result.messageQueue.topic,
      brokerName: result.messageQueue.brokerName,
      queueId: result.messageQueue.queueId,
      queueOffset: result.queueOffset,
    };
    if (globals(command).json) writeJson(io, view);
    else io.stdout.write(renderFields(view));
  });

  const consume = message
    .command('consume')
    .description(
      'print messages of every queue of a topic, from its first or last offset, without committing any offset',
    )
    .argument('<topic>', 'topic')
    .option('-c, --count <n>', 'stop after this many messages', integer(1, 1_000_000), 10)
    .option('--timeout <seconds>', 'stop after this many seconds', positiveNumber, 10)
    .option(
      '--from <where>',
      'first: the oldest stored message; last: only new ones',
      choice('first', 'last'),
      'first',
    )
    .option('--tags <expression>', 'tag filter: *, TagA, or TagA || TagB', '*')
    .option(
      '--body <mode>',
      'how to print bodies: text, base64 or none',
      choice('text', 'base64', 'none'),
      'text',
    )
    .option('--group <group>', 'consumer group the pulls are made as', 'skyrocket_cli_consumer');
  withNamesrv(consume).action(async (topic: string, options: ConsumeOptions, command: Command) => {
    const { io } = context;
    const deadline = Date.now() + options.timeout * 1000;
    let stop = false;
    void io.shutdownRequested().then(() => (stop = true));
    let received = 0;
    await withAssignedConsumer(
      namesrvOf(options, io),
      { group: options.group, topic, tags: options.tags, from: options.from },
      async (consumer) => {
        while (!stop && received < options.count) {
          const remaining = deadline - Date.now();
          if (remaining <= 0) break;
          // Short polls so Ctrl-C is noticed within half a second.
          const batch = (await consumer.poll(Math.min(remaining, 500))).slice(0, options.count - received);
          if (batch.length === 0) continue;
          printMessages(context, command, batch.map(messageView), options.body, received > 0);
          received += batch.length;
        }
      },
    );
    io.stderr.write(`${received} message(s) received\n`);
  });

  registerMessageQuery(message, context);
}

interface ConsumeOptions {
  namesrv?: string;
  count: number;
  timeout: number;
  from: 'first' | 'last';
  tags: string;
  body: BodyMode;
  group: string;
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

function messageBody(options: SendOptions): Buffer | string {
  if (options.body !== undefined && options.file !== undefined) {
    throw new UsageError('give the body with --body or --file, not both');
  }
  if (options.file !== undefined) return readFileSync(options.file);
  if (options.body !== undefined) return options.body;
  throw new UsageError('a body is required: --body <text> or --file <path>');
}

export function parseProperties(pairs: readonly string[]): Record<string, string> {
  const properties: Record<string, string> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new UsageError(`--property "${pair}" is not name=value`);
    properties[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return properties;
}
