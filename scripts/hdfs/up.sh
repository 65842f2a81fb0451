#!/usr/bin/env bash
# Start a real single-JVM HDFS (MiniDFSCluster: NameNode + DataNodes, WebHDFS) on 127.0.0.1,
# detached from the caller. Prints hdfs://127.0.0.1:<rpc> and, last, the WebHDFS URL:
#   webhdfs://127.0.0.1:<http>                         (default)
#   webhdfs://127.0.0.1:<nn0>,127.0.0.1:<nn1>          (--ha: nn0 active, nn1 standby)
#   swebhdfs://127.0.0.1:<https>                       (--https; CA PEM in state.json "ca")
# DIR/state.json describes the cluster (ports, control URL for fault injection, superuser);
# DIR/hdfs.log is its log. Already running and healthy with the same options: prints the URLs.
# (--ha: the hdfs:// URL is nn0's RPC address; state.json "namenodes" lists both.)
# usage: bash scripts/hdfs/up.sh [--dir DIR] [--datanodes N] [--ha] [--https]
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"

usage() { sed -n '2,10s/^# \{0,1\}//p' "${BASH_SOURCE[0]}"; }
dir=$HDFS_BUILD/run datanodes=2 ha="" https=""
while (($#)); do
  case $1 in
    --dir) dir=${2:?--dir needs a value}; shift 2 ;;
    --datanodes) datanodes=${2:?--datanodes needs a value}; shift 2 ;;
    --ha) ha=--ha; shift ;;
    --https) https=--https; shift ;;
    -h | --help) usage; exit 0 ;;
    *) echo "hdfs:up: unknown option: $1 (see --help)" >&2; exit 2 ;;
  esac
done
[[ $datanodes =~ ^[1-9][0-9]?$ ]] || { echo "hdfs:up: --datanodes must be 1..99" >&2; exit 2; }
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
opts="--datanodes $datanodes${ha:+ $ha}${https:+ $https}"
log=$dir/hdfs.log
START_TIMEOUT=${HDFS_START_TIMEOUT:-90}

# pid of a MiniHdfs JVM serving $dir, if any
running_pid() {
  local pid
  pid=$(cat "$dir/hdfs.pid" 2>/dev/null) || return 1
  [[ $pid =~ ^[0-9]+$ ]] && tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null |
    grep -qF "MiniHdfs serve --dir $dir " && echo "$pid"
}

# WebHDFS of the first NameNode answers GETFILESTATUS / with 200 (needs DIR/env)
healthy() {
  [[ -f $dir/env ]] || return 1
  # shellcheck source=/dev/null
  . "$dir/env"
  local code
  code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 ${CA:+--cacert "$CA"} \
    "$HEALTH_URL" 2>/dev/null) || true
  [[ $code == 200 ]]
}

print_urls() { # from DIR/env
  echo "${HDFS_URL:?}"
  echo "$WEB_URL"
}

fail() {
  echo "hdfs:up: $1 (log: $log)" >&2
  [[ -f $log ]] && tail -n 25 "$log" >&2
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

# Already up? Same options and healthy: just print. Otherwise stop what is there.
if running_pid >/dev/null; then
  if [[ $(cat "$dir/opts" 2>/dev/null) == "$opts" ]] && healthy; then
    print_urls
    exit 0
  fi
  echo "hdfs:up: restarting the cluster in $dir (unhealthy or other options)" >&2
fi
bash "$HDFS_SRC/down.sh" --dir "$dir" >/dev/null

hdfs_build
rm -rf "$dir/data" "$dir/conf" "$dir/state.json" "$dir/env"
mkdir -p "$dir/conf"
[[ -n $https ]] && make_tls
echo "$opts" >"$dir/opts"

# Detached: own session, no stdin, output to the log; survives the calling shell.
# shellcheck disable=SC2206 # HDFS_JAVA_OPTS: extra JVM options, split on spaces
java_opts=(-Xms64m -Xmx768m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Xss512k
  -Djava.net.preferIPv4Stack=true ${HDFS_JAVA_OPTS:-})
# shellcheck disable=SC2086
(cd "$dir" && exec setsid -w java "${java_opts[@]}" -cp "$dir/conf:$HDFS_CP" \
  MiniHdfs serve --dir "$dir" $opts) >"$log" 2>&1 </dev/null &
launcher=$!

deadline=$((SECONDS + START_TIMEOUT))
until [[ -f $dir/state.json ]] && healthy; do
  kill -0 "$launcher" 2>/dev/null || fail "the HDFS JVM exited during start-up"
  ((SECONDS < deadline)) || fail "HDFS did not come up within ${START_TIMEOUT} s"
  sleep 0.25
done
print_urls
