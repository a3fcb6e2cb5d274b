import fs from 'node:fs';
import path from 'node:path';
import avro from 'avsc';
import { EXACT_LONG, readSchema, readerType } from './avro-codec';

// The events topic's schema as direct producers use it (docs/kafka.md): exact integers in metadata, and
// ingested_at optional; records of the previous schema still read (BACKWARD).
const PREVIOUS = JSON.parse(fs.readFileSync(path.resolve(__dirname, '../../../../test/interop/usage-event.v1.avsc'), 'utf8'));
/** What a stock producer writes: the current schema, longs as bigint (any 64-bit value). */
const writer = avro.Type.forSchema(JSON.parse(readSchema('usage-event')), { wrapUnions: false, typeHook: (s) => (s === 'long' ? EXACT_LONG : undefined) });

describe('the usage event schema', () => {
  const reader = readerType('usage-event');

  it.each([0n, 1n, -1n, 9007199254740993n, 2n ** 63n - 1n, -(2n ** 63n)])('reads the integer %s from the long branch exactly', (n) => {
    const bytes = writer.toBuffer({ event_id: 'e', customer_id: 'c', event_name: 'x', timestamp: 1, metadata: { tokens: n }, ingested_at: null });
    const event = reader.fromBuffer(bytes) as { metadata: Record<string, unknown> };
    expect(event.metadata.tokens).toBe(n);
  });

  it('leaves ingested_at out (null) for a producer that does not set it', () => {
    // Fields left undefined are written with their defaults (what GenericRecordBuilder does in Java).
    const bytes = writer.toBuffer({ event_id: 'e', customer_id: 'c', event_name: 'x', timestamp: 5 });
    expect(reader.fromBuffer(bytes)).toMatchObject({ timestamp: 5, ingested_at: null, metadata: {} });
  });

  it('reads records written with the previous schema (BACKWARD), numbers and times unchanged', () => {
    const previous = avro.Type.forSchema(PREVIOUS, { wrapUnions: false });
    const old = { event_id: 'e', customer_id: 'c', event_name: 'x', timestamp: 7, metadata: { n: { decimal: '1.5' }, s: 'a', b: true }, ingested_at: 9 };
    const read = reader.fromBuffer(previous.toBuffer(old), reader.createResolver(previous));
    // Fields added since take their defaults.
    expect(read).toEqual({ ...old, backfill_id: null, correction: null });
  });

  it('keeps timestamps as numbers (only the metadata long is a bigint)', () => {
    const bytes = writer.toBuffer({ event_id: 'e', customer_id: 'c', event_name: 'x', timestamp: 1700000000123, metadata: {}, ingested_at: 1700000000456 });
    expect(reader.fromBuffer(bytes)).toMatchObject({ timestamp: 1700000000123, ingested_at: 1700000000456 });
  });
});
