import type { Command } from 'commander';
import type { AdminPort, MessageView } from '../admin-port';
import { CliError, UsageError } from '../errors';
import { writeJson } from '../io';
import { globals, type CommandContext } from '../context';
import { choice, integer, namesrvOf, withNamesrv } from '../options';
import { renderFields, renderTable } from '../table';

/**
 * The admin commands, in mqadmin's spirit: `topic create|update|delete|list|route|status`, `cluster list`,
 * `group list|progress`, `message query`, `offset reset`. Tables by default, one JSON object with --json.
 */
export function registerAdminCommands(program: Command, context: CommandContext): void {
  registerTopicCommands(program, context);
  registerClusterCommands(program, context);
  registerGroupCommands(program, context);
  registerOffsetCommands(program, context);
}

interface NamesrvOptions {
  namesrv?: string;
}

/** Opens an admin client for the command's NameServers, runs `use`, and always closes it. */
async function withAdmin<T>(
  context: CommandContext,
  options: NamesrvOptions,
  use: (admin: AdminPort) => Promise<T>,
): Promise<T> {
  const admin = await context.openAdmin(namesrvOf(options, context.io));
  try {
    return await use(admin);
  } finally {
    await admin.close();
  }
}

/** Prints `value` as JSON with --json, else the text `render` makes. */
function output(context: CommandContext, command: Command, value: unknown, render: () => string): void {
  if (globals(command).json) writeJson(context.io, value);
  else context.io.stdout.write(render());
}

interface TopicWriteOptions extends NamesrvOptions {
  cluster?: string;
  broker?: string;
  readQueues: number;
  writeQueues: number;
  perm: number;
  order?: boolean;
}

// RocketMQ PermName: PERM_READ = 4, PERM_WRITE = 2.
const PERM_NAMES: Record<number, string> = { 0: '--', 2: '-W', 4: 'R-', 6: 'RW' };

function permText(perm: number): string {
  return PERM_NAMES[perm & 6] ?? String(perm);
}

function registerTopicCommands(program: Command, context: CommandContext): void {
  const topic = program.command('topic').description('create, change, delete and inspect topics');

  for (const verb of ['create', 'update'] as const) {
    const command = topic
      .command(verb)
      .description(
        verb === 'create'
          ? 'create a topic on every master of a cluster (-c) or on one broker (-b); refuses an existing topic'
          : 'change the queues or permission of an existing topic',
      )
      .argument('<topic>', 'topic name')
      .option(
        '-c, --cluster <name>',
        'cluster whose masters get the topic (default: every master of every cluster)',
      )
      .option('-b, --broker <host:port>', 'one broker address instead of a cluster')
      .option('-r, --read-queues <n>', 'read queue count', integer(1, 1024), 8)
      .option('-w, --write-queues <n>', 'write queue count', integer(1, 1024), 8)
      .option(
        '-p, --perm <perm>',
        'permission (RocketMQ PermName): 6 read+write, 4 read only, 2 write only',
        integer(0, 7),
        6,
      )
      .option('-o, --order', 'ordered topic (registers orderTopicConf on the NameServers)');
    withNamesrv(command).action(async (name: string, options: TopicWriteOptions, cmd: Command) => {
      if (options.cluster !== undefined && options.broker !== undefined) {
        throw new UsageError('give -c/--cluster or -b/--broker, not both');
      }
      const written = await withAdmin(context, options, async (admin) => {
        const exists = await admin.topicExists(name);
        if (verb === 'create' && exists) {
          throw new CliError(`topic ${name} already exists (use skyrocket topic update to change it)`);
        }
        if (verb === 'update' && !exists) {
          throw new CliError(`topic ${name} does not exist (use skyrocket topic create)`);
        }
        return admin.putTopic({
          topic: name,
          readQueueNums: options.readQueues,
          writeQueueNums: options.writeQueues,
          perm: options.perm,
          order: options.order === true,
          clusterName: options.cluster,
          brokerAddr: options.broker,
        });
      });
      output(
        context,
        cmd,
        { topic: name, brokers: written },
        () =>
          `${verb === 'create' ? 'created' : 'updated'} topic ${name} on ${written.length} broker(s): ${written.join(', ')}\n`,
      );
    });
  }

  const remove = topic
    .command('delete')
    .description('delete a topic from the brokers and the NameServers')
    .argument('<topic>', 'topic name')
    .option('-c, --cluster <name>', 'only from this cluster');
  withNamesrv(remove).action(
    async (name: string, options: NamesrvOptions & { cluster?: string }, cmd: Command) => {
      await withAdmin(context, options, async (admin) => {
        if (!(await admin.topicExists(name))) throw new CliError(`topic ${name} does not exist`);
        await admin.deleteTopic(name, options.cluster);
      });
      output(context, cmd, { topic: name, deleted: true }, () => `deleted topic ${name}\n`);
    },
  );

  const list = topic.command('list').description('list every topic the NameServers know');
  withNamesrv(list).action(async (options: NamesrvOptions, cmd: Command) => {
    const topics = await withAdmin(context, options, (admin) => admin.listTopics());
    const sorted = [...topics].sort();
    output(context, cmd, { topics: sorted }, () =>
      renderTable(
        ['topic'],
        sorted.map((t) => [t]),
      ),
    );
  });

  const route = topic
    .command('route')
    .description("show a topic's route: brokers and queue counts per broker")
    .argument('<topic>', 'topic name');
  withNamesrv(route).action(async (name: string, options: NamesrvOptions, cmd: Command) => {
    const view = await withAdmin(context, options, (admin) => admin.topicRoute(name));
    output(context, cmd, view, () =>
      [
        renderTable(
          ['brokerName', 'brokerId', 'address', 'cluster'],
          view.brokers.map((b) => [b.brokerName, b.brokerId, b.address, b.cluster]),
        ),
        renderTable(
          ['brokerName', 'readQueues', 'writeQueues', 'perm'],
          view.queues.map((q) => [q.brokerName, q.readQueueNums, q.writeQueueNums, permText(q.perm)]),
        ),
        view.orderTopicConf ? `orderTopicConf: ${view.orderTopicConf}\n` : '',
      ]
        .filter((part) => part !== '')
        .join('\n'),
    );
  });

  const status = topic
    .command('status')
    .description('offsets per queue: min, max, messages held, last store time')
    .argument('<topic>', 'topic name');
  withNamesrv(status).action(async (name: string, options: NamesrvOptions, cmd: Command) => {
    const rows = await withAdmin(context, options, (admin) => admin.topicStatus(name));
    rows.sort((a, b) => a.brokerName.localeCompare(b.brokerName) || a.queueId - b.queueId);
    output(context, cmd, { topic: name, queues: rows }, () =>
      renderTable(
        ['brokerName', 'queueId', 'minOffset', 'maxOffset', 'messages', 'lastUpdated'],
        rows.map((r) => [
          r.brokerName,
          r.queueId,
          r.minOffset,
          r.maxOffset,
          r.maxOffset - r.minOffset,
          r.lastUpdateTimestamp > 0 ? new Date(r.lastUpdateTimestamp).toISOString() : '-',
        ]),
      ),
    );
  });
}

