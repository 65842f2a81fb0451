// SPDX-License-Identifier: Apache-2.0
// The generic Spark driver of syscall-audit: one application per day. It
// knows nothing about audit logic. It lists the day's files in the layout of
// docs/hdfs-layout.md once (recursive, batched on HDFS), reconciles shipper
// conflict copies, groups each host's files into one map task (name order),
// streams their bytes (gzip or not, lines capped) through ONE Deno process
// per task running every selected job's map side (jobs/engine/protocol.ts),
// shuffles the tagged K lines of each reduce step, pipes them through the
// jobs' reduce sides, and writes every table's R lines as Parquet under
// <output>/<table>/dt=D (replaced whatever the run produced), a Hive table
// with --hive-prefix, and a CSV for small tables.
//
// spark-submit --class AuditJobDriver --files deno,stream.js driver.jar \
//   --input ROOT --day D --output DIR --describe JSON [--jobs a,b] [--param job.k=v]...
//   [--partitions N] [--hive-prefix db.p_] [--max-line-bytes N] [--list-only]

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.time.LocalDate;
import java.time.format.DateTimeFormatter;
import java.time.format.ResolverStyle;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicReference;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.BatchListingOperations;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocatedFileStatus;
import org.apache.hadoop.fs.PartialListing;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RemoteIterator;
import org.apache.hadoop.io.compress.CompressionCodec;
import org.apache.hadoop.io.compress.CompressionCodecFactory;
import org.apache.spark.HashPartitioner;
import org.apache.spark.SparkFiles;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.expressions.GenericInternalRow;
import org.apache.spark.sql.catalyst.util.GenericArrayData;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.storage.StorageLevel;
import org.apache.spark.unsafe.types.UTF8String;
import org.apache.spark.util.CollectionAccumulator;
import org.apache.spark.util.SerializableConfiguration;

import scala.Tuple2;

public final class AuditJobDriver {
  // jobs/engine/protocol.ts (pinned by jobs/engine/protocol_test.ts)
  static final String FILE = "\u0000file\t";
  static final String LONG = "\u0000long\t";
  static final String END = "\u0000end\t";
  static final String KEY = "\u0000key\t";
  static final String SIDE = "\u0000side\t";
  static final String COUNTERS = "\u0000counters\t";
  // docs/hdfs-layout.md (pinned by tests/analyze_layout_test.ts)
  static final String DAY_DIR = "dt=";
  static final String HOST_DIR = "host=";
  static final String KEYS_DIR = "_keys";
  static final String CONFLICT = ".conflict-";
  /** default line cap: MAX_LINE_BYTES of scripts/logformat */
  static final int DEFAULT_MAX_LINE = 4 << 20;
  /** a map task (and so a Parquet file of a clustered table) holds about this much gzip input at most */
  static final long TARGET_FILE_BYTES = 128L << 20;

  static final ObjectMapper JSON = new ObjectMapper();
  /** the only environment the Deno sides may read: the npm YAML parser's debug switches (Sigma rules) */
  static final String DENO_ENV = "--allow-env=LOG_TOKENS,LOG_STREAM";
  /** the report side's input lines (jobs/engine/protocol.ts) */
  static final String REPORT_ROW = "T";
  static final String REPORT_DROPPED = "D";
  static final String REPORT_COUNTERS = "C";
  static final String REPORT_NOTE = "N";
  /** `job.name=sparkfile:NAME`: a file parameter shipped with --files (scripts/analyze/run.ts) */
  static final java.util.regex.Pattern SPARK_FILE = java.util.regex.Pattern.compile("^([a-z0-9_]+\\.[a-z0-9_]+=)sparkfile:(.+)$", java.util.regex.Pattern.DOTALL);

  /** One input file of the day. */
  static final class InFile implements Serializable {
    final String host; // decoded
    final String path;
    final String name;
    final long bytes;
    String conflict; // hash of a conflict copy whose bytes differ, else null

    InFile(String host, String path, String name, long bytes) {
      this.host = host;
      this.path = path;
      this.name = name;
      this.bytes = bytes;
    }
  }

  /** One map task: whole hosts, their keys then their files in name order. */
  static final class Task implements Serializable {
    final List<InFile> files = new ArrayList<>();
    final List<String[]> keys = new ArrayList<>(); // host, name, base64 text
    long bytes;
  }

  public static void main(String[] argv) throws Exception {
    try {
      run(argv);
    } catch (Throwable t) {
      // one line the wrapper shows: the root cause, not Spark's last wrapper
      Throwable c = t;
      while (c.getCause() != null && c.getCause() != c) c = c.getCause();
      String msg = c.getMessage() == null ? "" : c.getMessage().split("\n")[0];
      System.out.println("SYSCALL_AUDIT_ERROR " + c.getClass().getSimpleName() + ": " + msg);
      System.out.flush();
      throw t;
    }
  }

