import * as path from 'node:path';
import type { Command } from 'commander';
import type { z } from 'zod';
import { camelToScreamingSnake, createLogger, loadComponentConfig } from '@skyrocket/common';
import { integer } from '../options';
import { globals, type CommandContext } from '../context';
import { writeJson } from '../io';

/**
 * The server packages (and through them fastify, the store, the Kubernetes client) load only when a server command
 * runs, so admin and bench commands start in a fraction of the time.
 */
const loadNameServer = () => import('@skyrocket/nameserver');
const loadBroker = () => import('@skyrocket/broker');
const loadOperator = () => import('@skyrocket/operator');

/**
 * The commands that run servers: `start` (NameServer + broker in one process, the embedded default behind
 * `npm start`), and `nameserver`, `broker` and `operator` (one component each: the container entrypoint, with the same
 * config file, SKYROCKET_* environment and flags as the components' own main.ts).
 */
export function registerServerCommands(program: Command, context: CommandContext): void {
  const { io } = context;

  program
    .command('start')
    .description('run a NameServer and a broker in this process (data in --data-dir); Ctrl-C stops both')
    .option('--data-dir <dir>', 'data directory; the broker stores in <dir>/broker-a', './.skyrocket')
    .option('--host <ip>', 'address clients use to reach the broker and NameServer', '127.0.0.1')
    .option('--listen-host <ip>', 'address both servers bind to', '0.0.0.0')
    .option('--namesrv-port <port>', 'NameServer remoting port', port, 9876)
    .option(
      '--namesrv-http-port <port>',
      'NameServer HTTP admin port (/metrics, /rocketmq/nsaddr)',
      port,
      8080,
    )
    .option('--broker-port <port>', 'broker remoting port', port, 10911)
    .option('--broker-http-port <port>', 'broker HTTP admin port (/metrics, /api)', port, 8081)
    .option('--flush-disk-type <type>', 'ASYNC_FLUSH or SYNC_FLUSH', 'ASYNC_FLUSH')
    .option('--log-level <level>', 'log level of both servers (JSON logs on stdout)', 'warn')
    .option('--namesrv-config <file>', 'NameServer config file (properties or JSON); flags above win')
    .option('--broker-config <file>', 'broker config file (properties or JSON); flags above win')
    .addHelpText(
      'after',
      '\nSKYROCKET_NAMESERVER_* and SKYROCKET_BROKER_* environment variables apply too (see docs/configuration.md).',
    )
    .action(async (options: StartOptions, command: Command) => {
      const dataDir = path.resolve(options.dataDir);
      const { buildNameServer, checkNameServerConfig, NAMESERVER_ENV_PREFIX, NameServerConfigSchema } =
        await loadNameServer();
      const { BROKER_ENV_PREFIX, BrokerConfigSchema, buildBroker, checkBrokerConfig } = await loadBroker();
      const nameServerConfig = loadComponentConfig(
        { schema: NameServerConfigSchema, envPrefix: NAMESERVER_ENV_PREFIX, check: checkNameServerConfig },
        [
          ...configFlag(options.namesrvConfig),
          ...['--listen-host', options.listenHost, '--listen-port', String(options.namesrvPort)],
          ...['--http-port', String(options.namesrvHttpPort), '--log-level', options.logLevel],
          // What /rocketmq/nsaddr answers. With port 0 the port is not known yet: the NameServer's own default
          // (first non-loopback address and the port it got) applies instead.
          ...(options.namesrvPort === 0
            ? []
            : ['--advertised-address', `${options.host}:${options.namesrvPort}`]),
        ],
        io.env,
      );
      const nameServer = buildNameServer(nameServerConfig, {
        logger: createLogger({ component: 'nameserver', level: nameServerConfig.logLevel }),
      });
      const ns = await nameServer.start();
      const namesrvAddr = `${options.host}:${ns.remotingPort}`;
      let brokerStarted = false;
      try {
        const brokerConfig = loadComponentConfig(
          { schema: BrokerConfigSchema, envPrefix: BROKER_ENV_PREFIX, check: checkBrokerConfig },
          [
            ...configFlag(options.brokerConfig),
            ...['--namesrv-addr', namesrvAddr, '--brokerIP1', options.host],
            ...['--listen-host', options.listenHost, '--listen-port', String(options.brokerPort)],
            // The HA port next to the remoting port, as RocketMQ's BrokerStartup sets it (listenPort + 1); a free
            // one when the remoting port is.
            ...['--ha-listen-port', String(options.brokerPort === 0 ? 0 : options.brokerPort + 1)],
            ...['--http-port', String(options.brokerHttpPort), '--log-level', options.logLevel],
            ...['--store-path-root-dir', path.join(dataDir, 'broker-a')],
            ...['--flush-disk-type', options.flushDiskType],
          ],
          io.env,
        );
        const broker = buildBroker(brokerConfig, {
          logger: createLogger({ component: 'broker', level: brokerConfig.logLevel }),
        });
        const b = await broker.start();
        brokerStarted = true;
        const listening = {
          nameServer: namesrvAddr,
          nameServerHttp: `http://${options.host}:${ns.httpPort}`,
          broker: broker.brokerAddr(),
          brokerHttp: `http://${options.host}:${b.httpPort}`,
          dataDir,
        };
        if (globals(command).json) writeJson(io, { listening });
        else
          io.stdout.write(
            `NameServer listening on ${listening.nameServer} (HTTP ${listening.nameServerHttp})\n` +
              `Broker ${brokerConfig.brokerName} listening on ${listening.broker} (HTTP ${listening.brokerHttp}), data in ${dataDir}\n` +
              `Clients: -n ${namesrvAddr} (or NAMESRV_ADDR=${namesrvAddr}). Ctrl-C stops both.\n`,
          );
        const signal = await io.shutdownRequested();
        io.stderr.write(`received ${signal}, shutting down\n`);
        await broker.stop();
      } finally {
        if (!brokerStarted) await nameServer.stop();
      }
      if (brokerStarted) await nameServer.stop();
      io.stderr.write('stopped\n');
    });

  registerComponent(program, context, {
    name: 'nameserver',
    description:
      'run a NameServer (the container entrypoint: flags, SKYROCKET_NAMESERVER_* env, --config file)',
    load: async () => {
      const { buildNameServer, checkNameServerConfig, NAMESERVER_ENV_PREFIX, NameServerConfigSchema } =
        await loadNameServer();
      return component(
        NameServerConfigSchema,
        NAMESERVER_ENV_PREFIX,
        checkNameServerConfig,
        async (config) => {
          const nameServer = buildNameServer(config);
          const { remotingPort, httpPort } = await nameServer.start();
          return {
            listening: `NameServer listening on ${config.listenHost}:${remotingPort} (HTTP ${config.httpHost}:${httpPort})`,
            stop: () => nameServer.stop(),
          };
        },
      );
    },
  });

  registerComponent(program, context, {
    name: 'broker',
    description: 'run a broker (the container entrypoint: flags, SKYROCKET_BROKER_* env, --config file)',
    load: async () => {
      const { BROKER_ENV_PREFIX, BrokerConfigSchema, buildBroker, checkBrokerConfig } = await loadBroker();
      return component(BrokerConfigSchema, BROKER_ENV_PREFIX, checkBrokerConfig, async (config) => {
        const broker = buildBroker(config);
        const { httpPort } = await broker.start();
        return {
          listening: `Broker ${config.brokerName} (id ${config.brokerId}) listening on ${broker.brokerAddr()} (HTTP ${config.httpHost}:${httpPort}), NameServers ${config.namesrvAddr}`,
          stop: () => broker.stop(),
        };
      });
    },
  });

  registerComponent(program, context, {
    name: 'operator',
    description:
      'run the Kubernetes operator (in a pod, or against $KUBECONFIG; flags, SKYROCKET_OPERATOR_* env, --config file)',
    load: async () => {
      const { buildOperator, checkOperatorConfig, OPERATOR_ENV_PREFIX, OperatorConfigSchema } =
        await loadOperator();
      return component(OperatorConfigSchema, OPERATOR_ENV_PREFIX, checkOperatorConfig, async (config) => {
        const operator = buildOperator(config);
        await operator.start();
        return {
          listening: `operator ${operator.identity} running (HTTP ${operator.httpAddress ?? 'off'}), watching ${config.namespaces || 'all namespaces'}`,
          stop: () => operator.stop(),
        };
      });
    },
  });
}

