#!/usr/bin/env bash
# Start a real single-JVM HDFS (MiniDFSCluster: NameNode + DataNodes, WebHDFS) on 127.0.0.1,
# detached from the caller. Prints hdfs://127.0.0.1:<rpc> and, last, the WebHDFS URL:
#   webhdfs://127.0.0.1:<http>                         (default)
#   webhdfs://127.0.0.1:<nn0>,127.0.0.1:<nn1>          (--ha: nn0 active, nn1 standby)
#   swebhdfs://127.0.0.1:<https>                       (--https; CA PEM in state.json "ca")
# DIR/state.json describes the cluster (ports, control URL for fault injection, superuser);
# DIR/hdfs.log is its log. Already running and healthy with the same options: prints the URLs.
# (--ha: the hdfs:// URL is nn0's RPC address; state.json "namenodes" lists both.)
# --httpfs: also a real Apache HttpFS gateway in a second JVM (simple auth, acting for each
# request's user.name); prints "httpfs http://127.0.0.1:<port>" just before the WebHDFS URL,
# state.json "httpfs" has its URL (else null), DIR/httpfs.log is its log. Not with --ha/--https.
# --conf key=value (repeatable): a setting for the NameNode and DataNodes (e.g. dfs.batched.ls.limit).
# usage: bash scripts/hdfs/up.sh [--dir DIR] [--datanodes N] [--ha] [--https] [--httpfs] [--conf K=V]
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"

usage() { sed -n '2,14s/^# \{0,1\}//p' "${BASH_SOURCE[0]}"; }
dir=$HDFS_BUILD/run datanodes=2 ha="" https="" httpfs="" confs=""
while (($#)); do
  case $1 in
    --dir) dir=${2:?--dir needs a value}; shift 2 ;;
    --datanodes) datanodes=${2:?--datanodes needs a value}; shift 2 ;;
    --ha) ha=--ha; shift ;;
    --https) https=--https; shift ;;
    --httpfs) httpfs=--httpfs; shift ;;
    --conf)
      [[ ${2:-} =~ ^[A-Za-z0-9._-]+=[A-Za-z0-9._,:/-]*$ ]] ||
        { echo "hdfs:up: --conf needs key=value: got ${2:-}" >&2; exit 2; }
      confs="$confs --conf $2"; shift 2 ;;
    -h | --help) usage; exit 0 ;;
    *) echo "hdfs:up: unknown option: $1 (see --help)" >&2; exit 2 ;;
  esac
done
[[ $datanodes =~ ^[1-9][0-9]?$ ]] || { echo "hdfs:up: --datanodes must be 1..99" >&2; exit 2; }
[[ -z $httpfs || -z $ha$https ]] ||
  { echo "hdfs:up: --httpfs cannot be combined with --ha or --https" >&2; exit 2; }
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
opts="--datanodes $datanodes${ha:+ $ha}${https:+ $https}$confs" # MiniHdfs's own options
log=$dir/hdfs.log
hlog=$dir/httpfs.log
START_TIMEOUT=${HDFS_START_TIMEOUT:-90}

# pid of a MiniHdfs JVM serving $dir, if any
running_pid() {
  local pid
  pid=$(cat "$dir/hdfs.pid" 2>/dev/null) || return 1
  [[ $pid =~ ^[0-9]+$ ]] && tr '\0' ' ' 2>/dev/null <"/proc/$pid/cmdline" |
    grep -qF "MiniHdfs serve --dir $dir " && echo "$pid"
}

# pid of the HttpFS JVM of $dir, if any (the same test as down.sh)
httpfs_pid() {
  local pid
  pid=$(cat "$dir/httpfs.pid" 2>/dev/null) || return 1
  [[ $pid =~ ^[0-9]+$ ]] && tr '\0' ' ' 2>/dev/null <"/proc/$pid/cmdline" |
    grep -F -- "-Dhttpfs.home.dir=$dir/httpfs " | grep -qF HttpFSServerWebServer && echo "$pid"
}

# URL answers 200 (CA: the cluster's CA for https)
ok200() {
  local code
  code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 ${CA:+--cacert "$CA"} "$1" 2>/dev/null) ||
    true
  [[ $code == 200 ]]
}