  static void run(String[] argv) throws Exception {
    Map<String, String> a = new LinkedHashMap<>();
    List<String> params = new ArrayList<>();
    boolean listOnly = false;
    for (int i = 0; i < argv.length; i++) {
      String k = argv[i];
      if (k.equals("--list-only")) {
        listOnly = true;
        continue;
      }
      if (!k.startsWith("--") || i + 1 >= argv.length) throw new IllegalArgumentException("bad argument " + k);
      if (k.equals("--param")) params.add(argv[++i]);
      else a.put(k.substring(2), argv[++i]);
    }
    String input = need(a, "input"), day = need(a, "day");
    try {
      LocalDate.parse(day, DateTimeFormatter.ofPattern("uuuu-MM-dd").withResolverStyle(ResolverStyle.STRICT));
    } catch (Exception e) {
      throw new IllegalArgumentException("--day is not a calendar day: " + day);
    }
    int maxLine = Integer.parseInt(a.getOrDefault("max-line-bytes", String.valueOf(DEFAULT_MAX_LINE)));

    SparkSession spark = SparkSession.builder().appName("syscall-audit " + day).getOrCreate();
    JavaSparkContext sc = new JavaSparkContext(spark.sparkContext());
    Configuration hconf = sc.hadoopConfiguration();

    // the day's files, listed once
    Listing listing = list(new Path(input), day, hconf);
    if (listOnly) {
      ObjectNode o = JSON.createObjectNode();
      ArrayNode fl = o.putArray("files");
      for (InFile f : listing.files) {
        ObjectNode n = fl.addObject();
        n.put("host", f.host).put("file", f.name).put("bytes", f.bytes);
        if (f.conflict != null) n.put("conflict", f.conflict);
      }
      o.put("duplicates", listing.duplicates);
      o.put("listings", listing.calls);
      System.out.println("SYSCALL_AUDIT_LISTING " + JSON.writeValueAsString(o));
      spark.stop();
      return;
    }

    String output = need(a, "output");
    JsonNode described = JSON.readTree(need(a, "describe"));
    String deno = a.getOrDefault("deno", "deno");
    String bundle = a.getOrDefault("bundle", "stream.js");
    int parts = Integer.parseInt(a.getOrDefault("partitions", String.valueOf(sc.defaultParallelism())));
    Path outRoot = new Path(output);
    FileSystem ofs = outRoot.getFileSystem(hconf);
    if (ofs.exists(outRoot) && !ofs.getFileStatus(outRoot).isDirectory()) {
      throw new IllegalArgumentException("--output \"" + output + "\" is a file, not a directory");
    }

    List<String> jobArgs = new ArrayList<>();
    if (a.containsKey("jobs")) {
      jobArgs.add("--jobs");
      jobArgs.add(a.get("jobs"));
    }
    for (String p : params) {
      jobArgs.add("--param");
      jobArgs.add(p);
    }
    List<String> mapCmd = new ArrayList<>(List.of("run", "--allow-read", DENO_ENV, "--v8-flags=--max-old-space-size=512",
        "BUNDLE", "--side", "map", "--day", day));
    mapCmd.addAll(jobArgs);
    List<String> reduceCmd = new ArrayList<>(List.of("run", "--allow-read", DENO_ENV, "--v8-flags=--max-old-space-size=512",
        "BUNDLE", "--side", "reduce", "--day", day));
    reduceCmd.addAll(jobArgs);

    CollectionAccumulator<String> counters = sc.sc().collectionAccumulator("counters");
    CollectionAccumulator<String> denoSeen = sc.sc().collectionAccumulator("deno");
    SerializableConfiguration conf = new SerializableConfiguration(hconf);

    // map tasks: whole hosts, balanced by bytes
    long listedBytes = 0;
    for (InFile f : listing.files) listedBytes += f.bytes;
    List<Task> tasks = plan(listing, (int) Math.max(Math.max(1, parts * 2), Math.min(100_000, listedBytes / TARGET_FILE_BYTES + 1)));
    final int cap = maxLine;
    JavaRDD<String> mapped = sc.parallelize(tasks, Math.max(1, tasks.size())).mapPartitions(it -> {
      if (!it.hasNext()) return java.util.Collections.emptyIterator();
      Task t = it.next();
      denoSeen.add(SparkFiles.get(deno));
      return pipe(out -> feedTask(t, conf.value(), cap, out), deno, bundle, mapCmd, counters, "map");
    });

    // side inputs: earlier days' tables, fed to the map side as rows
    List<String> notes = new ArrayList<>();
    List<String> sideReads = new ArrayList<>();
    for (JsonNode j : described.get("jobs")) {
      for (JsonNode s : j.get("sideInputs")) {
        String job = j.get("name").asText(), name = s.get("name").asText(), table = s.get("table").asText();
        String d = LocalDate.parse(day).minusDays(s.get("daysBack").asLong()).toString();
        Path p = new Path(new Path(outRoot, table), DAY_DIR + d);
        if (!ofs.exists(p)) {
          notes.add("side input " + job + "." + name + ": no " + table + " for " + d + " (" + p + ")");
          counters.add("{\"side/" + job + "." + name + "_missing\":1}");
          continue;
        }
        sideReads.add(p.toString());
        Dataset<Row> df;
        try {
          df = spark.read().parquet(p.toString());
        } catch (Exception e) {
          throw new IllegalStateException("Cannot read side input " + job + "." + name + " (" + p + "): " + rootMessage(e));
        }
        StructType st = df.schema();
        List<org.apache.spark.sql.Column> cols = new ArrayList<>();
        for (JsonNode c : s.get("columns")) {
          String cn = c.asText();
          if (!java.util.Arrays.asList(st.fieldNames()).contains(cn)) {
            throw new IllegalStateException("Cannot read side input " + job + "." + name + " (" + p + "): no column " + cn);
          }
          DataType t = st.apply(cn).dataType();
          org.apache.spark.sql.Column col = functions.col(cn);
          if (t.equals(DataTypes.TimestampType)) {
            col = functions.expr("cast(unix_micros(`" + cn + "`) * 1000 as string)");
          } else if (t.equals(DataTypes.LongType)) col = col.cast("string");
          else if (t.equals(DataTypes.BinaryType)) col = functions.base64(col);
          cols.add(col.as(cn));
        }
        String prefix = SIDE + job + "\t" + name + "\t";
        JavaRDD<String> rows = df.select(functions.to_json(functions.struct(cols.toArray(new org.apache.spark.sql.Column[0]))))
            .as(org.apache.spark.sql.Encoders.STRING()).javaRDD().map(r -> prefix + r);
        mapped = mapped.union(rows.mapPartitions(it -> {
          if (!it.hasNext()) return java.util.Collections.emptyIterator();
          return pipe(out -> {
            while (it.hasNext()) {
              out.write(it.next().getBytes(StandardCharsets.UTF_8));
              out.write('\n');
            }
          }, deno, bundle, mapCmd, counters, "map");
        }));
      }
    }
    // every table is cut from this output: kept on local disk, streamed there (never unrolled in memory)
    mapped = mapped.persist(StorageLevel.DISK_ONLY());

    // reduce steps: step s shuffles the K lines of step s
    int steps = 0;
    for (JsonNode j : described.get("jobs")) steps = Math.max(steps, j.get("steps").asInt());
    JavaRDD<String> all = mapped;
    JavaRDD<String> carry = mapped;
    for (int s = 0; s < steps; s++) {
      final String kp = "K" + s + ":";
      JavaRDD<String> reduced = carry.filter(l -> l.startsWith(kp))
          .mapToPair(l -> {
            int t = l.indexOf('\t');
            return new Tuple2<>(l.substring(1, t), l.substring(t + 1));
          })
          .repartitionAndSortWithinPartitions(new HashPartitioner(Math.max(1, parts)))
          .map(t -> "K" + t._1() + "\t" + t._2())
          .mapPartitions(it -> {
            if (!it.hasNext()) return java.util.Collections.emptyIterator();
            return pipe(out -> {
              while (it.hasNext()) {
                out.write(it.next().getBytes(StandardCharsets.UTF_8));
                out.write('\n');
              }
            }, deno, bundle, reduceCmd, counters, "reduce");
          })
          .persist(StorageLevel.DISK_ONLY());
      all = all.union(reduced);
      carry = carry.union(reduced);
    }

    // tables
    long inputBytes = 0;
    for (InFile f : listing.files) inputBytes += f.bytes;
    ObjectNode result = JSON.createObjectNode();
    result.put("day", day);
    ObjectNode tablesOut = result.putObject("tables");
    boolean hive = a.containsKey("hive-prefix");
    for (JsonNode t : described.get("tables")) {
      String name = t.get("name").asText();
      StructType schema = schemaOf(t.get("columns"));
      final String rp = "R" + name + "\t";
      final StructType sch = schema;
      JavaRDD<InternalRow> rows = all.filter(l -> l.startsWith(rp)).map(l -> toRow(l.substring(rp.length()), sch));
      Dataset<Row> df = ((org.apache.spark.sql.classic.SparkSession) spark).internalCreateDataFrame(rows.rdd(), schema, false);
      List<String> cluster = new ArrayList<>();
      if (t.has("clusterBy")) for (JsonNode c : t.get("clusterBy")) cluster.add(c.asText());
      org.apache.spark.sql.Column[] order = new org.apache.spark.sql.Column[cluster.size()];
      for (int i = 0; i < order.length; i++) order[i] = functions.col(cluster.get(i));
      // a map task holds whole hosts: its rows, sorted by (host, time), are one file clustered by
      // host without a shuffle; tasks are sized so that a file holds about TARGET_FILE_BYTES of input
      if (!cluster.isEmpty()) df = df.sortWithinPartitions(order);
      else df = df.coalesce(1);
      Path tableDir = new Path(outRoot, name);
      Path part = new Path(tableDir, DAY_DIR + day);
      Path tmp = new Path(tableDir, "_tmp-" + DAY_DIR + day + "-" + sc.sc().applicationId());
      df.write().mode("overwrite").parquet(tmp.toString());
      long n = spark.read().schema(schema).parquet(tmp.toString()).count();
      // replace dt=D whatever this run produced (0 rows too)
      if (ofs.exists(part) && !ofs.delete(part, true)) throw new IOException("Cannot delete " + part);
      if (!ofs.rename(tmp, part)) throw new IOException("Cannot rename " + tmp + " to " + part);
      ObjectNode to = tablesOut.putObject(name);
      to.put("rows", n).put("parquet", part.toString());
      if (hive) {
        String ht = a.get("hive-prefix") + name;
        registerHive(spark, ht, schema, tableDir.toString(), day);
        to.put("hive", ht);
      }
      if (t.has("csv") && t.get("csv").asBoolean()) {
        Path csv = new Path(outRoot, name + "-" + day + ".csv");
        writeCsv(ofs, csv, schema, all.filter(l -> l.startsWith(rp)).map(l -> l.substring(rp.length())).collect());
        to.put("csv", csv.toString());
      }
    }

    // counters: the sums of every Deno process's counters line
    Map<String, Long> sums = new TreeMap<>();
    for (String c : counters.value()) {
      JsonNode o = JSON.readTree(c);
      for (Iterator<Map.Entry<String, JsonNode>> it = o.fields(); it.hasNext();) {
        Map.Entry<String, JsonNode> e = it.next();
        sums.merge(e.getKey(), e.getValue().asLong(), Long::sum);
      }
    }
    sums.put("input/listed_files", (long) listing.files.size());
    sums.put("input/listed_bytes", inputBytes);
    sums.put("input/conflict_duplicates", (long) listing.duplicates);
    sums.put("input/listing_pages", (long) listing.calls);
    ObjectNode co = result.putObject("counters");
    for (Map.Entry<String, Long> e : sums.entrySet()) co.put(e.getKey(), e.getValue());
    result.put("executor_deno", denoSeen.value().isEmpty() ? "" : denoSeen.value().get(0));
    ArrayNode nn = result.putArray("notes");
    for (String s : notes) nn.add(s);

    // the day's page: the report side (jobs/engine/report_side.ts) reads the rows of the tables
    // it shows (at most its limit each), the counters and the notes
    JsonNode rep = described.get("report");
    if (rep != null && rep.size() > 0) {
      List<String> in = new ArrayList<>();
      List<String> shown = new ArrayList<>();
      List<String> csvs = new ArrayList<>();
      for (JsonNode t : described.get("tables")) {
        if (t.has("csv") && t.get("csv").asBoolean()) csvs.add(t.get("name").asText());
      }
      for (Iterator<Map.Entry<String, JsonNode>> it = rep.fields(); it.hasNext();) {
        Map.Entry<String, JsonNode> e = it.next();
        String name = e.getKey();
        if (!tablesOut.has(name)) continue;
        shown.add(name);
        final String rp = "R" + name + "\t";
        final String tp = REPORT_ROW + name + "\t";
        List<String> rows = all.filter(l -> l.startsWith(rp)).map(l -> tp + l.substring(rp.length()))
            .take(e.getValue().asInt());
        in.addAll(rows);
        long total = tablesOut.get(name).get("rows").asLong();
        if (total > rows.size()) in.add(REPORT_DROPPED + name + "\t" + (total - rows.size()));
      }
      in.add(REPORT_COUNTERS + JSON.writeValueAsString(co));
      for (String s : notes) in.add(REPORT_NOTE + JSON.writeValueAsString(s));
      List<String> cmd = List.of("run", "--allow-read", DENO_ENV, "--v8-flags=--max-old-space-size=4096", "BUNDLE",
          "--side", "report", "--day", day, "--tables", String.join(",", shown), "--csv", String.join(",", csvs));
      Path page = new Path(outRoot, "report-" + day + ".html");
      Path tmp = new Path(outRoot, "_report-" + day + ".html.tmp");
      try (java.io.OutputStream w = ofs.create(tmp, true)) {
        Iterator<String> html = pipe(out -> {
          for (String l : in) {
            out.write(l.getBytes(StandardCharsets.UTF_8));
            out.write('\n');
          }
        }, deno, bundle, cmd, counters, "report");
        while (html.hasNext()) {
          w.write(html.next().getBytes(StandardCharsets.UTF_8));
          w.write('\n');
        }
      }
      ofs.delete(page, false);
      if (!ofs.rename(tmp, page)) throw new IOException("Cannot rename " + tmp + " to " + page);
      result.put("report", page.toString());
    }
    System.out.println("SYSCALL_AUDIT_RESULT " + JSON.writeValueAsString(result));
    spark.stop();
  }

