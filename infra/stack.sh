#!/usr/bin/env bash
# Local stack without Docker: a single-node Apache Kafka (KRaft) and Apicurio Registry 3.x on loopback.
# Both are fetched once from Maven Central through Maven (pinned in infra/kafka/pom.xml and
# infra/apicurio/pom.xml) into .stack/, then started in the background. Idempotent: `up` on a running
# stack does nothing; `down` on a stopped one does nothing.
#
#   bash infra/stack.sh up | down | status | restart-kafka | stop-kafka | start-kafka
#
# Environment: KAFKA_PORT (9092), KAFKA_CONTROLLER_PORT (9093), REGISTRY_PORT (8081),
# STACK_DIR (<repo>/.stack), KAFKA_HEAP (1g), REGISTRY_HEAP (512m).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
STACK_DIR="${STACK_DIR:-$ROOT/.stack}"
KAFKA_PORT="${KAFKA_PORT:-9092}"
KAFKA_CONTROLLER_PORT="${KAFKA_CONTROLLER_PORT:-9093}"
REGISTRY_PORT="${REGISTRY_PORT:-8081}"
KAFKA_HOME="$STACK_DIR/kafka"
REGISTRY_HOME="$STACK_DIR/apicurio"
REGISTRY_JAR="apicurio-registry-app-3.0.9-runner.jar"

log() { printf '[stack] %s\n' "$*" >&2; }

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

pid_alive() { [[ -f "$1" ]] && kill -0 "$(cat "$1")" 2>/dev/null; }

fetch_kafka() {
  if [[ -f "$KAFKA_HOME/libs/.complete" ]]; then return; fi
  log "fetching Kafka broker jars through Maven (once)"
  mvn -q -B -f "$ROOT/infra/kafka/pom.xml" package -Dlibs.dir="$KAFKA_HOME/libs"
  touch "$KAFKA_HOME/libs/.complete"
}

fetch_registry() {
  if [[ -f "$REGISTRY_HOME/.complete" ]]; then return; fi
  log "fetching Apicurio Registry through Maven (once)"
  mvn -q -B -f "$ROOT/infra/apicurio/pom.xml" package -Dregistry.dir="$REGISTRY_HOME"
  touch "$REGISTRY_HOME/.complete"
}

write_kafka_config() {
  mkdir -p "$KAFKA_HOME/data" "$KAFKA_HOME/logs"
  cat > "$KAFKA_HOME/server.properties" <<PROPS
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:${KAFKA_CONTROLLER_PORT}
listeners=PLAINTEXT://127.0.0.1:${KAFKA_PORT},CONTROLLER://127.0.0.1:${KAFKA_CONTROLLER_PORT}
advertised.listeners=PLAINTEXT://127.0.0.1:${KAFKA_PORT}
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
log.dirs=${KAFKA_HOME}/data
num.partitions=3
auto.create.topics.enable=false
offsets.topic.replication.factor=1
offsets.topic.num.partitions=10
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=10
group.initial.rebalance.delay.ms=0
log.retention.hours=168
PROPS
  cat > "$KAFKA_HOME/log4j.properties" <<PROPS
log4j.rootLogger=INFO, file
log4j.appender.file=org.apache.log4j.FileAppender
log4j.appender.file.File=${KAFKA_HOME}/logs/server.log
log4j.appender.file.layout=org.apache.log4j.PatternLayout
log4j.appender.file.layout.ConversionPattern=[%d] %p %m (%c)%n
log4j.logger.kafka.request.logger=WARN
log4j.logger.state.change.logger=WARN
PROPS
}

start_kafka() {
  if pid_alive "$KAFKA_HOME/kafka.pid" && port_open "$KAFKA_PORT"; then log "kafka already running on 127.0.0.1:$KAFKA_PORT"; return; fi
  if port_open "$KAFKA_PORT"; then log "port $KAFKA_PORT is taken by another process; set KAFKA_PORT"; exit 1; fi
  fetch_kafka
  write_kafka_config
  local cp="$KAFKA_HOME/libs/*"
  if [[ ! -f "$KAFKA_HOME/data/meta.properties" ]]; then
    local cluster_id
    cluster_id="$(java -cp "$cp" kafka.tools.StorageTool random-uuid 2>/dev/null | tail -n 1)"
    java -cp "$cp" -Dlog4j.configuration="file:$KAFKA_HOME/log4j.properties" \
      kafka.tools.StorageTool format -t "$cluster_id" -c "$KAFKA_HOME/server.properties" >/dev/null
    touch "$KAFKA_HOME/.formatted-with-content-ids"
  fi
  log "starting kafka on 127.0.0.1:$KAFKA_PORT"
  nohup java -Xms256m -Xmx"${KAFKA_HEAP:-1g}" -XX:+UseG1GC -Djava.awt.headless=true \
    -Dlog4j.configuration="file:$KAFKA_HOME/log4j.properties" \
    -cp "$cp" kafka.Kafka "$KAFKA_HOME/server.properties" \
    > "$KAFKA_HOME/logs/stdout.log" 2>&1 &
  echo $! > "$KAFKA_HOME/kafka.pid"
  wait_for "kafka" 120 kafka_ready
}

