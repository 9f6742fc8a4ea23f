import { describeError, type Clock, type Logger, type TimerHandle } from '@skyrocket/common';
import { isConflict, isNotFound, type KubeClient } from './kube-client';
import { apiVersionOf, Resources } from './resources';
import { microTime } from './events';
import type { KubeObject } from './types';

interface Lease extends KubeObject {
  spec?: {
    holderIdentity?: string | null;
    leaseDurationSeconds?: number;
    acquireTime?: string | null;
    renewTime?: string | null;
    leaseTransitions?: number;
  };
}

export interface LeaderElectionOptions {
  client: KubeClient;
  namespace: string;
  leaseName: string;
  /** This replica's identity (pod name + a random suffix). */
  identity: string;
  /** How long a lease is valid after its last renewal (client-go default 15 s). */
  leaseDurationMs?: number;
  /** A leader that cannot renew for this long steps down (client-go default 10 s). */
  renewDeadlineMs?: number;
  /** Pause between attempts (client-go default 2 s). */
  retryPeriodMs?: number;
  clock: Clock;
  logger: Logger;
  onStartedLeading: () => void;
  onStoppedLeading: () => void;
}

/**
 * Leader election through a coordination.k8s.io/v1 Lease, with client-go's rules: a candidate takes the lease when
 * it is free or when the holder has not renewed it for leaseDuration as *observed locally* (the time we saw the
 * record change, so clock skew between replicas does not matter); updates are guarded by resourceVersion so two
 * candidates cannot both win; a leader that fails to renew for renewDeadline steps down; stop() releases the lease
 * (empty holder) so a standby takes over within one retry period instead of a lease duration.
 * States: CANDIDATE ⇄ LEADER → STOPPED.
 */
export class LeaderElector {
  readonly #options: Required<LeaderElectionOptions>;
  #state: 'CANDIDATE' | 'LEADER' | 'STOPPED' = 'CANDIDATE';
  #timer: TimerHandle | undefined;
  #observedRecord = '';
  #observedAt = 0;
  #lastRenew = 0;
  #attempt: Promise<void> | undefined;

  constructor(options: LeaderElectionOptions) {
    this.#options = {
      leaseDurationMs: 15_000,
      renewDeadlineMs: 10_000,
      retryPeriodMs: 2_000,
      ...options,
    };
  }

  get isLeader(): boolean {
    return this.#state === 'LEADER';
  }

  get identity(): string {
    return this.#options.identity;
  }

  start(): void {
    this.#schedule(0);
  }

  /** Stops campaigning; a leader releases the lease and steps down. */
  async stop(): Promise<void> {
    const wasLeader = this.#state === 'LEADER';
    this.#state = 'STOPPED';
    if (this.#timer) this.#options.clock.clearTimer(this.#timer);
    await this.#attempt;
    if (wasLeader) {
      await this.#release();
      this.#options.onStoppedLeading();
    }
  }

  #schedule(delayMs: number): void {
    if (this.#state === 'STOPPED') return;
    this.#timer = this.#options.clock
      .setTimeout(() => {
        this.#attempt = this.#tryAcquireOrRenew().finally(() => {
          this.#attempt = undefined;
          this.#schedule(this.#options.retryPeriodMs);
        });
      }, delayMs)
      .unref();
  }

  async #tryAcquireOrRenew(): Promise<void> {
    const { clock, logger } = this.#options;
    let acquired = false;
    try {
      acquired = await this.#acquireOrRenew();
    } catch (error) {
      logger.warn({ lease: this.#options.leaseName, err: describeError(error) }, 'lease update failed');
    }
    if (this.#state === 'STOPPED') return;
    const now = clock.now();
    if (acquired) {
      this.#lastRenew = now;
      if (this.#state !== 'LEADER') {
        this.#state = 'LEADER';
        logger.info({ identity: this.#options.identity, lease: this.#options.leaseName }, 'became leader');
        this.#options.onStartedLeading();
      }
    } else if (this.#state === 'LEADER' && now - this.#lastRenew >= this.#options.renewDeadlineMs) {
      this.#state = 'CANDIDATE';
      logger.warn({ identity: this.#options.identity }, 'could not renew the lease in time; stepping down');
      this.#options.onStoppedLeading();
    }
  }

  /** One attempt; true when this replica holds the lease afterwards. */
  async #acquireOrRenew(): Promise<boolean> {
    const { client, namespace, leaseName, identity, clock } = this.#options;
    const now = clock.now();
    const spec = {
      holderIdentity: identity,
      leaseDurationSeconds: Math.max(1, Math.ceil(this.#options.leaseDurationMs / 1000)),
      renewTime: microTime(now),
    };
    const existing = await client.find<Lease>(Resources.Lease, namespace, leaseName);
    if (!existing) {
      try {
        await client.create<Lease>(Resources.Lease, {
          apiVersion: apiVersionOf(Resources.Lease),
          kind: 'Lease',
          metadata: { name: leaseName, namespace },
          spec: { ...spec, acquireTime: microTime(now), leaseTransitions: 0 },
        });
        return true;
      } catch (error) {
        if (isConflict(error) || (error as { reason?: string }).reason === 'AlreadyExists') return false;
        throw error;
      }
    }
    const record = existing.spec ?? {};
    const recordKey = JSON.stringify([
      record.holderIdentity,
      record.renewTime,
      existing.metadata.resourceVersion,
    ]);
    if (recordKey !== this.#observedRecord) {
      this.#observedRecord = recordKey;
      this.#observedAt = now;
    }
    const holder = record.holderIdentity ?? '';
    const heldByOther = holder !== '' && holder !== identity;
    const durationMs = (record.leaseDurationSeconds ?? 0) * 1000;
    if (heldByOther && this.#observedAt + durationMs > now) return false;
    const takingOver = holder !== identity;
    try {
      await client.replace<Lease>(Resources.Lease, {
        ...existing,
        spec: {
          ...record,
          ...spec,
          acquireTime: takingOver ? microTime(now) : (record.acquireTime ?? microTime(now)),
          leaseTransitions: (record.leaseTransitions ?? 0) + (takingOver && holder !== '' ? 1 : 0),
        },
      });
      return true;
    } catch (error) {
      // Someone else updated the lease between our read and write: they won this round.
      if (isConflict(error) || isNotFound(error)) return false;
      throw error;
    }
  }

  async #release(): Promise<void> {
    const { client, namespace, leaseName, identity, logger, clock } = this.#options;
    try {
      const lease = await client.find<Lease>(Resources.Lease, namespace, leaseName);
      if (!lease || lease.spec?.holderIdentity !== identity) return;
      await client.replace<Lease>(Resources.Lease, {
        ...lease,
        spec: {
          ...lease.spec,
          holderIdentity: null,
          leaseDurationSeconds: 1,
          renewTime: microTime(clock.now()),
        },
      });
      logger.info({ identity, lease: leaseName }, 'released the lease');
    } catch (error) {
      logger.warn({ lease: leaseName, err: describeError(error) }, 'could not release the lease');
    }
  }
}