function registerClusterCommands(program: Command, context: CommandContext): void {
  const cluster = program.command('cluster').description('inspect clusters');
  const list = cluster.command('list').description('list clusters and their brokers (master = id 0)');
  withNamesrv(list).action(async (options: NamesrvOptions, cmd: Command) => {
    const rows = await withAdmin(context, options, (admin) => admin.clusters());
    rows.sort(
      (a, b) =>
        a.cluster.localeCompare(b.cluster) ||
        a.brokerName.localeCompare(b.brokerName) ||
        a.brokerId - b.brokerId,
    );
    output(context, cmd, { brokers: rows }, () =>
      renderTable(
        ['cluster', 'brokerName', 'brokerId', 'role', 'address'],
        rows.map((r) => [
          r.cluster,
          r.brokerName,
          r.brokerId,
          r.brokerId === 0 ? 'MASTER' : 'SLAVE',
          r.address,
        ]),
      ),
    );
  });
}

function registerGroupCommands(program: Command, context: CommandContext): void {
  const group = program.command('group').description('inspect consumer groups');
  const list = group.command('list').description('list the subscription groups the brokers know');
  withNamesrv(list).action(async (options: NamesrvOptions, cmd: Command) => {
    const groups = [...(await withAdmin(context, options, (admin) => admin.groups()))].sort();
    output(context, cmd, { groups }, () =>
      renderTable(
        ['group'],
        groups.map((g) => [g]),
      ),
    );
  });

  const progress = group
    .command('progress')
    .description("a group's consume progress: broker and consumer offset and lag per queue, and the total")
    .argument('<group>', 'consumer group')
    .option('-t, --topic <topic>', 'only this topic');
  withNamesrv(progress).action(
    async (name: string, options: NamesrvOptions & { topic?: string }, cmd: Command) => {
      const rows = await withAdmin(context, options, (admin) => admin.groupProgress(name, options.topic));
      rows.sort(
        (a, b) =>
          a.topic.localeCompare(b.topic) || a.brokerName.localeCompare(b.brokerName) || a.queueId - b.queueId,
      );
      const totalLag = rows.reduce((sum, r) => sum + r.lag, 0);
      output(
        context,
        cmd,
        { group: name, queues: rows, totalLag },
        () =>
          renderTable(
            ['topic', 'brokerName', 'queueId', 'brokerOffset', 'consumerOffset', 'lag'],
            rows.map((r) => [r.topic, r.brokerName, r.queueId, r.brokerOffset, r.consumerOffset, r.lag]),
          ) + `total lag: ${totalLag}\n`,
      );
    },
  );
}

