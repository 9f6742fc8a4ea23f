/**
 * GET_BROKER_RUNTIME_INFO's KVTable (AdminBrokerProcessor.prepareRuntimeInfo + DefaultMessageStore.getRuntimeInfo
 * + StoreStatsService.getRuntimeInfo). Every value is a string, as in Java.
 *
 * The keys tools read are all present: `mqadmin clusterList` parses msgPutTotal{YesterdayMorning,TodayMorning,
 * TodayNow}, msgGetTotal{…} with Long.parseLong, putTps / getTransferredTps ("10s 60s 600s" rates, first one
 * used), brokerVersionDesc, brokerActive, earliestMessageTimeStamp, commitLogDiskRatio, pageCacheLockTimeMills,
 * the send/pull thread-pool queue sizes and head wait times, and timer{ReadBehind,OffsetBehind,CongestNum,
 * EnqueueTps,DequeueTps}; `mqadmin exportMetrics` also reads consumeQueueDiskRatio and putMessageAverageSize.
 * Keys that describe Java internals Skyrocket does not have (thread-pool queues, transient store pool, timer
 * wheel) are reported as idle, with the values a quiet Java broker shows.
 */
import * as fs from 'node:fs';
import type { Clock } from '@skyrocket/common';
import { CURRENT_VERSION, decodeRecord } from '@skyrocket/remoting';
import type { MessageStore } from '@skyrocket/store';
import type { BrokerConfig } from '../config';
import type { BrokerMetrics } from '../metrics';

export interface RuntimeInfoSources {
  config: BrokerConfig;
  store: MessageStore;
  metrics: BrokerMetrics;
  clock: Clock;
}

interface Totals {
  put: number;
  getFound: number;
  getMiss: number;
}

/** Message totals sampled on each request, for StoreStatsService's 10 s / 60 s / 600 s rates. */
export class TpsSampler {
  readonly #samples: Array<{ at: number; totals: Totals }> = [];

  /** Records the current totals and drops samples no window needs any more (older than 600 s). */
  record(at: number, totals: Totals): void {
    this.#samples.push({ at, totals });
    // Keep the newest sample at or before the 600 s horizon as the baseline of the longest window.
    while (this.#samples.length > 2 && (this.#samples[1]?.at ?? at) <= at - 600_000) this.#samples.shift();
  }

  /** Per-second rate of `field` over the last `windowMs` (from the newest sample at or before the window start). */
  rate(windowMs: number, field: keyof Totals): number {
    const last = this.#samples[this.#samples.length - 1];
    if (!last) return 0;
    let base = this.#samples[0];
    for (const sample of this.#samples) if (sample.at <= last.at - windowMs) base = sample;
    if (!base || base.at >= last.at) return 0;
    return ((last.totals[field] - base.totals[field]) * 1000) / (last.at - base.at);
  }

  /** "r10 r60 r600" with two decimals, as StoreStatsService.getPutTps() formats it. */
  rates(field: keyof Totals): string {
    return [10_000, 60_000, 600_000].map((w) => this.rate(w, field).toFixed(2)).join(' ');
  }
}

/**
 * BrokerStats' morning snapshots: "today morning" and "yesterday morning" totals. RocketMQ records them at midnight
 * and starts at 0; here a day change is noticed at the next request (the same numbers unless the broker was idle
 * across midnight).
 */
export class DailyTotals {
  #day: string | undefined;
  #todayMorning = 0;
  #yesterdayMorning = 0;

  observe(now: number, total: number): { yesterdayMorning: number; todayMorning: number; todayNow: number } {
    const day = new Date(now).toDateString();
    if (this.#day !== undefined && day !== this.#day) {
      this.#yesterdayMorning = this.#todayMorning;
      this.#todayMorning = total;
    }
    this.#day = day;
    return { yesterdayMorning: this.#yesterdayMorning, todayMorning: this.#todayMorning, todayNow: total };
  }
}

/** Builds the runtime-info table; one instance per broker keeps the rate samples and daily snapshots. */
export class BrokerRuntimeInfo {
  readonly #sources: RuntimeInfoSources;
  readonly #bootTimestamp: number;
  readonly #tps = new TpsSampler();
  readonly #dailyPut = new DailyTotals();
  readonly #dailyGet = new DailyTotals();

  constructor(sources: RuntimeInfoSources) {
    this.#sources = sources;
    this.#bootTimestamp = sources.clock.now();
  }

