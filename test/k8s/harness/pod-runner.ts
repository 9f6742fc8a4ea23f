/**
 * A test-only kubelet (DESIGN.md §7): no kubelet runs here, so this runs each Skyrocket Pod's container as a local
 * process, making the whole path CR → StatefulSet → Pod → real NameServers and brokers → client traffic real.
 *
 * What it emulates, and how:
 * - **Pod network.** Each pod gets its own loopback address (127.0.1.N) as `status.podIP`; the process binds and
 *   advertises that address (listenHost, httpHost, brokerIP1 / advertisedAddress), as the pod's own network
 *   namespace would make 0.0.0.0 and "the first non-loopback address" do.
 * - **Cluster DNS.** `<svc>.<ns>.svc.cluster.local` and `<pod>.<svc>.<ns>.svc.cluster.local` resolve to pod IPs
 *   (ready ones, or all under publishNotReadyAddresses) through `cluster-dns.cjs`, preloaded into every process.
 * - **Volumes.** ConfigMap volumes are written to a directory per pod; other volumes (the broker's PVC) are a
 *   directory per pod name, kept across re-creation as a claim would be. Mount paths are rewritten to those
 *   directories in args, env and ConfigMap contents.
 * - **Container.** The image's entrypoint is the `skyrocket` CLI: `node cli/dist/main.js <args>` with the container's
 *   env (`fieldRef`s resolved, `$(VAR)` expanded in args). Given the image built without Docker
 *   (scripts/image/image.ts), it runs that image's entrypoint on the image's Node.js instead, with the image's
 *   environment and its volumes in the pod's folder.
 * - **Status.** Running with the IP at once; `Ready` follows the readiness probe's HTTP GET. A deleted pod's process
 *   gets SIGTERM (SIGKILL after the grace period) and the pod is then removed, as a kubelet confirms a deletion.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { KubeClient } from '../../../operator/src/runtime/kube-client';
import { Resources } from '../../../operator/src/runtime/resources';
import type { KubeObject } from '../../../operator/src/runtime/types';
import { containerCommand, type BuiltImage } from '../../../scripts/image/image';
import type { NodeRuntime } from '../../../scripts/image/node-runtime';

const ROOT = path.resolve(__dirname, '../../..');
const CLI = path.join(ROOT, 'cli/dist/main.js');
const DNS_SHIM = path.join(__dirname, 'cluster-dns.cjs');
const DOMAIN = 'svc.cluster.local';

interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: { fieldRef?: { fieldPath: string } };
}
interface Container {
  name: string;
  args?: string[];
  env?: EnvVar[];
  ports?: Array<{ name?: string; containerPort: number }>;
  volumeMounts?: Array<{ name: string; mountPath: string }>;
  readinessProbe?: { httpGet?: { path: string; port: string | number } };
}
export interface PodObject extends KubeObject {
  spec: {
    containers: Container[];
    volumes?: Array<{ name: string; configMap?: { name: string } }>;
    hostname?: string;
    subdomain?: string;
    terminationGracePeriodSeconds?: number;
  };
  status?: { podIP?: string; conditions?: Array<{ type: string; status: string }> };
}
interface ServiceObject extends KubeObject {
  spec: { selector?: Record<string, string>; publishNotReadyAddresses?: boolean };
}

interface Running {
  uid: string;
  name: string;
  ip: string;
  child: ChildProcess;
  ready: boolean;
  exited: boolean;
  probe?: { path: string; port: number };
  log: string;
}

export class PodRunner {
  readonly #client: KubeClient;
  readonly #namespace: string;
  readonly #dir: string;
  readonly #dnsFile: string;
  readonly #running = new Map<string, Running>();
  /** Every container start, in order: which pod, which incarnation (uid). */
  readonly starts: Array<{ pod: string; uid: string }> = [];
  readonly #ips = new Map<string, string>();
  #nextIp = 10;
  #timer: NodeJS.Timeout | undefined;
  #busy = false;
  /** The tick in progress (stop() waits for it, so no container starts after the others were stopped). */
  #tickDone: Promise<void> = Promise.resolve();
  #stopped = false;

  readonly #image: { image: BuiltImage; node: NodeRuntime } | undefined;

  /** `image`: run containers from the image built without Docker, on its Node.js (see the header). */
  constructor(
    client: KubeClient,
    namespace: string,
    dir: string,
    options: { image?: { image: BuiltImage; node: NodeRuntime } } = {},
  ) {
    this.#image = options.image;
    this.#client = client;
    this.#namespace = namespace;
    this.#dir = dir;
    this.#dnsFile = path.join(dir, 'dns.json');
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(this.#dnsFile, '{}');
  }

  start(): void {
    this.#timer = setInterval(() => {
      if (!this.#busy) this.#tickDone = this.#tick();
    }, 250);
  }

  /** The IP of a running pod (for the operator's admin URLs and for clients). */
  ipOf(pod: string): string | undefined {
    for (const r of this.#running.values()) if (r.name === pod && !r.exited) return r.ip;
    return undefined;
  }

  /** The process id of a running pod's container. */
  pidOf(pod: string): number | undefined {
    for (const r of this.#running.values()) if (r.name === pod && !r.exited) return r.child.pid;
    return undefined;
  }

  /** The last lines a pod's process printed (for failure messages). */
  logOf(pod: string): string {
    for (const r of this.#running.values())
      if (r.name === pod) return fs.existsSync(r.log) ? fs.readFileSync(r.log, 'utf8').slice(-4000) : '';
    return '';
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer) clearInterval(this.#timer);
    await this.#tickDone;
    await Promise.all([...this.#running.values()].map((r) => this.#kill(r, 5000)));
  }

  async #tick(): Promise<void> {
    if (this.#busy || this.#stopped) return;
    this.#busy = true;
    try {
      const pods = (await this.#client.list<PodObject>(Resources.Pod, this.#namespace)).items;
      const services = (await this.#client.list<ServiceObject>(Resources.Service, this.#namespace)).items;
      const live = new Set(pods.map((p) => p.metadata.uid ?? ''));
      for (const [uid, r] of this.#running) if (!live.has(uid)) await this.#kill(r, 0);
      for (const pod of pods) {
        if (this.#stopped) return;
        const uid = pod.metadata.uid ?? '';
        const running = this.#running.get(uid);
        if (pod.metadata.deletionTimestamp) {
          if (running) await this.#kill(running, (pod.spec.terminationGracePeriodSeconds ?? 30) * 1000);
          await this.#forget(pod);
          continue;
        }
        if (!running) await this.#startPod(pod);
        else await this.#probe(pod, running);
      }
      this.#writeDns(pods, services);
    } catch {
      // The apiserver is stopping, or a pod changed under us: the next tick looks again.
    } finally {
      this.#busy = false;
    }
  }

  async #startPod(pod: PodObject): Promise<void> {
    const name = pod.metadata.name;
    const container = pod.spec.containers[0];
    if (!container) return;
    let ip = this.#ips.get(name);
    if (!ip) {
      ip = `127.0.1.${this.#nextIp++}`;
      this.#ips.set(name, ip);
    }
    const podDir = path.join(this.#dir, 'pods', name);
    // Mount path → local directory: ConfigMaps fresh per start, other volumes kept per pod name (a claim).
    const mounts: Array<[string, string]> = [];
    for (const mount of container.volumeMounts ?? []) {
      const volume = pod.spec.volumes?.find((v) => v.name === mount.name);
      const local = path.join(podDir, volume?.configMap ? `configmap-${mount.name}` : `volume-${mount.name}`);
      mounts.push([mount.mountPath, local]);
    }
    const rewrite = (text: string) =>
      mounts.reduce((out, [mountPath, local]) => out.split(mountPath).join(local), text);
    for (const mount of container.volumeMounts ?? []) {
      const volume = pod.spec.volumes?.find((v) => v.name === mount.name);
      const local = rewrite(mount.mountPath);
      fs.mkdirSync(local, { recursive: true });
      if (!volume?.configMap) continue;
      const configMap = await this.#client.get<KubeObject & { data?: Record<string, string> }>(
        Resources.ConfigMap,
        this.#namespace,
        volume.configMap.name,
      );
      for (const [key, value] of Object.entries(configMap.data ?? {}))
        fs.writeFileSync(path.join(local, key), rewrite(value));
    }

    const env: Record<string, string> = {};
    for (const v of container.env ?? []) {
      const field = v.valueFrom?.fieldRef?.fieldPath;
      env[v.name] =
        field === 'metadata.name'
          ? name
          : field === 'metadata.namespace'
            ? this.#namespace
            : field === 'status.podIP'
              ? ip
              : rewrite(v.value ?? '');
    }
    const args = (container.args ?? []).map((a) =>
      rewrite(a.replace(/\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g, (m, v: string) => env[v] ?? m)),
    );
    const component = args[0] === 'broker' ? 'BROKER' : 'NAMESERVER';
    const remoting = container.ports?.find((p) => p.name === 'remoting')?.containerPort ?? 0;
    // The pod's own network: bind and advertise the pod IP.
    const network: Record<string, string> = {
      [`SKYROCKET_${component}_LISTEN_HOST`]: ip,
      [`SKYROCKET_${component}_HTTP_HOST`]: ip,
      ...(component === 'BROKER'
        ? { SKYROCKET_BROKER_BROKER_IP1: ip }
        : { SKYROCKET_NAMESERVER_ADVERTISED_ADDRESS: `${ip}:${remoting}` }),
    };
    if (this.#stopped) return;
    fs.mkdirSync(podDir, { recursive: true });
    const log = path.join(podDir, 'container.log');
    const fd = fs.openSync(log, 'a');
    const command = this.#image
      ? containerCommand(this.#image.image, this.#image.node, args, path.join(podDir, 'image-volumes'))
      : { command: process.execPath, args: [CLI, ...args], cwd: podDir, env: {} };
    const child = spawn(command.command, command.args, {
      cwd: command.cwd,
      env: {
        PATH: process.env['PATH'] ?? '',
        HOME: podDir,
        ...command.env,
        NODE_OPTIONS: `--require ${DNS_SHIM}`,
        SKYROCKET_TEST_DNS_FILE: this.#dnsFile,
        // The shim ends the container if this process dies without stopping it (a killed jest).
        SKYROCKET_TEST_PARENT_PID: String(process.pid),
        ...env,
        ...network,
      },
      stdio: ['ignore', fd, fd],
    });
    // A container must never keep the test process alive: stop() ends them all, and a process that outlives the
    // test run anyway ends itself (the DNS shim's parent check).
    child.unref();
    fs.closeSync(fd);
    const httpGet = container.readinessProbe?.httpGet;
    const probePort =
      typeof httpGet?.port === 'number'
        ? httpGet.port
        : container.ports?.find((p) => p.name === httpGet?.port)?.containerPort;
    const running: Running = {
      uid: pod.metadata.uid ?? '',
      name,
      ip,
      child,
      ready: false,
      exited: false,
      log,
      ...(httpGet && probePort ? { probe: { path: httpGet.path, port: probePort } } : {}),
    };
    child.on('exit', () => {
      running.exited = true;
    });
    this.#running.set(running.uid, running);
    this.starts.push({ pod: name, uid: running.uid });
    await this.#patchStatus(pod, ip, false);
  }

  async #probe(pod: PodObject, running: Running): Promise<void> {
    let ready = false;
    if (!running.exited && running.probe) {
      try {
        const response = await fetch(`http://${running.ip}:${running.probe.port}${running.probe.path}`, {
          signal: AbortSignal.timeout(1000),
        });
        ready = response.ok;
      } catch {
        ready = false;
      }
    }
    const shown = (pod.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
    if (ready !== running.ready || ready !== shown) {
      running.ready = ready;
      await this.#patchStatus(pod, running.ip, ready);
    }
  }

  async #patchStatus(pod: PodObject, ip: string, ready: boolean): Promise<void> {
    const now = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
    const status = ready ? 'True' : 'False';
    await this.#client.mergePatch(
      Resources.Pod,
      this.#namespace,
      pod.metadata.name,
      {
        status: {
          phase: 'Running',
          hostIP: '127.0.0.1',
          podIP: ip,
          podIPs: [{ ip }],
          startTime: now,
          conditions: [
            { type: 'Ready', status, lastTransitionTime: now },
            { type: 'ContainersReady', status, lastTransitionTime: now },
          ],
        },
      },
      'status',
    );
  }

  async #kill(running: Running, graceMs: number): Promise<void> {
    this.#running.delete(running.uid);
    if (running.exited) return;
    const exited = new Promise<void>((resolve) => running.child.once('exit', () => resolve()));
    running.child.kill('SIGTERM');
    const timer = setTimeout(() => running.child.kill('SIGKILL'), Math.max(graceMs, 1));
    await exited;
    clearTimeout(timer);
  }

  /** The kubelet's last word on a deleted pod: remove it now that its container is gone. */
  async #forget(pod: PodObject): Promise<void> {
    try {
      await this.#client.request(
        'DELETE',
        `/api/v1/namespaces/${this.#namespace}/pods/${pod.metadata.name}`,
        { body: { gracePeriodSeconds: 0, preconditions: { uid: pod.metadata.uid } } },
      );
    } catch {
      // Already gone, or replaced: nothing to confirm.
    }
  }

  #writeDns(pods: PodObject[], services: ServiceObject[]): void {
    const table: Record<string, string[]> = {};
    for (const service of services) {
      const selector = service.spec.selector;
      if (!selector || Object.keys(selector).length === 0) continue;
      const svc = `${service.metadata.name}.${this.#namespace}.${DOMAIN}`;
      const members = pods.filter(
        (p) =>
          !p.metadata.deletionTimestamp &&
          Object.entries(selector).every(([k, v]) => p.metadata.labels?.[k] === v) &&
          this.ipOf(p.metadata.name) !== undefined,
      );
      const ready = members.filter((p) =>
        [...this.#running.values()].some((r) => r.name === p.metadata.name && r.ready),
      );
      table[svc] = (service.spec.publishNotReadyAddresses ? members : ready)
        .map((p) => this.ipOf(p.metadata.name) ?? '')
        .sort();
      for (const p of members)
        if (p.spec.subdomain === service.metadata.name && p.spec.hostname)
          table[`${p.spec.hostname}.${svc}`] = [this.ipOf(p.metadata.name) ?? ''];
    }
    const file = `${this.#dnsFile}.tmp`;
    fs.writeFileSync(file, JSON.stringify(table));
    fs.renameSync(file, this.#dnsFile);
  }
}
