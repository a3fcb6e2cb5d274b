import { parseArgs } from 'node:util';
import { Kafka, logLevel, Partitioners, type IHeaders, type Message } from 'kafkajs';
import { ConfigError, DLQ_HEADERS, loadConfig, readToEnd, Topics, type MeterstreamConfig } from '@meterstream/common';
import { DLQ_CODES } from '@meterstream/domain';

/** The codes, one per line with their meaning, for --help. */
const CODES_HELP = Object.entries(DLQ_CODES)
  .map(([code, meaning]) => `  ${code.padEnd(27)}${meaning}`)
  .join('\n');

export const USAGE = `Usage: node scripts/dlq.js <list|replay> [options]

Reads the dead-letter topic <TOPIC_PREFIX>events.dlq (read_committed) from its beginning up to the
end offsets it had when the command started, then stops.

Commands:
  list     One line per DLQ record: its partition and offset, dlq-code, source topic/partition/offset,
           key and dlq-reason, oldest first (by partition, then offset).
  replay   Produces the original key and value bytes of the selected records again to their source
           topic (header dlq-source-topic), with the header dlq-replayed-from=<dlq partition>:<offset>,
           through an idempotent producer with acks=all, and prints how many it replayed. A source
           record that reached the DLQ more than once (rejected by several meters) is replayed once.

Options:
  --code CODE   Only records with this dlq-code (see DLQ codes below).
  --limit N     list: print at most N records.
  --dry-run     replay: print what would be replayed, produce nothing.
  -h, --help    This text.

DLQ codes (header dlq-code):
${CODES_HELP}

Replay is meant for records whose cause was fixed upstream, so that the same bytes now go through
(a schema registered again, a router fixed to read them). What it does today, honestly:
  - The router deduplicates by (customer_id, event_id) within ROUTER_DEDUP_WINDOW_MINUTES of event
    time (default 120) and remembers every event it decoded, also one that a meter then rejected. A
    replayed METER_KEY_MISSING, METER_VALUE_NOT_NUMERIC or METER_VALUE_OUT_OF_RANGE record is therefore dropped as a repeat inside the
    window. After it (up to BACKFILL_MAX_AGE_DAYS) it is routed as a backfill: each meter counts it
    only if that meter has not counted the event before, so the meters that counted it the first time
    do not count it again, and a meter created since (a corrected meter is a new meter) counts it.
    To fix the metadata of an accepted event, amend it (POST /events/{event_id}/amend).
  - An UNDECODABLE record was never decoded, so the router routes its replay if the bytes now decode
    and the event time is inside the backfill limit; otherwise the replay goes to the DLQ again, as a
    new DLQ record.
  - Replay keeps no memory: running it twice produces the records twice (the router then drops the
    second copy of an event it decoded).

Environment: KAFKA_BROKERS, TOPIC_PREFIX (see README, Configuration).
Exit codes: 0 ok, 2 usage or configuration error, 1 failure.
`;

export const REPLAYED_FROM = 'dlq-replayed-from';

class UsageError extends Error {}

export interface DlqRecord {
  partition: number;
  offset: string;
  key: Buffer | null;
  value: Buffer | null;
  code: string;
  reason: string;
  sourceTopic: string;
  sourcePartition: string;
  sourceOffset: string;
}

function header(headers: IHeaders | undefined, name: string): string {
  const raw = headers?.[name];
  const first = Array.isArray(raw) ? raw[0] : raw;
  return first === undefined ? '' : first.toString();
}

/** Every committed record of `topic` below the end offsets taken at start, by partition and offset. */
export async function readDlq(kafka: Kafka, topic: string): Promise<DlqRecord[]> {
  const records: DlqRecord[] = [];
  await readToEnd(kafka, {
    topic,
    purpose: 'dlq-cli',
    eachMessage: (m, partition) => {
      records.push({
        partition,
        offset: m.offset,
        key: m.key,
        value: m.value,
        code: header(m.headers, DLQ_HEADERS.code),
        reason: header(m.headers, DLQ_HEADERS.reason),
        sourceTopic: header(m.headers, DLQ_HEADERS.topic),
        sourcePartition: header(m.headers, DLQ_HEADERS.partition),
        sourceOffset: header(m.headers, DLQ_HEADERS.offset),
      });
    },
  });
  return records.sort((a, b) => a.partition - b.partition || Number(BigInt(a.offset) - BigInt(b.offset)));
}

