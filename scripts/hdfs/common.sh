# shellcheck shell=bash disable=SC2034
# Shared by the scripts in scripts/hdfs/: paths, JVM options and the build step.
# Sourced, not run.

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
HDFS_SRC=$ROOT/scripts/hdfs
HDFS_BUILD=$ROOT/build/hdfs
HDFS_CP="$HDFS_BUILD/classes:$HDFS_BUILD/lib/*"
# small, quick-starting JVM for the client tools (cat, xattrs)
HDFS_CLIENT_OPTS=(-XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Xss512k -Djava.net.preferIPv4Stack=true)

# Fetch the jars when pom.xml changed, compile MiniHdfs.java when it (or the jars) changed.
# Build output goes to build/hdfs/build.log; stdout stays clean for the callers.
hdfs_build() {
  local lib=$HDFS_BUILD/lib classes=$HDFS_BUILD/classes log=$HDFS_BUILD/build.log
  mkdir -p "$HDFS_BUILD"
  exec 9>"$HDFS_BUILD/.lock"
  flock 9 # parallel callers build once
  if [[ ! -f $lib/.stamp || $HDFS_SRC/pom.xml -nt $lib/.stamp ]]; then
    command -v mvn >/dev/null || { echo "hdfs: mvn not found (apt-get install maven)" >&2; return 1; }
    rm -rf "$lib"
    if ! mvn -q -B -f "$HDFS_SRC/pom.xml" dependency:copy-dependencies \
      -DoutputDirectory="$lib" >"$log" 2>&1; then
      echo "hdfs: fetching the Hadoop jars failed (see $log)" >&2
      tail -n 20 "$log" >&2
      return 1
    fi
    touch "$lib/.stamp"
  fi
  if [[ ! -f $classes/MiniHdfs.class || $HDFS_SRC/MiniHdfs.java -nt $classes/MiniHdfs.class ||
    $lib/.stamp -nt $classes/MiniHdfs.class ]]; then
    command -v javac >/dev/null || { echo "hdfs: javac not found (a JDK 17 is needed)" >&2; return 1; }
    rm -rf "$classes"
    if ! javac -nowarn -d "$classes" -cp "$lib/*" "$HDFS_SRC/MiniHdfs.java" >"$log" 2>&1; then
      echo "hdfs: compiling MiniHdfs.java failed (see $log)" >&2
      tail -n 20 "$log" >&2
      rm -rf "$classes"
      return 1
    fi
  fi
  exec 9>&-
}
