#!/usr/bin/env bash
# A single-node KRaft Apache Kafka broker run straight from Kafka's own jars (resolved from Maven
# Central by pom.xml), for machines without Docker.
#   deploy/kafka/kafka.sh start   # resolve jars if needed, format storage once, start, wait until it answers
#   deploy/kafka/kafka.sh stop    # stop the broker this script started
#   deploy/kafka/kafka.sh status  # exit 0 when it runs and answers
#   deploy/kafka/kafka.sh fetch   # only resolve the jars (CI does this before the tests)
# Environment: KAFKA_PORT (19092), KAFKA_CONTROLLER_PORT (19093), KAFKA_DATA_DIR (deploy/kafka/.data),
# KAFKA_HEAP (512m), KAFKA_START_TIMEOUT (90 seconds).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
port="${KAFKA_PORT:-19092}"
controller_port="${KAFKA_CONTROLLER_PORT:-19093}"
data_dir="${KAFKA_DATA_DIR:-$here/.data}"
heap="${KAFKA_HEAP:-512m}"
start_timeout="${KAFKA_START_TIMEOUT:-90}"
libs="$here/target/libs"
pid_file="$data_dir/broker.pid"
log_file="$data_dir/broker.log"

say() { printf '[kafka] %s\n' "$*" >&2; }

answers() { (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; }

running_pid() {
  [[ -f "$pid_file" ]] || return 1
  local pid
  pid="$(cat "$pid_file")"
  kill -0 "$pid" 2>/dev/null || return 1
  echo "$pid"
}

resolve_jars() {
  if compgen -G "$libs/kafka_2.13-*.jar" >/dev/null; then return; fi
  command -v mvn >/dev/null || { say "Maven (mvn) is needed to resolve Kafka's jars: apt-get install maven"; exit 1; }
  say "resolving Apache Kafka's jars from Maven Central (first run only)..."
  mvn -q -B -f "$here/pom.xml" package
}

write_properties() {
  cat >"$data_dir/server.properties" <<PROPS
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$controller_port
listeners=PLAINTEXT://127.0.0.1:$port,CONTROLLER://127.0.0.1:$controller_port
advertised.listeners=PLAINTEXT://127.0.0.1:$port
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
log.dirs=$data_dir/logs
num.partitions=3
auto.create.topics.enable=false
offsets.topic.replication.factor=1
offsets.topic.num.partitions=10
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
group.initial.rebalance.delay.ms=0
log.retention.hours=24
PROPS
}

start() {
  if pid="$(running_pid)" && answers; then
    say "already running (pid $pid) on 127.0.0.1:$port"
    return
  fi
  if answers; then
    say "port $port is taken by another process; set KAFKA_PORT or KAFKA_BROKERS"
    exit 1
  fi
  command -v java >/dev/null || { say "Java 17 is needed to run the broker: apt-get install openjdk-17-jre-headless"; exit 1; }
  resolve_jars
  mkdir -p "$data_dir"
  write_properties
  local cp="$libs/*"
  if [[ ! -f "$data_dir/logs/meta.properties" ]]; then
    local cluster_id
    cluster_id="$(java -Dlog4j.configuration="file:$here/log4j.properties" -cp "$cp" kafka.tools.StorageTool random-uuid)"
    say "formatting storage in $data_dir/logs (cluster $cluster_id)"
    java -Dlog4j.configuration="file:$here/log4j.properties" -cp "$cp" kafka.tools.StorageTool format -t "$cluster_id" -c "$data_dir/server.properties" --ignore-formatted >/dev/null
  fi
  say "starting broker on 127.0.0.1:$port (log: $log_file)"
  nohup java -Xms128m -Xmx"$heap" -XX:+UseG1GC \
    -Dlog4j.configuration="file:$here/log4j.properties" \
    -cp "$cp" kafka.Kafka "$data_dir/server.properties" >"$log_file" 2>&1 </dev/null &
  echo $! >"$pid_file"
  local waited=0
  until grep -q "Kafka Server started" "$log_file" 2>/dev/null && answers; do
    if ! kill -0 "$(cat "$pid_file")" 2>/dev/null; then
      say "the broker exited during start; last lines of $log_file:"
      tail -n 30 "$log_file" >&2
      exit 1
    fi
    if ((waited >= start_timeout * 2)); then
      say "the broker did not answer within ${start_timeout}s; see $log_file"
      exit 1
    fi
    sleep 0.5
    waited=$((waited + 1))
  done
  say "ready on 127.0.0.1:$port after $((waited / 2))s"
}

stop() {
  local pid
  if ! pid="$(running_pid)"; then
    say "not running"
    rm -f "$pid_file"
    return
  fi
  say "stopping broker (pid $pid)"
  kill -TERM "$pid"
  for _ in $(seq 1 60); do
    kill -0 "$pid" 2>/dev/null || { rm -f "$pid_file"; say "stopped"; return; }
    sleep 0.5
  done
  say "broker did not stop within 30s; killing it"
  kill -KILL "$pid" 2>/dev/null || true
  rm -f "$pid_file"
}

status() {
  if pid="$(running_pid)" && answers; then
    say "running (pid $pid) on 127.0.0.1:$port"
  else
    say "not running"
    return 1
  fi
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  fetch) resolve_jars ;;
  *) echo "usage: $0 start|stop|status|fetch" >&2; exit 2 ;;
esac
