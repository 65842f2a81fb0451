# shellcheck shell=bash disable=SC2034
# Shared by the scripts in scripts/hdfs/: paths, JVM options and the build step.
# Sourced, not run.

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
HDFS_SRC=$ROOT/scripts/hdfs
HDFS_BUILD=$ROOT/build/hdfs
HDFS_CP="$HDFS_BUILD/classes:$HDFS_BUILD/lib/*"
# the HttpFS gateway (up.sh --httpfs): unshaded Hadoop jars, a JVM and a classpath of its own
HTTPFS_CP="$HDFS_BUILD/httpfs-lib/*"
# small, quick-starting JVM for the client tools (cat, xattrs)
HDFS_CLIENT_OPTS=(-XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Xss512k -Djava.net.preferIPv4Stack=true)

# Fetch the jars of POM into LIB when POM changed (LIB/.stamp older), under the build lock.
# usage: hdfs_fetch POM LIB WHAT   (WHAT names the jars in the error message)
hdfs_fetch() {
  local pom=$1 lib=$2 what=$3 log=$HDFS_BUILD/build.log
  if [[ ! -f $lib/.stamp || $pom -nt $lib/.stamp ]]; then
    command -v mvn >/dev/null || { echo "hdfs: mvn not found (apt-get install maven)" >&2; return 1; }
    rm -rf "$lib"
    if ! mvn -q -B -f "$pom" dependency:copy-dependencies -DoutputDirectory="$lib" >"$log" 2>&1; then
      echo "hdfs: fetching the $what jars failed (see $log)" >&2
      tail -n 20 "$log" >&2
      return 1
    fi
    touch "$lib/.stamp"
  fi
}

# Fetch the jars when pom.xml changed, compile MiniHdfs.java when it (or the jars) changed.
# Build output goes to build/hdfs/build.log; stdout stays clean for the callers.
hdfs_build() {
  local lib=$HDFS_BUILD/lib classes=$HDFS_BUILD/classes log=$HDFS_BUILD/build.log
  mkdir -p "$HDFS_BUILD"
  exec 9>"$HDFS_BUILD/.lock"
  flock 9 # parallel callers build once
  hdfs_fetch "$HDFS_SRC/pom.xml" "$lib" Hadoop || return 1
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

# The HttpFS jars (scripts/hdfs/httpfs/pom.xml -> build/hdfs/httpfs-lib), fetched when that
# pom changed; nothing to compile. Same lock and log as hdfs_build.
httpfs_build() {
  mkdir -p "$HDFS_BUILD"
  exec 9>"$HDFS_BUILD/.lock"
  flock 9
  hdfs_fetch "$HDFS_SRC/httpfs/pom.xml" "$HDFS_BUILD/httpfs-lib" HttpFS || return 1
  exec 9>&-
}
