package dev.meterstream.bench.kstreams;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Collections;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Set;
import org.apache.avro.AvroRuntimeException;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.DecoderFactory;

/**
 * Decodes records of the events topic: Confluent wire format (magic byte 0, 4-byte big-endian schema id,
 * Avro binary), resolved from the writer's schema (from the registry, by id) into the reader's
 * (schemas/usage-event.avsc), strings as java.lang.String. One instance per stream task: not thread-safe.
 */
final class EventDecoder {
  /** Bytes that are not a UsageEvent in the wire format. */
  static final class Undecodable extends Exception {
    Undecodable(String message) {
      super(message, null, false, false);
    }
  }

  /** The value of GenericData.STRING_PROP (avro.java.string) that reads strings as java.lang.String. */
  private static final String JAVA_STRING = "String";

  private final Schema reader;
  private final SchemaRegistry registry;
  private final Map<Integer, GenericDatumReader<GenericRecord>> byWriterId = new HashMap<>();
  private BinaryDecoder decoder;
  private GenericRecord reuse;

  /** `reader` is the event schema as parsed from its file. */
  EventDecoder(Schema reader, SchemaRegistry registry) {
    this.reader = reader;
    this.registry = registry;
  }

  /** A copy of the event schema whose strings (map keys included) read as java.lang.String. */
  static Schema withJavaStrings(Schema schema) {
    Schema copy = new Schema.Parser().parse(schema.toString());
    markStrings(copy, Collections.newSetFromMap(new IdentityHashMap<>()));
    return copy;
  }

  /** Sets avro.java.string=String on every string and map (its keys) of the schema. */
  private static void markStrings(Schema schema, Set<Schema> seen) {
    if (!seen.add(schema)) return;
    switch (schema.getType()) {
      case STRING -> schema.addProp(GenericData.STRING_PROP, JAVA_STRING);
      case MAP -> {
        schema.addProp(GenericData.STRING_PROP, JAVA_STRING);
        markStrings(schema.getValueType(), seen);
      }
      case ARRAY -> markStrings(schema.getElementType(), seen);
      case UNION -> schema.getTypes().forEach(t -> markStrings(t, seen));
      case RECORD -> schema.getFields().forEach(f -> markStrings(f.schema(), seen));
      default -> {}
    }
  }

  GenericRecord decode(byte[] bytes) throws Undecodable {
    if (bytes == null || bytes.length < 5 || bytes[0] != 0) {
      throw new Undecodable("not Confluent-framed Avro (" + (bytes == null ? 0 : bytes.length) + " bytes)");
    }
    int writerId = ByteBuffer.wrap(bytes, 1, 4).getInt();
    GenericDatumReader<GenericRecord> datumReader =
        byWriterId.computeIfAbsent(writerId, id -> new GenericDatumReader<>(registry.schemaById(id), reader));
    decoder = DecoderFactory.get().binaryDecoder(bytes, 5, bytes.length - 5, decoder);
    try {
      // The record, its metadata map and its DecimalNumber records are reused by the next decode: the
      // caller is done with an event before it decodes the next one.
      reuse = datumReader.read(reuse, decoder);
      return reuse;
    } catch (IOException | AvroRuntimeException e) {
      throw new Undecodable("not a usage-event record: " + e.getMessage());
    }
  }
}