  async table(): Promise<Record<string, string>> {
    const { config, store, clock } = this.#sources;
    const now = clock.now();
    const stats = store.stats();
    const totals = { put: stats.putMessages, ...(await this.#pullTotals()) };
    this.#tps.record(now, totals);
    const put = this.#dailyPut.observe(now, totals.put);
    const get = this.#dailyGet.observe(now, totals.getFound);
    const disk = diskUsage(config.storePathRootDir);
    const table: Record<string, string> = {
      // StoreStatsService
      bootTimestamp: String(this.#bootTimestamp),
      runtime: formatRuntime(now - this.#bootTimestamp),
      putMessageTimesTotal: String(stats.putMessages),
      putMessageSizeTotal: String(stats.putBytes),
      putMessageAverageSize: String(stats.putMessages > 0 ? stats.putBytes / stats.putMessages : 0),
      putMessageFailedTimes: '0',
      putMessageEntireTimeMax: '0',
      getMessageEntireTimeMax: '0',
      dispatchMaxBuffer: '0',
      putTps: this.#tps.rates('put'),
      getFoundTps: this.#tps.rates('getFound'),
      getMissTps: this.#tps.rates('getMiss'),
      getTotalTps: totalRates(this.#tps),
      getTransferredTps: this.#tps.rates('getFound'),
      // DefaultMessageStore
      commitLogMinOffset: String(store.getMinPhyOffset()),
      commitLogMaxOffset: String(store.getMaxPhyOffset()),
      commitLogDiskRatio: String(disk?.usedRatio ?? -1),
      [`commitLogDiskRatio_${config.storePathRootDir}`]: String(disk?.usedRatio ?? -1),
      consumeQueueDiskRatio: String(disk?.usedRatio ?? -1),
      // AdminBrokerProcessor
      brokerActive: String(config.brokerRole !== 'SLAVE'),
      brokerVersionDesc: versionDesc(CURRENT_VERSION),
      // The 4.x key, still read by older dashboards.
      brokerVersion: String(CURRENT_VERSION),
      msgPutTotalYesterdayMorning: String(put.yesterdayMorning),
      msgPutTotalTodayMorning: String(put.todayMorning),
      msgPutTotalTodayNow: String(put.todayNow),
      msgGetTotalYesterdayMorning: String(get.yesterdayMorning),
      msgGetTotalTodayMorning: String(get.todayMorning),
      msgGetTotalTodayNow: String(get.todayNow),
      dispatchBehindBytes: '0',
      pageCacheLockTimeMills: '0',
      earliestMessageTimeStamp: String(await earliestMessageTime(store)),
      startAcceptSendRequestTimeStamp: '0',
      timerReadBehind: '0',
      timerOffsetBehind: '0',
      timerCongestNum: '0',
      timerEnqueueTps: '0.0',
      timerDequeueTps: '0.0',
      remainTransientStoreBufferNumbs: '2147483647',
      remainHowManyDataToFlush: humanReadableByteCount(
        Math.max(0, stats.commitLogMaxOffset - stats.commitLogFlushedOffset),
      ),
      EndTransactionQueueSize: '0',
      EndTransactionThreadPoolQueueCapacity: '100000',
    };
    if (disk) {
      table.commitLogDirCapacity = `Total : ${humanReadableByteCount(disk.total)}, Free : ${humanReadableByteCount(disk.free)}.`;
    }
    for (const pool of ['send', 'pull', 'litePull', 'query', 'ack']) {
      table[`${pool}ThreadPoolQueueSize`] = '0';
      table[`${pool}ThreadPoolQueueCapacity`] = '10000';
      table[`${pool}ThreadPoolQueueHeadWaitTimeMills`] = '0';
    }
    return table;
  }

  /** Pull responses by outcome, from the pull metrics: FOUND counts as a get that found messages. */
  async #pullTotals(): Promise<{ getFound: number; getMiss: number }> {
    const { values } = await this.#sources.metrics.pulls.get();
    let getFound = 0;
    let getMiss = 0;
    for (const { labels, value } of values) {
      if (labels.result === 'FOUND') getFound += value;
      else getMiss += value;
    }
    return { getFound, getMiss };
  }
}

function totalRates(tps: TpsSampler): string {
  return [10_000, 60_000, 600_000]
    .map((w) => (tps.rate(w, 'getFound') + tps.rate(w, 'getMiss')).toFixed(2))
    .join(' ');
}

/** MQVersion.getVersionDesc: the enum name, e.g. "V5_3_3" for 479. */
function versionDesc(version: number): string {
  return version === 479 ? 'V5_3_3' : `VERSION_${version}`;
}

/** StoreStatsService.getFormatRuntime: "[ 0 days, 1 hours, 2 minutes, 3 seconds ]". */
export function formatRuntime(elapsedMs: number): string {
  const seconds = Math.floor(Math.max(0, elapsedMs) / 1000);
  const days = Math.floor(seconds / 86_400);
  const hours = Math.floor((seconds % 86_400) / 3600);
  const minutes = Math.floor((seconds % 3600) / 60);
  return `[ ${days} days, ${hours} hours, ${minutes} minutes, ${seconds % 60} seconds ]`;
}

/** MixAll.humanReadableByteCount(bytes, si=false): "512 B", "1.5 KiB", "3.0 GiB". */
export function humanReadableByteCount(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const exponent = Math.min(6, Math.floor(Math.log(bytes) / Math.log(1024)));
  const unit = `${'KMGTPE'.charAt(exponent - 1)}i`;
  return `${(bytes / 1024 ** exponent).toFixed(1)} ${unit}B`;
}

/** UtilAll.getDiskPartitionSpaceUsedPercent and the capacity line, or undefined when the path is missing. */
function diskUsage(dir: string): { total: number; free: number; usedRatio: number } | undefined {
  try {
    const stats = fs.statfsSync(dir);
    const total = stats.blocks * stats.bsize;
    const free = stats.bfree * stats.bsize;
    return { total, free, usedRatio: total > 0 ? (total - free) / total : -1 };
  } catch {
    return undefined;
  }
}

/** DefaultMessageStore.getEarliestMessageTime: store time of the first record still in the commit log, or -1. */
async function earliestMessageTime(store: MessageStore): Promise<number> {
  try {
    const record = await store.lookMessageByOffset(store.getMinPhyOffset());
    return record ? decodeRecord(record).storeTimestamp : -1;
  } catch {
    return -1;
  }
}