export function formatRecord(r: DlqRecord): string {
  const key = r.key === null ? 'null' : JSON.stringify(r.key.toString('utf8'));
  const source = `${r.sourceTopic}/${r.sourcePartition}/${r.sourceOffset}`;
  return `partition=${r.partition} offset=${r.offset} code=${r.code} source=${source} key=${key} reason=${JSON.stringify(r.reason)}`;
}

/**
 * The records to replay: one per source record (an event rejected by two meters has two DLQ records).
 * Throws if one lacks its source topic.
 */
export function replaySelection(records: DlqRecord[]): DlqRecord[] {
  const bySource = new Map<string, DlqRecord>();
  for (const r of records) {
    if (!r.sourceTopic) throw new Error(`DLQ record ${r.partition}:${r.offset} has no ${DLQ_HEADERS.topic} header; nothing replayed`);
    const source = `${r.sourceTopic}/${r.sourcePartition}/${r.sourceOffset}`;
    if (!bySource.has(source)) bySource.set(source, r);
  }
  return [...bySource.values()];
}

/** Produces each record's original key and value to its source topic, acknowledged by all replicas. */
export async function replay(kafka: Kafka, records: DlqRecord[]): Promise<void> {
  const byTopic = new Map<string, Message[]>();
  for (const r of records) {
    const message = { key: r.key, value: r.value, headers: { [REPLAYED_FROM]: `${r.partition}:${r.offset}` } };
    byTopic.set(r.sourceTopic, [...(byTopic.get(r.sourceTopic) ?? []), message]);
  }
  if (byTopic.size === 0) return;
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  try {
    await producer.sendBatch({ acks: -1, topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })) });
  } finally {
    await producer.disconnect();
  }
}

function parse(argv: string[]) {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: { code: { type: 'string' }, limit: { type: 'string' }, 'dry-run': { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
    });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const { positionals, values } = parsed;
  if (values.help) return { command: 'help' as const, ...values };
  const [command, ...extra] = positionals;
  if (command !== 'list' && command !== 'replay') throw new UsageError(command ? `unknown command "${command}"` : 'a command is required');
  if (extra.length > 0) throw new UsageError(`unexpected argument "${extra[0]}"`);
  if (command === 'replay' && values.limit !== undefined) throw new UsageError('--limit applies to list only');
  if (command === 'list' && values['dry-run']) throw new UsageError('--dry-run applies to replay only');
  if (values.limit !== undefined && !/^[1-9]\d*$/.test(values.limit)) throw new UsageError(`--limit: expected a positive whole number, got "${values.limit}"`);
  return { command, ...values };
}

/** Runs the command line; resolves to the process exit code. */
export async function main(argv: string[], out = process.stdout, err = process.stderr): Promise<number> {
  let options: ReturnType<typeof parse>;
  let config: MeterstreamConfig;
  try {
    options = parse(argv);
    if (options.command === 'help') {
      out.write(USAGE);
      return 0;
    }
    config = loadConfig();
  } catch (e) {
    if (!(e instanceof UsageError || e instanceof ConfigError)) throw e;
    err.write(`dlq: ${e.message}\n\n${USAGE}`);
    return 2;
  }
  const kafka = new Kafka({ clientId: `${config.kafka.clientId}-dlq-cli`, brokers: config.kafka.brokers, logLevel: logLevel.NOTHING });
  const dlqTopic = new Topics(config).eventsDlq;
  try {
    const all = await readDlq(kafka, dlqTopic);
    const selected = options.code === undefined ? all : all.filter((r) => r.code === options.code);
    if (options.command === 'list') {
      for (const r of selected.slice(0, options.limit === undefined ? undefined : Number(options.limit))) out.write(`${formatRecord(r)}\n`);
      return 0;
    }
    const toReplay = replaySelection(selected);
    if (options['dry-run']) {
      for (const r of toReplay) out.write(`would replay ${formatRecord(r)}\n`);
      out.write(`dry run: would replay ${toReplay.length} record(s) from ${dlqTopic}, replayed none\n`);
      return 0;
    }
    await replay(kafka, toReplay);
    out.write(`replayed ${toReplay.length} record(s) from ${dlqTopic}\n`);
    return 0;
  } catch (e) {
    err.write(`dlq: ${(e as Error).message}\n`);
    return 1;
  }
}

if (require.main === module) {
  void main(process.argv.slice(2)).then((code) => process.exit(code));
}
