import fs from 'node:fs';
import path from 'node:path';
import avro from 'avsc';
import { SchemaRegistry, SchemaType, COMPATIBILITY } from '@kafkajs/confluent-schema-registry';

export const SCHEMAS_DIR = path.resolve(__dirname, '../../../../schemas');

export type SchemaName = 'usage-event' | 'meter-record' | 'invoice' | 'catalog-entry';

export function readSchema(name: SchemaName): string {
  return fs.readFileSync(path.join(SCHEMAS_DIR, `${name}.avsc`), 'utf8');
}

/**
 * Avro `long` as a bigint, every 64-bit value exact (avsc's own long refuses values beyond 2^53 on
 * reading). Used for the plain "long" of the event metadata union (an exact integer from a direct
 * producer); timestamps (long with a logical type) stay numbers.
 */
export const EXACT_LONG = avro.types.LongType.__with({
  fromBuffer: (buf: Buffer) => buf.readBigInt64LE(),
  toBuffer: (n: bigint) => {
    const buf = Buffer.alloc(8);
    buf.writeBigInt64LE(n);
    return buf;
  },
  fromJSON: (value: unknown) => BigInt(value as string | number | bigint),
  toJSON: (n: bigint) => n.toString(),
  isValid: (n: unknown) => typeof n === 'bigint' && n >= -(2n ** 63n) && n < 2n ** 63n,
  compare: (a: bigint, b: bigint) => (a < b ? -1 : a > b ? 1 : 0),
});

/** The avsc type our services read a schema with: unions unwrapped, a plain "long" as EXACT_LONG. */
export function readerType(name: SchemaName): avro.Type {
  return avro.Type.forSchema(JSON.parse(readSchema(name)), {
    wrapUnions: false,
    typeHook: (schema) => (schema === 'long' ? EXACT_LONG : undefined),
  });
}

/**
 * Avro in the Confluent wire format (magic byte, 4-byte schema id, Avro body). Schemas from schemas/
 * are registered under the topic's value subject ("<topic>-value") with BACKWARD compatibility.
 */
export class AvroCodec {
  private readonly registry: SchemaRegistry;
  private readonly ids = new Map<string, number>();

  constructor(registryUrl: string) {
    this.registry = new SchemaRegistry(
      { host: registryUrl, retry: { retries: 5, initialRetryTimeInSecs: 0.2 } },
      { [SchemaType.AVRO]: { wrapUnions: false } },
    );
  }

  /** Registers the schema for a topic (idempotent) and remembers its id. */
  async register(topic: string, schema: SchemaName): Promise<number> {
    const known = this.ids.get(topic);
    if (known !== undefined) return known;
    const { id } = await this.registry.register(
      { type: SchemaType.AVRO, schema: readSchema(schema) },
      { subject: `${topic}-value`, compatibility: COMPATIBILITY.BACKWARD },
    );
    this.ids.set(topic, id);
    return id;
  }

  async encode(topic: string, payload: unknown): Promise<Buffer> {
    const id = this.ids.get(topic);
    if (id === undefined) throw new Error(`no schema registered for topic ${topic}`);
    return this.registry.encode(id, payload);
  }

  /** Decodes a Confluent-framed Avro message; throws on bytes that are not one. */
  async decode<T>(buffer: Buffer): Promise<T> {
    return (await this.registry.decode(buffer)) as T;
  }

  /**
   * Decodes a message into one of our schemas (the writer's schema is resolved into ours, so a message
   * written with an incompatible schema is refused). Bytes that cannot be decoded give
   * `{ ok: false, reason }`; a registry that cannot be reached throws, so that the caller retries
   * instead of discarding a good message.
   */
  async decodeAs<T>(buffer: Buffer | null, schema: SchemaName): Promise<{ ok: true; value: T } | { ok: false; reason: string }> {
    if (!buffer || buffer.length < 5 || buffer[0] !== 0) {
      const first = buffer && buffer.length > 0 ? `0x${buffer[0].toString(16).padStart(2, '0')}` : 'none';
      return { ok: false, reason: `not Confluent-framed Avro (${buffer?.length ?? 0} bytes, magic byte ${first}, expected 0x00)` };
    }
    const writerId = buffer.readUInt32BE(1);
    try {
      // One reader type per schema and one resolver per writer schema id, built on first use: the
      // per-message work is then a synchronous avsc decode.
      const key = `${schema}\u0000${writerId}`;
      let decoder = this.decoders.get(key);
      if (!decoder) {
        const writer = (await this.registry.getSchema(writerId)) as unknown as avro.Type;
        let reader = this.readers.get(schema);
        if (!reader) {
          reader = readerType(schema);
          this.readers.set(schema, reader);
        }
        decoder = { reader, resolver: reader.createResolver(writer) };
        this.decoders.set(key, decoder);
      }
      const value = decoder.reader.fromBuffer(buffer.subarray(5), decoder.resolver) as T;
      return { ok: true, value };
    } catch (err) {
      if (registryUnavailable(err)) throw err;
      const status = (err as { status?: number }).status;
      const reason = status === 404 ? `schema id ${buffer.readUInt32BE(1)} is not in the registry` : (err as Error).message;
      return { ok: false, reason: `not a ${schema} record: ${reason}` };
    }
  }

  private readonly readers = new Map<SchemaName, avro.Type>();
  private readonly decoders = new Map<string, { reader: avro.Type; resolver: avro.Resolver }>();
  private readonly encoders = new Map<string, { header: Buffer; type: avro.Type }>();

  /**
   * Encodes without a promise per message: the topic's registered schema as an avsc type, built once
   * (`register` must have been called for the topic).
   */
  async encoderFor(topic: string): Promise<(payload: unknown) => Buffer> {
    let encoder = this.encoders.get(topic);
    if (!encoder) {
      const id = this.ids.get(topic);
      if (id === undefined) throw new Error(`no schema registered for topic ${topic}`);
      const header = Buffer.alloc(5);
      header.writeUInt32BE(id, 1);
      encoder = { header, type: (await this.registry.getSchema(id)) as unknown as avro.Type };
      this.encoders.set(topic, encoder);
    }
    const { header, type } = encoder;
    return (payload) => Buffer.concat([header, type.toBuffer(payload)]);
  }
}

const NETWORK_ERRORS = /ECONNREFUSED|ECONNRESET|ETIMEDOUT|ENOTFOUND|EAI_AGAIN|EPIPE|socket hang up|timeout/i;

/** True for failures of the registry itself (unreachable, 5xx, 429), as opposed to bad input. */
export function registryUnavailable(err: unknown): boolean {
  const status = (err as { status?: number }).status;
  if (typeof status === 'number') return status >= 500 || status === 429 || status === 0;
  const code = (err as { code?: string }).code ?? '';
  return NETWORK_ERRORS.test(code) || NETWORK_ERRORS.test((err as Error)?.message ?? '');
}