  static String need(Map<String, String> a, String k) {
    String v = a.get(k);
    if (v == null) throw new IllegalArgumentException("--" + k + " is required");
    return v;
  }

  static String rootMessage(Throwable t) {
    while (t.getCause() != null && t.getCause() != t) t = t.getCause();
    return t.getClass().getSimpleName() + ": " + (t.getMessage() == null ? "" : t.getMessage().split("\n")[0]);
  }

  // ---- listing -------------------------------------------------------------------------------

  static final class Listing {
    final List<InFile> files = new ArrayList<>();
    final Map<String, List<String[]>> keys = new TreeMap<>(); // host -> [name, path]
    int duplicates;
    int calls;
  }

  static String decodeHost(String enc) {
    try {
      return java.net.URLDecoder.decode(enc.replace("+", "%2B"), StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      return enc;
    }
  }

  static boolean hidden(String n) {
    return n.startsWith("_") || n.startsWith(".");
  }

  /** Children of many directories: one batched RPC per up to 100 directories on HDFS. */
  static Map<Path, List<FileStatus>> listMany(FileSystem fs, List<Path> dirs, Listing l) throws IOException {
    Map<Path, List<FileStatus>> out = new LinkedHashMap<>();
    if (dirs.isEmpty()) return out;
    if (fs instanceof BatchListingOperations) {
      BatchListingOperations b = (BatchListingOperations) fs;
      // the NameNode's limit of paths per call (its dfs.batched.ls.limit; the client's conf says it)
      int per = Math.max(1, fs.getConf().getInt("dfs.batched.ls.limit", 100));
      for (int i = 0; i < dirs.size(); i += per) {
        List<Path> chunk = dirs.subList(i, Math.min(dirs.size(), i + per));
        RemoteIterator<PartialListing<FileStatus>> it = b.batchedListStatusIterator(new ArrayList<>(chunk));
        while (it.hasNext()) {
          l.calls++;
          PartialListing<FileStatus> pl = it.next();
          Path dir = fs.makeQualified(pl.getListedPath());
          out.computeIfAbsent(dir, k -> new ArrayList<>()).addAll(pl.get());
        }
      }
    } else {
      for (Path d : dirs) {
        l.calls++;
        List<FileStatus> fl = new ArrayList<>();
        for (FileStatus s : fs.listStatus(d)) fl.add(s);
        out.put(fs.makeQualified(d), fl);
      }
    }
    return out;
  }

  static Listing list(Path root, String day, Configuration conf) throws IOException {
    Listing l = new Listing();
    FileSystem fs = root.getFileSystem(conf);
    Path dayDir = fs.makeQualified(new Path(root, DAY_DIR + day));
    Path keysDir = fs.makeQualified(new Path(root, KEYS_DIR));
    List<Path> hostDirs = new ArrayList<>();
    List<Path> keyDirs = new ArrayList<>();
    for (Path top : List.of(dayDir, keysDir)) {
      if (!fs.exists(top)) continue;
      l.calls++;
      for (FileStatus h : fs.listStatus(top)) {
        if (h.isDirectory() && h.getPath().getName().startsWith(HOST_DIR)) {
          (top == dayDir ? hostDirs : keyDirs).add(h.getPath());
        }
      }
    }
    Map<String, InFile> byPath = new TreeMap<>();
    for (Map.Entry<Path, List<FileStatus>> e : listMany(fs, hostDirs, l).entrySet()) {
      String host = decodeHost(e.getKey().getName().substring(HOST_DIR.length()));
      for (FileStatus f : e.getValue()) {
        String n = f.getPath().getName();
        if (f.isFile() && !hidden(n)) byPath.put(f.getPath().toString(), new InFile(host, f.getPath().toString(), n, f.getLen()));
      }
    }
    // a conflict copy with the original's bytes is read once; one that differs is read and flagged
    for (InFile f : new ArrayList<>(byPath.values())) {
      int c = f.name.indexOf(CONFLICT);
      if (c < 0) continue;
      String rest = f.name.substring(c + CONFLICT.length());
      int dot = rest.indexOf('.');
      String hash = dot < 0 ? rest : rest.substring(0, dot);
      String origName = f.name.substring(0, c) + (dot < 0 ? "" : rest.substring(dot));
      String origPath = new Path(new Path(f.path).getParent(), origName).toString();
      InFile orig = byPath.get(origPath);
      if (orig != null && orig.bytes == f.bytes && sameBytes(fs, new Path(orig.path), new Path(f.path))) {
        byPath.remove(f.path);
        l.duplicates++;
      } else f.conflict = hash;
    }
    l.files.addAll(byPath.values());
    for (Map.Entry<Path, List<FileStatus>> e : listMany(fs, keyDirs, l).entrySet()) {
      String host = decodeHost(e.getKey().getName().substring(HOST_DIR.length()));
      for (FileStatus f : e.getValue()) {
        if (f.isFile() && !hidden(f.getPath().getName())) {
          l.keys.computeIfAbsent(host, k -> new ArrayList<>()).add(new String[] {f.getPath().getName(), f.getPath().toString()});
        }
      }
    }
    return l;
  }

  static boolean sameBytes(FileSystem fs, Path a, Path b) throws IOException {
    org.apache.hadoop.fs.FileChecksum ca = fs.getFileChecksum(a), cb = fs.getFileChecksum(b);
    if (ca != null && cb != null) return ca.equals(cb);
    try (InputStream x = fs.open(a); InputStream y = fs.open(b)) {
      byte[] bx = new byte[1 << 16], by = new byte[1 << 16];
      for (;;) {
        int nx = x.readNBytes(bx, 0, bx.length), ny = y.readNBytes(by, 0, by.length);
        if (nx != ny || !java.util.Arrays.equals(bx, 0, nx, by, 0, ny)) return false;
        if (nx == 0) return true;
      }
    }
  }

  /** Whole hosts into at most `n` tasks, largest first into the lightest (bytes). */
  static List<Task> plan(Listing l, int n) throws IOException {
    Map<String, List<InFile>> byHost = new TreeMap<>();
    for (InFile f : l.files) byHost.computeIfAbsent(f.host, k -> new ArrayList<>()).add(f);
    List<Map.Entry<String, List<InFile>>> hosts = new ArrayList<>(byHost.entrySet());
    hosts.sort((x, y) -> Long.compare(size(y.getValue()), size(x.getValue())));
    int count = Math.max(1, Math.min(n, hosts.size()));
    List<Task> tasks = new ArrayList<>();
    for (int i = 0; i < count; i++) tasks.add(new Task());
    java.util.PriorityQueue<Task> q = new java.util.PriorityQueue<>((x, y) -> Long.compare(x.bytes, y.bytes));
    q.addAll(tasks);
    for (Map.Entry<String, List<InFile>> h : hosts) {
      Task t = q.poll();
      List<InFile> fl = h.getValue();
      fl.sort((x, y) -> x.name.compareTo(y.name));
      t.files.addAll(fl);
      t.bytes += size(fl);
      List<String[]> ks = new ArrayList<>(l.keys.getOrDefault(h.getKey(), List.of()));
      ks.sort((x, y) -> x[0].compareTo(y[0]));
      for (String[] k : ks) t.keys.add(new String[] {h.getKey(), k[0], k[1]});
      q.add(t);
    }
    tasks.removeIf(t -> t.files.isEmpty());
    return tasks;
  }

  static long size(List<InFile> fl) {
    long s = 0;
    for (InFile f : fl) s += f.bytes;
    return s;
  }

  // ---- map input ------------------------------------------------------------------------------

  static String enc(String s) {
    return java.net.URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
  }

  static void marker(OutputStream out, String prefix, String... fields) throws IOException {
    StringBuilder b = new StringBuilder(prefix);
    for (int i = 0; i < fields.length; i++) {
      if (i > 0) b.append('\t');
      b.append(fields[i]);
    }
    b.append('\n');
    out.write(b.toString().getBytes(StandardCharsets.UTF_8));
  }

  /** Writes a task's protocol input: keys, then each file framed, lines capped at `cap` bytes. */
  static void feedTask(Task t, Configuration conf, int cap, OutputStream out) throws IOException {
    CompressionCodecFactory codecs = new CompressionCodecFactory(conf);
    for (String[] k : t.keys) {
      Path p = new Path(k[2]);
      byte[] text;
      try (InputStream s = p.getFileSystem(conf).open(p)) {
        text = s.readNBytes(1 << 20);
      }
      marker(out, KEY, enc(k[0]), enc(k[1]), Base64.getEncoder().encodeToString(text));
    }
    byte[] buf = new byte[1 << 16];
    byte[] line = new byte[1 << 16];
    for (InFile f : t.files) {
      marker(out, FILE, enc(f.host), enc(f.name), String.valueOf(f.bytes), f.conflict == null ? "-" : f.conflict);
      long lines = 0;
      String error = null;
      int len = 0; // bytes of the current line held in `line`
      long over = -1; // >= 0: the current line is over the cap, this many bytes so far
      Path p = new Path(f.path);
      try (InputStream raw = p.getFileSystem(conf).open(p)) {
        CompressionCodec codec = codecs.getCodec(p);
        InputStream s = codec != null ? codec.createInputStream(raw) : raw;
        for (int n; (n = s.read(buf)) > 0;) {
          int start = 0;
          for (int i = 0; i < n; i++) {
            if (buf[i] != '\n') continue;
            int seg = i - start;
            if (over >= 0) {
              marker(out, LONG, String.valueOf(over + seg));
              over = -1;
            } else if (len + seg > cap) {
              marker(out, LONG, String.valueOf(len + seg));
            } else {
              out.write(line, 0, len);
              out.write(buf, start, seg + 1);
            }
            len = 0;
            lines++;
            start = i + 1;
          }
          int seg = n - start;
          if (seg == 0) continue;
          if (over >= 0) over += seg;
          else if (len + seg > cap) {
            over = len + seg;
            len = 0;
          } else {
            if (len + seg > line.length) line = java.util.Arrays.copyOf(line, Math.min(cap + 1, Math.max(line.length * 2, len + seg)));
            System.arraycopy(buf, start, line, len, seg);
            len += seg;
          }
        }
      } catch (IOException | RuntimeException e) {
        // truncated or corrupt gzip, unreadable file: what was read stands, the file is flagged
        error = e.getClass().getSimpleName() + ": " + (e.getMessage() == null ? "" : e.getMessage().split("\n")[0]);
      }
      // a last line without "\n" is passed on (the codec calls it torn)
      if (over >= 0) {
        marker(out, LONG, String.valueOf(over));
        lines++;
      } else if (len > 0) {
        out.write(line, 0, len);
        out.write('\n');
        lines++;
      }
      marker(out, END, enc(f.host), enc(f.name), String.valueOf(lines), error == null ? "-" : enc(error));
    }
  }

  interface Feeder {
    void feed(OutputStream out) throws Exception;
  }

  /**
   * Runs `deno <cmd>` (the bundle's path in place of BUNDLE) with `feeder`
   * writing its stdin on a thread: its stdout lines come back, the counters
   * line taken out. Any Throwable of the feeding thread (an OutOfMemoryError
   * too) fails the task after the process ends: never a quiet short read.
   */
  static Iterator<String> pipe(Feeder feeder, String deno, String bundle, List<String> cmd,
      CollectionAccumulator<String> counters, String side) throws IOException {
    List<String> full = new ArrayList<>();
    full.add(SparkFiles.get(deno));
    for (String c : cmd) {
      // a parameter naming a file shipped with --files: its path on this executor
      java.util.regex.Matcher m = SPARK_FILE.matcher(c);
      full.add(c.equals("BUNDLE") ? SparkFiles.get(bundle) : m.matches() ? m.group(1) + SparkFiles.get(m.group(2)) : c);
    }
    ProcessBuilder pb = new ProcessBuilder(full);
    Process p = pb.start();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    Thread errThread = new Thread(() -> {
      try (InputStream es = p.getErrorStream()) {
        byte[] b = new byte[8192];
        for (int n; (n = es.read(b)) > 0;) {
          synchronized (err) {
            if (err.size() < 1 << 16) err.write(b, 0, n);
          }
        }
      } catch (IOException ignored) {
      }
    }, "deno-" + side + "-stderr");
    errThread.setDaemon(true);
    errThread.start();
    AtomicReference<Throwable> failed = new AtomicReference<>();
    Thread writer = new Thread(() -> {
      try (OutputStream w = new java.io.BufferedOutputStream(p.getOutputStream(), 1 << 16)) {
        feeder.feed(w);
      } catch (IOException e) {
        // the process died (its exit status says why) or a write failed
        failed.compareAndSet(null, e);
      } catch (Throwable t) {
        failed.compareAndSet(null, t);
        p.destroyForcibly();
      }
    }, "deno-" + side + "-stdin");
    writer.setDaemon(true);
    writer.start();
    java.io.BufferedReader r = new java.io.BufferedReader(
        new java.io.InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8), 1 << 16);
    return new Lookahead() {
      String advance() {
        try {
          for (;;) {
            String l = r.readLine();
            if (l == null) {
              int code = p.waitFor();
              writer.join();
              errThread.join(5000);
              String e;
              synchronized (err) {
                e = err.toString(StandardCharsets.UTF_8).trim();
              }
              if (code != 0) throw new RuntimeException("deno " + side + " side exited " + code + ": " + e);
              Throwable t = failed.get();
              if (t != null) throw new RuntimeException("feeding the deno " + side + " side failed: " + t, t);
              return null;
            }
            if (l.startsWith(COUNTERS)) {
              counters.add(l.substring(COUNTERS.length()));
              continue;
            }
            return l;
          }
        } catch (IOException | InterruptedException e) {
          throw new RuntimeException("deno " + side + " side: " + e, e);
        }
      }
    };
  }

