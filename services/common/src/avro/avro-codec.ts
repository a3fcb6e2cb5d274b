import fs from 'node:fs';
import path from 'node:path';
import { SchemaRegistry, SchemaType, COMPATIBILITY } from '@kafkajs/confluent-schema-registry';

export const SCHEMAS_DIR = path.resolve(__dirname, '../../../../schemas');

export type SchemaName = 'usage-event' | 'meter-record' | 'invoice' | 'catalog-entry';

export function readSchema(name: SchemaName): string {
  return fs.readFileSync(path.join(SCHEMAS_DIR, `${name}.avsc`), 'utf8');
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
}
