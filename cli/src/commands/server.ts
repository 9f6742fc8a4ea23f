import * as path from 'node:path';
import type { Command } from 'commander';
import type { z } from 'zod';
import { camelToScreamingSnake, createLogger, loadComponentConfig } from '@skyrocket/common';
import {
  buildNameServer,
  checkNameServerConfig,
  NAMESERVER_ENV_PREFIX,
  NameServerConfigSchema,
} from '@skyrocket/nameserver';
import { BROKER_ENV_PREFIX, BrokerConfigSchema, buildBroker, checkBrokerConfig } from '@skyrocket/broker';
import { CliError } from '../errors';
import { integer } from '../options';
import type { CommandContext } from '../program';
import { globals } from '../program';
import { writeJson } from '../io';

/**
 * The commands that run servers: `start` (NameServer + broker in one process, the embedded default behind
 * `npm start`), `nameserver` and `broker` (one component each: the container entrypoint, with the same config file,
 * SKYROCKET_* environment and flags as nameserver/dist/main.js and broker/dist/main.js), and `operator`.
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
      const nameServerConfig = loadComponentConfig(
        { schema: NameServerConfigSchema, envPrefix: NAMESERVER_ENV_PREFIX, check: checkNameServerConfig },
        [
          ...configFlag(options.namesrvConfig),
          ...['--listen-host', options.listenHost, '--listen-port', String(options.namesrvPort)],
          ...['--http-port', String(options.namesrvHttpPort), '--log-level', options.logLevel],
          // Port 0 (tests) is fixed up below once the OS has picked one.
          ...['--advertised-address', `${options.host}:${options.namesrvPort || 9876}`],
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
    schema: NameServerConfigSchema,
    envPrefix: NAMESERVER_ENV_PREFIX,
    check: checkNameServerConfig,
    start: async (config) => {
      const nameServer = buildNameServer(config);
      const { remotingPort, httpPort } = await nameServer.start();
      return {
        listening: `NameServer listening on ${config.listenHost}:${remotingPort} (HTTP ${config.httpHost}:${httpPort})`,
        stop: () => nameServer.stop(),
      };
    },
  });

  registerComponent(program, context, {
    name: 'broker',
    description: 'run a broker (the container entrypoint: flags, SKYROCKET_BROKER_* env, --config file)',
    schema: BrokerConfigSchema,
    envPrefix: BROKER_ENV_PREFIX,
    check: checkBrokerConfig,
    start: async (config) => {
      const broker = buildBroker(config);
      const { httpPort } = await broker.start();
      return {
        listening: `Broker ${config.brokerName} (id ${config.brokerId}) listening on ${broker.brokerAddr()} (HTTP ${config.httpHost}:${httpPort}), NameServers ${config.namesrvAddr}`,
        stop: () => broker.stop(),
      };
    },
  });

  program
    .command('operator')
    .description('run the Kubernetes operator')
    .argument('[flags...]')
    .allowUnknownOption()
    .action(() => {
      throw new CliError('the operator is not available in this build yet (operator/ has no entry point)');
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

/**
 * `skyrocket nameserver|broker [--config file] [--any-field value ...]`: every flag is a field of the component's
 * config schema (listed by --help), parsed by the same loader as the component's own main.ts.
 */
function registerComponent<S extends z.ZodObject>(
  program: Command,
  { io }: CommandContext,
  spec: {
    name: string;
    description: string;
    schema: S;
    envPrefix: string;
    check: (config: Record<string, unknown>) => string[];
    start: (config: Readonly<z.infer<S>>) => Promise<{ listening: string; stop(): Promise<void> }>;
  },
): void {
  program
    .command(spec.name)
    .description(spec.description)
    .argument('[flags...]', 'configuration flags, listed below')
    .allowUnknownOption()
    .addHelpText('after', () => `\n${describeFlags(spec.schema, spec.envPrefix)}`)
    .action(async (flags: string[]) => {
      const config = loadComponentConfig(spec, flags, io.env);
      const component = await spec.start(config);
      // stdout carries the component's JSON logs (what a container runtime collects); status lines go to stderr.
      io.stderr.write(`${component.listening}\n`);
      const signal = await io.shutdownRequested();
      io.stderr.write(`received ${signal}, shutting down\n`);
      await component.stop();
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
