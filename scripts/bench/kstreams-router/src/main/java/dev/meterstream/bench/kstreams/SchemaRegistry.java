package dev.meterstream.bench.kstreams;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.Schema;

/**
 * The two look-ups the peer needs from a Confluent-compatible schema registry (Apicurio in ccompat mode
 * here): a writer schema by id, cached per id, and the id and schema registered last under a subject.
 */
final class SchemaRegistry {
  /** A subject's latest registration. */
  record Registered(int id, Schema schema) {}

  private final String baseUrl;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
  private final ObjectMapper json = new ObjectMapper();
  private final Map<Integer, Schema> byId = new ConcurrentHashMap<>();

  SchemaRegistry(String baseUrl) {
    this.baseUrl = baseUrl.replaceAll("/+$", "");
  }

  /** GET /schemas/ids/{id}, once per id. */
  Schema schemaById(int id) {
    return byId.computeIfAbsent(id, i -> new Schema.Parser().parse(get("/schemas/ids/" + i).path("schema").asText()));
  }

  /** GET /subjects/{subject}/versions/latest. */
  Registered latest(String subject) {
    JsonNode body = get("/subjects/" + URLEncoder.encode(subject, StandardCharsets.UTF_8) + "/versions/latest");
    return new Registered(body.path("id").asInt(), new Schema.Parser().parse(body.path("schema").asText()));
  }

  private JsonNode get(String path) {
    HttpRequest request = HttpRequest.newBuilder(URI.create(baseUrl + path))
        .timeout(Duration.ofSeconds(30))
        .header("Accept", "application/vnd.schemaregistry.v1+json")
        .GET()
        .build();
    try {
      HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
      if (response.statusCode() != 200) {
        throw new IllegalStateException("schema registry GET " + path + " answered " + response.statusCode() + ": " + response.body());
      }
      return json.readTree(response.body());
    } catch (IOException e) {
      throw new IllegalStateException("schema registry GET " + path + " failed: " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted during schema registry GET " + path, e);
    }
  }
}