interface StartOptions {
  dataDir: string;
  host: string;
  listenHost: string;
  namesrvPort: number;
  namesrvHttpPort: number;
  brokerPort: number;
  brokerHttpPort: number;
  flushDiskType: string;
  logLevel: string;
  namesrvConfig?: string;
  brokerConfig?: string;
}

const port = integer(0, 65535);

function configFlag(file: string | undefined): string[] {
  return file === undefined ? [] : ['--config', file];
}

/** How to configure and start one component; `run` is the config loader bound to its schema. */
interface Component {
  describeFlags(): string;
  run(argv: readonly string[], env: CliEnv): Promise<{ listening: string; stop(): Promise<void> }>;
}

type CliEnv = Readonly<Record<string, string | undefined>>;

function component<S extends z.ZodObject>(
  schema: S,
  envPrefix: string,
  check: (config: Record<string, unknown>) => string[],
  start: (config: Readonly<z.infer<S>>) => Promise<{ listening: string; stop(): Promise<void> }>,
): Component {
  return {
    describeFlags: () => describeFlags(schema, envPrefix),
    run: (argv, env) => start(loadComponentConfig({ schema, envPrefix, check }, argv, env)),
  };
}

/**
 * `skyrocket nameserver|broker|operator [--config file] [--any-field value ...]`: every flag is a field of the
 * component's config schema (listed by --help), parsed by the same loader as the component's own main.ts. Help is
 * handled here rather than by commander because the flag list needs the (lazily loaded) schema.
 */