function registerOffsetCommands(program: Command, context: CommandContext): void {
  const offset = program.command('offset').description("change a consumer group's offsets");
  const reset = offset
    .command('reset')
    .description(
      "move a group's offsets on a topic to the first message stored at or after a time (consumers pick it up at once)",
    )
    .requiredOption('-g, --group <group>', 'consumer group')
    .requiredOption('-t, --topic <topic>', 'topic')
    .requiredOption(
      '-s, --timestamp <time>',
      'milliseconds since the epoch, an ISO date (2026-01-31T12:00:00Z), "now" or "earliest"',
    );
  withNamesrv(reset).action(
    async (options: NamesrvOptions & { group: string; topic: string; timestamp: string }, cmd: Command) => {
      const timestamp = parseTimestamp(options.timestamp, Date.now());
      const rows = await withAdmin(context, options, (admin) =>
        admin.resetOffsetByTimestamp(options.group, options.topic, timestamp),
      );
      rows.sort((a, b) => a.brokerName.localeCompare(b.brokerName) || a.queueId - b.queueId);
      output(context, cmd, { group: options.group, topic: options.topic, timestamp, queues: rows }, () =>
        renderTable(
          ['brokerName', 'queueId', 'offset'],
          rows.map((r) => [r.brokerName, r.queueId, r.offset]),
        ),
      );
    },
  );
}

/** `--timestamp`: epoch milliseconds, an ISO-8601 date, `now`, or `earliest` (0). */
export function parseTimestamp(text: string, now: number): number {
  const value = text.trim();
  if (value === 'now') return now;
  if (value === 'earliest') return 0;
  if (/^\d+$/.test(value)) return Number(value);
  if (/^\d{4}-\d{2}-\d{2}/.test(value)) {
    const parsed = Date.parse(value);
    if (Number.isFinite(parsed)) return parsed;
  }
  throw new UsageError(`--timestamp "${text}" is not epoch milliseconds, an ISO date, "now" or "earliest"`);
}

/** `message query --id | --key`: registered by the message commands. */
export function registerMessageQuery(message: Command, context: CommandContext): void {
  const query = message
    .command('query')
    .description('look a message up by id (msgId or offsetMsgId) or by key')
    .option('-i, --id <msgId>', 'message id as printed by message send (msgId or offsetMsgId)')
    .option('-k, --key <key>', 'business key (needs --topic)')
    .option('-t, --topic <topic>', 'topic (required with --key; speeds up --id)')
    .option('--max <n>', 'most messages to print for --key', integer(1, 1000), 32)
    .option(
      '--body <mode>',
      'how to print bodies: text, base64 or none',
      choice('text', 'base64', 'none'),
      'text',
    );
  withNamesrv(query).action(
    async (
      options: NamesrvOptions & { id?: string; key?: string; topic?: string; max: number; body: BodyMode },
      cmd: Command,
    ) => {
      if ((options.id === undefined) === (options.key === undefined)) {
        throw new UsageError('give exactly one of --id or --key');
      }
      if (options.key !== undefined && options.topic === undefined) {
        throw new UsageError('--key needs --topic');
      }
      const messages = await withAdmin(context, options, async (admin) =>
        options.id !== undefined
          ? [await admin.queryMessageById(options.topic, options.id)]
          : admin.queryMessagesByKey(options.topic ?? '', options.key ?? '', options.max),
      );
      if (messages.length === 0) throw new CliError(`no message of ${options.topic} has key ${options.key}`);
      printMessages(context, cmd, messages, options.body);
    },
  );
}

export type BodyMode = 'text' | 'base64' | 'none';

/** Messages as JSON lines (--json) or as blocks of fields separated by blank lines. */
export function printMessages(
  context: CommandContext,
  command: Command,
  messages: readonly MessageView[],
  bodyMode: BodyMode,
  /** More blocks were printed before these (text output separates blocks by a blank line). */
  continued = false,
): void {
  const json = globals(command).json === true;
  const blocks: string[] = [];
  for (const m of messages) {
    const view = messageJson(m, bodyMode);
    if (json) writeJson(context.io, view);
    else
      blocks.push(
        renderFields({
          msgId: m.msgId,
          offsetMsgId: m.offsetMsgId,
          topic: m.topic,
          tags: m.tags,
          keys: m.keys,
          broker: m.brokerName,
          queueId: m.queueId,
          queueOffset: m.queueOffset,
          bornTime: new Date(m.bornTimestamp).toISOString(),
          storeTime: new Date(m.storeTimestamp).toISOString(),
          bornHost: m.bornHost,
          storeHost: m.storeHost,
          reconsumeTimes: m.reconsumeTimes,
          properties: Object.entries(m.properties)
            .map(([k, v]) => `${k}=${v}`)
            .join(' '),
          bodyBytes: m.body.length,
          ...(bodyMode === 'none' ? {} : { body: view.body }),
        }),
      );
  }
  if (!json && blocks.length > 0) context.io.stdout.write((continued ? '\n' : '') + blocks.join('\n'));
}

function messageJson(m: MessageView, bodyMode: BodyMode): Omit<MessageView, 'body'> & { body?: string } {
  const { body, ...rest } = m;
  if (bodyMode === 'none') return rest;
  return { ...rest, body: bodyMode === 'base64' ? body.toString('base64') : body.toString('utf8') };
}