# WebHDFS of the first NameNode answers GETFILESTATUS / with 200 (needs DIR/env)
hdfs_healthy() {
  [[ -f $dir/env ]] || return 1
  HTTPFS_URL=""
  # shellcheck source=/dev/null
  . "$dir/env"
  ok200 "$HEALTH_URL"
}

# ... and so does HttpFS, when asked for
healthy() {
  hdfs_healthy || return 1
  [[ -z $httpfs ]] || { [[ -n $HTTPFS_URL ]] && httpfs_pid >/dev/null &&
    ok200 "$HTTPFS_URL/webhdfs/v1/?op=GETFILESTATUS&user.name=$HDFS_USER"; }
}

print_urls() { # from DIR/env
  echo "${HDFS_URL:?}"
  [[ -z $httpfs ]] || echo "httpfs ${HTTPFS_URL:?}"
  echo "$WEB_URL"
}

fail() { # message [log]
  local l=${2:-$log}
  echo "hdfs:up: $1 (log: $l)" >&2
  [[ -f $l ]] && tail -n 25 "$l" >&2
  bash "$HDFS_SRC/down.sh" --dir "$dir" >/dev/null 2>&1 || true
  exit 1
}

# A self-signed CA and a server certificate for 127.0.0.1 (kept across restarts), plus
# ssl-server.xml / ssl-client.xml in the conf dir that is first on the JVM's classpath.
make_tls() {
  local t=$dir/tls pw=changeit
  if [[ ! -f $t/server.p12 || ! -f $t/truststore.p12 || ! -f $t/ca.pem ]]; then
    rm -rf "$t"
    mkdir -p "$t"
    {
      keytool -genkeypair -keystore "$t/ca.p12" -storetype PKCS12 -storepass $pw -alias ca \
        -keyalg RSA -keysize 2048 -validity 3650 -dname "CN=syscall-audit dev HDFS CA" -ext bc:c
      keytool -exportcert -keystore "$t/ca.p12" -storepass $pw -alias ca -rfc -file "$t/ca.pem"
      keytool -genkeypair -keystore "$t/server.p12" -storetype PKCS12 -storepass $pw \
        -alias server -keyalg RSA -keysize 2048 -validity 3650 -dname "CN=127.0.0.1"
      keytool -certreq -keystore "$t/server.p12" -storepass $pw -alias server -file "$t/server.csr"
      keytool -gencert -keystore "$t/ca.p12" -storepass $pw -alias ca -rfc -validity 3650 \
        -infile "$t/server.csr" -outfile "$t/server.pem" -ext san=ip:127.0.0.1,dns:localhost \
        -ext ku=digitalSignature,keyEncipherment -ext eku=serverAuth
      keytool -importcert -keystore "$t/server.p12" -storepass $pw -alias ca -file "$t/ca.pem" -noprompt
      keytool -importcert -keystore "$t/server.p12" -storepass $pw -alias server -file "$t/server.pem"
      keytool -importcert -keystore "$t/truststore.p12" -storetype PKCS12 -storepass $pw \
        -alias ca -file "$t/ca.pem" -noprompt
    } >"$t/keytool.log" 2>&1 || { echo "hdfs:up: keytool failed (see $t/keytool.log)" >&2; exit 1; }
  fi
  prop() { echo "  <property><name>$1</name><value>$2</value></property>"; }
  {
    echo "<configuration>"
    prop ssl.server.keystore.location "$t/server.p12"
    prop ssl.server.keystore.type pkcs12
    prop ssl.server.keystore.password $pw
    prop ssl.server.keystore.keypassword $pw
    prop ssl.server.truststore.location "$t/truststore.p12"
    prop ssl.server.truststore.type pkcs12
    prop ssl.server.truststore.password $pw
    echo "</configuration>"
  } >"$dir/conf/ssl-server.xml"
  {
    echo "<configuration>"
    prop ssl.client.truststore.location "$t/truststore.p12"
    prop ssl.client.truststore.type pkcs12
    prop ssl.client.truststore.password $pw
    echo "</configuration>"
  } >"$dir/conf/ssl-client.xml"
}