kafka_ready() { port_open "$KAFKA_PORT" && grep -q "Kafka Server started\|\[KafkaRaftServer nodeId=1\] Kafka Server started" "$KAFKA_HOME/logs/server.log" 2>/dev/null; }

# The schema id in the wire format is Apicurio's content id, as on the compose and testcontainers stacks
# (Apicurio's default, the Confluent-compatible meaning, and what Apicurio's 3.x SerDe reads by default;
# docs/kafka.md). Stacks whose Kafka data was written before (when this script turned on the legacy id
# mode, global ids) keep global ids, or their records would name other schemas; the choice is written
# once to $STACK_DIR/registry-id-mode. Reset such a stack with `down` and removing $STACK_DIR.
registry_id_mode() {
  local file="$STACK_DIR/registry-id-mode"
  if [[ ! -f "$file" ]]; then
    mkdir -p "$STACK_DIR"
    if [[ -f "$KAFKA_HOME/data/meta.properties" && ! -f "$KAFKA_HOME/.formatted-with-content-ids" ]]; then
      echo globalId > "$file"
      log "existing Kafka data under $KAFKA_HOME was written with global schema ids: keeping them (docs/kafka.md)"
    else
      echo contentId > "$file"
    fi
  fi
  cat "$file"
}

start_registry() {
  if pid_alive "$REGISTRY_HOME/registry.pid" && registry_ready; then log "registry already running on 127.0.0.1:$REGISTRY_PORT"; return; fi
  if port_open "$REGISTRY_PORT"; then log "port $REGISTRY_PORT is taken by another process; set REGISTRY_PORT"; exit 1; fi
  fetch_registry
  local legacy=false
  [[ "$(registry_id_mode)" == globalId ]] && legacy=true
  log "starting apicurio registry on 127.0.0.1:$REGISTRY_PORT (schema ids: $(registry_id_mode))"
  # exec: the background job is java itself, so the pid file names the process to stop.
  # use-canonical-hash: a schema registered again in another layout (a serializer's compact form) is the
  # version it equals, not a new one.
  (cd "$REGISTRY_HOME" && exec nohup java -Xms128m -Xmx"${REGISTRY_HEAP:-512m}" \
    -Dquarkus.http.host=127.0.0.1 -Dquarkus.http.port="$REGISTRY_PORT" \
    -Dquarkus.log.level=WARN -Dapicurio.ccompat.legacy-id-mode.enabled="$legacy" \
    -Dapicurio.ccompat.use-canonical-hash=true \
    -jar "$REGISTRY_JAR" > "$REGISTRY_HOME/registry.log" 2>&1) &
  echo $! > "$REGISTRY_HOME/registry.pid"
  wait_for "registry" 120 registry_ready
}

registry_ready() { curl -sf -o /dev/null "http://127.0.0.1:$REGISTRY_PORT/apis/ccompat/v7/subjects"; }

wait_for() {
  local name=$1 timeout=$2 check=$3 i
  for ((i = 0; i < timeout * 2; i++)); do
    if $check; then log "$name ready"; return 0; fi
    sleep 0.5
  done
  log "$name did not become ready in ${timeout}s; see logs under $STACK_DIR"
  exit 1
}

stop_pid() {
  local name=$1 pidfile=$2 i
  if ! pid_alive "$pidfile"; then rm -f "$pidfile"; return; fi
  local pid; pid="$(cat "$pidfile")"
  log "stopping $name (pid $pid)"
  kill "$pid" 2>/dev/null || true
  for ((i = 0; i < 60; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
  kill -9 "$pid" 2>/dev/null || true
  rm -f "$pidfile"
}

case "${1:-up}" in
  up) start_kafka; start_registry
      echo "KAFKA_BROKERS=127.0.0.1:$KAFKA_PORT"
      echo "SCHEMA_REGISTRY_URL=http://127.0.0.1:$REGISTRY_PORT/apis/ccompat/v7" ;;
  down) stop_pid registry "$REGISTRY_HOME/registry.pid"; stop_pid kafka "$KAFKA_HOME/kafka.pid" ;;
  stop-kafka) stop_pid kafka "$KAFKA_HOME/kafka.pid" ;;
  start-kafka) start_kafka ;;
  restart-kafka) stop_pid kafka "$KAFKA_HOME/kafka.pid"; start_kafka ;;
  status)
    pid_alive "$KAFKA_HOME/kafka.pid" && echo "kafka: running" || echo "kafka: stopped"
    pid_alive "$REGISTRY_HOME/registry.pid" && echo "registry: running" || echo "registry: stopped" ;;
  *) echo "usage: $0 up|down|status|stop-kafka|start-kafka|restart-kafka" >&2; exit 2 ;;
esac