  /** An iterator that reads one element ahead: subclasses say how to get the next, null at the end. */
  abstract static class Lookahead implements Iterator<String> {
    private String next;
    private boolean started;

    abstract String advance();

    public boolean hasNext() {
      if (!started) {
        next = advance();
        started = true;
      }
      return next != null;
    }

    public String next() {
      if (!hasNext()) throw new NoSuchElementException();
      String l = next;
      next = advance();
      return l;
    }
  }

  // ---- rows -----------------------------------------------------------------------------------

  static DataType typeOf(String t) {
    switch (t) {
      case "string": return DataTypes.StringType;
      case "int": return DataTypes.IntegerType;
      case "long": return DataTypes.LongType;
      case "double": return DataTypes.DoubleType;
      case "boolean": return DataTypes.BooleanType;
      case "timestamp": return DataTypes.TimestampType;
      case "binary": return DataTypes.BinaryType;
      case "array<string>": return DataTypes.createArrayType(DataTypes.StringType, true);
      case "array<binary>": return DataTypes.createArrayType(DataTypes.BinaryType, true);
      case "array<long>": return DataTypes.createArrayType(DataTypes.LongType, true);
      default: throw new IllegalArgumentException("unknown column type " + t);
    }
  }

  static StructType schemaOf(JsonNode columns) {
    List<StructField> fields = new ArrayList<>();
    for (JsonNode c : columns) fields.add(DataTypes.createStructField(c.get("name").asText(), typeOf(c.get("type").asText()), true));
    if (fields.isEmpty()) throw new IllegalArgumentException("a table without columns");
    return DataTypes.createStructType(fields);
  }