function registerComponent(
  program: Command,
  { io }: CommandContext,
  spec: { name: string; description: string; load: () => Promise<Component> },
): void {
  program
    .command(spec.name)
    .description(spec.description)
    .argument('[flags...]', 'configuration flags (see --help)')
    .helpOption(false)
    .allowUnknownOption()
    .action(async (flags: string[], _options: unknown, command: Command) => {
      const loaded = await spec.load();
      if (flags.includes('--help') || flags.includes('-h')) {
        io.stdout.write(`${command.helpInformation()}\n${loaded.describeFlags()}\n`);
        return;
      }
      const running = await loaded.run(flags, io.env);
      // stdout carries the component's JSON logs (what a container runtime collects); status lines go to stderr.
      io.stderr.write(`${running.listening}\n`);
      const signal = await io.shutdownRequested();
      io.stderr.write(`received ${signal}, shutting down\n`);
      await running.stop();
    });
}

/** The flag list of a config schema for --help: flag, default, environment variable, description. */
export function describeFlags(schema: z.ZodObject, envPrefix: string): string {
  const defaults = schema.parse({}) as Record<string, unknown>;
  const lines = ['Flags (also --config <file>, and environment variables):'];
  for (const [field, type] of Object.entries(schema.shape)) {
    const flag = `--${field.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
    const description = (type as z.ZodType).description ?? '';
    const fallback = defaults[field] === undefined ? '' : ` (default ${JSON.stringify(defaults[field])})`;
    lines.push(`  ${flag.padEnd(36)} ${description}${fallback}; ${envPrefix}${camelToScreamingSnake(field)}`);
  }
  return lines.join('\n');
}