# A loopback port that nothing uses (no socket of any state on it), below the ephemeral range
# like MiniHdfs's ports. Taken after the cluster is up: all of its ports are bound by then.
free_port() {
  local hi=32768 lo port used=" " local_addr
  read -r hi _ </proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || true
  lo=$((hi > 13024 ? hi - 12000 : 1024))
  # "sl local_address rem_address st ...", local_address = HEXIP:HEXPORT
  while read -r _ local_addr _; do
    [[ $local_addr == *:* ]] && used+="$((16#${local_addr##*:})) "
  done < <(cat /proc/net/tcp /proc/net/tcp6 2>/dev/null | grep -v local_address)
  for _ in {1..200}; do
    port=$((lo + (RANDOM * 32768 + RANDOM) % (hi - lo)))
    [[ $used == *" $port "* ]] || { echo "$port"; return 0; }
  done
  return 1
}

# Config of the HttpFS gateway in DIR/httpfs/conf (first on its classpath and its config dir):
# simple auth, the cluster as fs.defaultFS, the cluster's client settings. usage: httpfs_conf PORT
httpfs_conf() {
  local h=$dir/httpfs port=$1
  prop() { echo "  <property><name>$1</name><value>$2</value></property>"; }
  rm -rf "$h"
  mkdir -p "$h/conf" "$h/temp" "$h/tmp"
  {
    echo "<configuration>"
    prop fs.defaultFS "${HDFS_URL:?}"
    prop hadoop.tmp.dir "$h/tmp"
    # fail fast (HTTP 5xx) while the NameNode is stopped instead of retrying for ~10 s
    prop ipc.client.connect.max.retries 2
    prop ipc.client.connect.retry.interval 300
    echo "</configuration>"
  } >"$h/conf/core-site.xml"
  {
    echo "<configuration>"
    # as the cluster's own clients (MiniHdfs.config): its replication, no DataNode replacement
    prop dfs.replication $((datanodes < 2 ? datanodes : 2))
    prop dfs.client.block.write.replace-datanode-on-failure.enable false
    prop dfs.client.block.write.replace-datanode-on-failure.policy NEVER
    echo "</configuration>"
  } >"$h/conf/hdfs-site.xml"
  {
    echo "<configuration>"
    prop httpfs.http.hostname 127.0.0.1
    prop httpfs.http.port "$port"
    prop httpfs.authentication.type simple
    prop hadoop.http.authentication.type simple
    prop httpfs.authentication.signature.secret.file "$h/conf/httpfs-signature.secret"
    prop hadoop.http.authentication.signature.secret.file "$h/conf/httpfs-signature.secret"
    prop httpfs.hadoop.authentication.type simple
    prop httpfs.hadoop.config.dir "$h/conf"
    prop hadoop.http.temp.dir "$h/temp"
    prop hadoop.http.max.threads 64
    echo "</configuration>"
  } >"$h/conf/httpfs-site.xml"
  (umask 077 && head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$h/conf/httpfs-signature.secret")
  # to stderr (DIR/httpfs.log): warnings, and the start/stop lines of the server
  local l4j="log4j.rootLogger=WARN, console
log4j.appender.console=org.apache.log4j.ConsoleAppender
log4j.appender.console.Target=System.err
log4j.appender.console.layout=org.apache.log4j.PatternLayout
log4j.appender.console.layout.ConversionPattern=%d{ISO8601} %-5p %c{1}: %m%n
log4j.logger.org.apache.hadoop.fs.http.server.HttpFSServerWebServer=INFO
log4j.logger.org.apache.hadoop.lib.server.Server=INFO
log4j.logger.org.apache.hadoop.util.NativeCodeLoader=ERROR"
  echo "$l4j" >"$h/conf/log4j.properties"      # read first, by reload4j
  echo "$l4j" >"$h/conf/httpfs-log4j.properties" # read again by HttpFS's Server
  # Jersey logs through java.util.logging
  printf '%s\n' "handlers=java.util.logging.ConsoleHandler" ".level=WARNING" \
    "java.util.logging.ConsoleHandler.level=WARNING" >"$h/conf/logging.properties"
}

# Start the HttpFS JVM (detached, like the cluster's) and wait until it answers; a port taken
# meanwhile: again on another one. Appends HTTPFS_URL to DIR/env, sets state.json "httpfs".
start_httpfs() {
  local h=$dir/httpfs port pid url attempt deadline tmp ms t0=$EPOCHREALTIME
  # (jaxb-impl 2.2, under Jersey 1, defines classes through reflection: --add-opens on JDK 17)
  # shellcheck disable=SC2206 # HTTPFS_JAVA_OPTS: extra JVM options, split on spaces
  local jopts=(-Xms32m -Xmx384m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Xss512k
    -Djava.net.preferIPv4Stack=true --add-opens=java.base/java.lang=ALL-UNNAMED
    -Djava.util.logging.config.file="$h/conf/logging.properties" ${HTTPFS_JAVA_OPTS:-})
  for attempt in 1 2 3; do
    port=$(free_port) || fail "no free port for HttpFS" "$hlog"
    : >"$hlog" # appended to by the JVM and by us
    httpfs_conf "$port"
    (cd "$h" && exec setsid java "${jopts[@]}" -Dhttpfs.home.dir="$h" -Dhttpfs.config.dir="$h/conf" \
      -Dhttpfs.log.dir="$dir" -Dhttpfs.temp.dir="$h/temp" -cp "$h/conf:$HTTPFS_CP" \
      org.apache.hadoop.fs.http.server.HttpFSServerWebServer) >>"$hlog" 2>&1 </dev/null &
    pid=$!
    echo "$pid" >"$dir/httpfs.pid"
    url=http://127.0.0.1:$port
    deadline=$((SECONDS + START_TIMEOUT))
    until ok200 "$url/webhdfs/v1/?op=GETFILESTATUS&user.name=${HDFS_USER:?}"; do
      if ! kill -0 "$pid" 2>/dev/null; then
        grep -q 'Address already in use' "$hlog" && ((attempt < 3)) && continue 2
        fail "the HttpFS JVM exited during start-up" "$hlog"
      fi
      ((SECONDS < deadline)) || fail "HttpFS did not come up within ${START_TIMEOUT} s" "$hlog"
      sleep 0.25
    done
    httpfs_pid >/dev/null || fail "HttpFS answers on $url but its JVM is not the one started" "$hlog"
    echo "HTTPFS_URL='$url'" >>"$dir/env"
    tmp=$dir/state.json.tmp
    sed "s|\"httpfs\": null|\"httpfs\": \"$url\"|" "$dir/state.json" >"$tmp"
    mv -f "$tmp" "$dir/state.json"
    HTTPFS_URL=$url
    ms=$(((${EPOCHREALTIME//[!0-9]/} - ${t0//[!0-9]/}) / 1000))
    printf 'up.sh: HttpFS up in %d.%d s on %s (pid %s)\n' $((ms / 1000)) $((ms % 1000 / 100)) \
      "$url" "$pid" >>"$hlog"
    return 0
  done
}

# Already up? Same options and healthy: just print. Otherwise stop what is there.
if running_pid >/dev/null || httpfs_pid >/dev/null; then
  if [[ $(cat "$dir/opts" 2>/dev/null) == "$opts${httpfs:+ $httpfs}" ]] && healthy; then
    print_urls
    exit 0
  fi
  echo "hdfs:up: restarting the cluster in $dir (unhealthy or other options)" >&2
fi
bash "$HDFS_SRC/down.sh" --dir "$dir" >/dev/null

hdfs_build
[[ -z $httpfs ]] || httpfs_build
rm -rf "$dir/data" "$dir/conf" "$dir/httpfs" "$dir/state.json" "$dir/env"
mkdir -p "$dir/conf"
[[ -n $https ]] && make_tls
echo "$opts${httpfs:+ $httpfs}" >"$dir/opts"

# Detached: own session, no stdin, output to the log; survives the calling shell.
# shellcheck disable=SC2206 # HDFS_JAVA_OPTS: extra JVM options, split on spaces
java_opts=(-Xms64m -Xmx768m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Xss512k
  -Djava.net.preferIPv4Stack=true ${HDFS_JAVA_OPTS:-})
# shellcheck disable=SC2086
(cd "$dir" && exec setsid -w java "${java_opts[@]}" -cp "$dir/conf:$HDFS_CP" \
  MiniHdfs serve --dir "$dir" $opts) >"$log" 2>&1 </dev/null &
launcher=$!

deadline=$((SECONDS + START_TIMEOUT))
until [[ -f $dir/state.json ]] && hdfs_healthy; do
  kill -0 "$launcher" 2>/dev/null || fail "the HDFS JVM exited during start-up"
  ((SECONDS < deadline)) || fail "HDFS did not come up within ${START_TIMEOUT} s"
  sleep 0.25
done
[[ -z $httpfs ]] || start_httpfs
print_urls