  /** A JS string's exact bytes: UTF-8, with U+DC80..U+DCFF standing for raw bytes 0x80..0xFF. */
  static byte[] exactBytes(String s) {
    boolean plain = true;
    for (int i = 0; i < s.length() && plain; i++) {
      char c = s.charAt(i);
      if (Character.isSurrogate(c)) plain = false;
    }
    if (plain) return s.getBytes(StandardCharsets.UTF_8);
    ByteArrayOutputStream o = new ByteArrayOutputStream(s.length() + 8);
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c >= 0xDC80 && c <= 0xDCFF) o.write(c - 0xDC00);
      else if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
        o.writeBytes(s.substring(i, i + 2).getBytes(StandardCharsets.UTF_8));
        i++;
      } else if (Character.isSurrogate(c)) o.writeBytes("\uFFFD".getBytes(StandardCharsets.UTF_8));
      else o.writeBytes(String.valueOf(c).getBytes(StandardCharsets.UTF_8));
    }
    return o.toByteArray();
  }

  static Object value(JsonNode v, DataType t) {
    if (v == null || v.isNull()) return null;
    if (t.equals(DataTypes.StringType)) return UTF8String.fromBytes(exactBytes(v.asText()));
    if (t.equals(DataTypes.LongType)) return v.isNumber() ? v.asLong() : Long.parseLong(v.asText());
    if (t.equals(DataTypes.IntegerType)) return v.isNumber() ? v.asInt() : Integer.parseInt(v.asText());
    if (t.equals(DataTypes.DoubleType)) return v.asDouble();
    if (t.equals(DataTypes.BooleanType)) return v.asBoolean();
    if (t.equals(DataTypes.TimestampType)) {
      // ns since the epoch -> µs (floor)
      String s = v.asText();
      return Math.floorDiv(v.isNumber() ? v.asLong() : Long.parseLong(s), 1000L);
    }
    if (t.equals(DataTypes.BinaryType)) return Base64.getDecoder().decode(v.asText());
    if (t instanceof ArrayType) {
      DataType et = ((ArrayType) t).elementType();
      Object[] xs = new Object[v.size()];
      for (int i = 0; i < xs.length; i++) xs[i] = value(v.get(i), et);
      return new GenericArrayData(xs);
    }
    throw new IllegalArgumentException("unknown type " + t);
  }

  static InternalRow toRow(String json, StructType schema) throws IOException {
    JsonNode o = JSON.readTree(json);
    StructField[] fs = schema.fields();
    Object[] vals = new Object[fs.length];
    for (int i = 0; i < fs.length; i++) {
      try {
        vals[i] = value(o.get(fs[i].name()), fs[i].dataType());
      } catch (RuntimeException e) {
        throw new IllegalArgumentException("column " + fs[i].name() + ": bad value " + o.get(fs[i].name()) + ": " + e.getMessage(), e);
      }
    }
    return new GenericInternalRow(vals);
  }

  // ---- Hive, CSV ------------------------------------------------------------------------------

  static String sqlType(DataType t) {
    return t.sql();
  }

  static void registerHive(SparkSession spark, String table, StructType schema, String location, String day) {
    StringBuilder cols = new StringBuilder();
    for (StructField f : schema.fields()) {
      cols.append('`').append(f.name()).append("` ").append(sqlType(f.dataType())).append(", ");
    }
    spark.sql("CREATE TABLE IF NOT EXISTS " + table + " (" + cols + "dt STRING) USING parquet PARTITIONED BY (dt) LOCATION '"
        + location.replace("'", "\\'") + "'");
    spark.sql("ALTER TABLE " + table + " DROP IF EXISTS PARTITION (dt='" + day + "')");
    spark.sql("ALTER TABLE " + table + " ADD PARTITION (dt='" + day + "') LOCATION '"
        + location.replace("'", "\\'") + "/dt=" + day + "'");
    spark.sql("REFRESH TABLE " + table);
  }

  /** A CSV cell: quoted when needed; a string starting like a spreadsheet formula gets a leading '. */
  static byte[] csvCell(JsonNode v, DataType t) {
    if (v == null || v.isNull()) return new byte[0];
    String s;
    if (t.equals(DataTypes.StringType) || t instanceof ArrayType) {
      s = t instanceof ArrayType ? v.toString() : v.asText();
      if (!s.isEmpty() && "=+-@\t\r".indexOf(s.charAt(0)) >= 0) s = "'" + s;
    } else s = v.asText();
    byte[] b = exactBytes(s);
    boolean quote = false;
    for (byte x : b) if (x == ',' || x == '"' || x == '\n' || x == '\r') quote = true;
    if (!quote) return b;
    ByteArrayOutputStream o = new ByteArrayOutputStream(b.length + 2);
    o.write('"');
    for (byte x : b) {
      if (x == '"') o.write('"');
      o.write(x);
    }
    o.write('"');
    return o.toByteArray();
  }

  /** Rows sorted by every column's text, one header line, written to tmp then renamed over `csv`. */
  static void writeCsv(FileSystem fs, Path csv, StructType schema, List<String> rows) throws IOException {
    List<byte[][]> cells = new ArrayList<>();
    StructField[] f = schema.fields();
    for (String r : rows) {
      JsonNode o = JSON.readTree(r);
      byte[][] c = new byte[f.length][];
      for (int i = 0; i < f.length; i++) c[i] = csvCell(o.get(f[i].name()), f[i].dataType());
      cells.add(c);
    }
    cells.sort((x, y) -> {
      for (int i = 0; i < x.length; i++) {
        int d = java.util.Arrays.compareUnsigned(x[i], y[i]);
        if (d != 0) return d;
      }
      return 0;
    });
    Path tmp = new Path(csv.getParent(), "_" + csv.getName() + ".tmp");
    try (OutputStream o = fs.create(tmp, true)) {
      for (int i = 0; i < f.length; i++) {
        if (i > 0) o.write(',');
        o.write(f[i].name().getBytes(StandardCharsets.UTF_8));
      }
      o.write('\n');
      for (byte[][] c : cells) {
        for (int i = 0; i < c.length; i++) {
          if (i > 0) o.write(',');
          o.write(c[i]);
        }
        o.write('\n');
      }
    }
    fs.delete(csv, false);
    if (!fs.rename(tmp, csv)) throw new IOException("Cannot rename " + tmp + " to " + csv);
  }
}
