// SPDX-License-Identifier: Apache-2.0
// The generic Spark driver of syscall-audit. It knows nothing about audit
// logic: it lists a day's files in the shipper's layout
// (<input>/dt=D/host=H/...), reads them (gzip or not) attaching the host from
// the path, pipes each partition through the job's map side (a Deno process
// running the bundled jobs, Hadoop Streaming style), shuffles the key/value
// lines by key, sorts within partitions, pipes each reduce partition through
// the job's reduce side, and writes the rows as Parquet (partitioned by dt)
// and CSV. Corrupt files are counted, not fatal.
//
// spark-submit --class AuditJobDriver --files deno,stream.js driver.jar \
//   --input ROOT --day D --job NAME --schema JSON --output DIR [--partitions N] [--job-arg A]...

import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.io.compress.CompressionCodec;
import org.apache.hadoop.io.compress.CompressionCodecFactory;
import org.apache.spark.HashPartitioner;
import org.apache.spark.SparkFiles;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.util.CollectionAccumulator;
import org.apache.spark.util.LongAccumulator;
import org.apache.spark.util.SerializableConfiguration;

import scala.Tuple2;

public final class AuditJobDriver {
  /** Prefix of the counters line the Deno side writes last. */
  static final String COUNTERS = "\u0000counters\t";

  public static void main(String[] argv) throws Exception {
    Map<String, String> a = new LinkedHashMap<>();
    List<String> jobArgs = new ArrayList<>();
    for (int i = 0; i < argv.length; i++) {
      String k = argv[i];
      if (!k.startsWith("--") || i + 1 >= argv.length) throw new IllegalArgumentException("bad argument " + k);
      if (k.equals("--job-arg")) jobArgs.add(argv[++i]);
      else a.put(k.substring(2), argv[++i]);
    }
    String input = need(a, "input"), day = need(a, "day"), job = need(a, "job");
    String output = need(a, "output");
    StructType schema = schemaOf(need(a, "schema"));
    String deno = a.getOrDefault("deno", "deno");
    String bundle = a.getOrDefault("bundle", "stream.js");

    SparkSession spark = SparkSession.builder().appName("syscall-audit " + job + " " + day).getOrCreate();
    JavaSparkContext sc = new JavaSparkContext(spark.sparkContext());
    int parts = Integer.parseInt(a.getOrDefault("partitions", String.valueOf(sc.defaultParallelism())));

    // the day's files: <input>/dt=D/host=H/<file>, hidden and staging names skipped
    Path dayDir = new Path(input, "dt=" + day);
    FileSystem fs = dayDir.getFileSystem(sc.hadoopConfiguration());
    List<String> files = new ArrayList<>();
    if (fs.exists(dayDir)) {
      for (FileStatus h : fs.listStatus(dayDir)) {
        if (!h.isDirectory() || !h.getPath().getName().startsWith("host=")) continue;
        for (FileStatus f : fs.listStatus(h.getPath())) {
          String n = f.getPath().getName();
          if (f.isFile() && !n.startsWith("_") && !n.startsWith(".")) files.add(f.getPath().toString());
        }
      }
    }
    Collections.sort(files);

    LongAccumulator corrupt = sc.sc().longAccumulator("input/corrupt_files");
    CollectionAccumulator<String> counters = sc.sc().collectionAccumulator("counters");
    // where the executors found deno: shipped with --files, not installed
    CollectionAccumulator<String> denoSeen = sc.sc().collectionAccumulator("deno");
    SerializableConfiguration conf = new SerializableConfiguration(sc.hadoopConfiguration());

    List<String> mapCmd = new ArrayList<>(List.of("run", "--allow-read", "--v8-flags=--max-old-space-size=512",
        "BUNDLE", "--job", job, "--side", "map", "--day", day));
    mapCmd.addAll(jobArgs);
    List<String> reduceCmd = new ArrayList<>(List.of("run", "--allow-read", "--v8-flags=--max-old-space-size=512",
        "BUNDLE", "--job", job, "--side", "reduce"));
    reduceCmd.addAll(jobArgs);

    JavaRDD<String> lines = sc.parallelize(files, Math.max(1, Math.min(Math.max(files.size(), 1), parts * 4)))
        .mapPartitions(it -> new FileLines(it, conf.value(), corrupt));
    JavaRDD<String> mapped = lines.mapPartitions(it -> {
      denoSeen.add(SparkFiles.get(deno));
      return pipe(it, deno, bundle, mapCmd, counters, "map");
    });
    JavaPairRDD<String, String> kv = mapped.mapToPair(l -> {
      int t = l.indexOf('\t');
      return new Tuple2<>(l.substring(0, t), l.substring(t + 1));
    });
    JavaRDD<String> rows = kv.repartitionAndSortWithinPartitions(new HashPartitioner(Math.max(1, parts)))
        .map(t -> t._1() + "\t" + t._2())
        .mapPartitions(it -> pipe(it, deno, bundle, reduceCmd, counters, "reduce"));

    Dataset<Row> df = spark.read().schema(schema).json(spark.createDataset(rows.rdd(), Encoders.STRING()))
        .withColumn("dt", functions.lit(day));
    df = df.persist();
    long n = df.count();

    String table = output + "/" + job;
    df.write().mode(SaveMode.Overwrite).option("partitionOverwriteMode", "dynamic").partitionBy("dt").parquet(table);
    if (a.containsKey("hive-table")) {
      // registered in the session's catalog (a Hive metastore with
      // spark.sql.catalogImplementation=hive); a rerun replaces only dt=D
      String t = a.get("hive-table");
      if (spark.catalog().tableExists(t)) {
        df.write().mode(SaveMode.Overwrite).option("partitionOverwriteMode", "dynamic").insertInto(t);
      } else {
        df.write().format("parquet").partitionBy("dt").saveAsTable(t);
      }
    }
    // one CSV with a header, rows sorted by every column
    String[] cols = schema.fieldNames();
    org.apache.spark.sql.Column[] order = new org.apache.spark.sql.Column[cols.length];
    for (int i = 0; i < cols.length; i++) order[i] = functions.col(cols[i]);
    Path tmp = new Path(output, "_" + job + ".csv.tmp");
    df.drop("dt").coalesce(1).sortWithinPartitions(order).write().mode(SaveMode.Overwrite)
        .option("header", "true").csv(tmp.toString());
    FileSystem ofs = tmp.getFileSystem(sc.hadoopConfiguration());
    Path csv = new Path(output, job + ".csv");
    ofs.delete(csv, false);
    for (FileStatus f : ofs.listStatus(tmp)) {
      if (f.getPath().getName().startsWith("part-")) ofs.rename(f.getPath(), csv);
    }
    ofs.delete(tmp, true);

    // counters: the sums of every Deno process's counters line
    Map<String, Long> sums = new java.util.TreeMap<>();
    for (String c : counters.value()) {
      for (String pair : c.replaceAll("^\\{|\\}$", "").split(",")) {
        if (pair.isEmpty()) continue;
        int colon = pair.lastIndexOf(':');
        String k = pair.substring(0, colon).trim().replaceAll("^\"|\"$", "");
        sums.merge(k, Long.parseLong(pair.substring(colon + 1).trim()), Long::sum);
      }
    }
    sums.put("input/files", (long) files.size());
    sums.put("input/corrupt_files", corrupt.value());
    StringBuilder js = new StringBuilder();
    js.append("{\"job\":\"").append(job).append("\",\"day\":\"").append(day).append("\",\"rows\":").append(n)
        .append(",\"executor_deno\":\"").append(denoSeen.value().isEmpty() ? "" : denoSeen.value().get(0))
        .append("\",\"parquet\":\"").append(table).append("\",\"csv\":\"").append(csv).append("\",\"counters\":{");
    boolean first = true;
    for (Map.Entry<String, Long> e : sums.entrySet()) {
      if (!first) js.append(',');
      first = false;
      js.append('"').append(e.getKey()).append("\":").append(e.getValue());
    }
    js.append("}}");
    System.out.println("SYSCALL_AUDIT_RESULT " + js);
    spark.stop();
  }

  static String need(Map<String, String> a, String k) {
    String v = a.get(k);
    if (v == null) throw new IllegalArgumentException("--" + k + " is required");
    return v;
  }

  /** [{"name":"parent","type":"string"},...] -> StructType (a tiny parser for this shape only). */
  static StructType schemaOf(String json) {
    List<StructField> fields = new ArrayList<>();
    java.util.regex.Matcher m = java.util.regex.Pattern
        .compile("\\{[^{}]*?\"name\"\\s*:\\s*\"([^\"]+)\"[^{}]*?\"type\"\\s*:\\s*\"([^\"]+)\"[^{}]*?\\}").matcher(json);
    while (m.find()) {
      DataType t;
      switch (m.group(2)) {
        case "string": t = DataTypes.StringType; break;
        case "long": t = DataTypes.LongType; break;
        case "double": t = DataTypes.DoubleType; break;
        case "boolean": t = DataTypes.BooleanType; break;
        case "timestamp": t = DataTypes.TimestampType; break;
        default: throw new IllegalArgumentException("unknown column type " + m.group(2));
      }
      fields.add(DataTypes.createStructField(m.group(1), t, true));
    }
    if (fields.isEmpty()) throw new IllegalArgumentException("empty schema: " + json);
    return DataTypes.createStructType(fields);
  }

  /**
   * Pipes a partition through `deno <cmd>` (the bundle's path put in place of
   * BUNDLE), as RDD.pipe does, but with the files resolved on the executor
   * (SparkFiles) and the counters line taken out.
   */
  static Iterator<String> pipe(Iterator<String> in, String deno, String bundle, List<String> cmd,
      CollectionAccumulator<String> counters, String side) throws IOException {
    List<String> full = new ArrayList<>();
    full.add(SparkFiles.get(deno));
    for (String c : cmd) full.add(c.equals("BUNDLE") ? SparkFiles.get(bundle) : c);
    ProcessBuilder pb = new ProcessBuilder(full);
    pb.redirectError(ProcessBuilder.Redirect.PIPE);
    Process p = pb.start();
    StringBuilder err = new StringBuilder();
    Thread errThread = new Thread(() -> {
      try (InputStream es = p.getErrorStream()) {
        byte[] b = es.readAllBytes();
        synchronized (err) { err.append(new String(b, StandardCharsets.UTF_8)); }
      } catch (IOException ignored) {
      }
    }, "deno-" + side + "-stderr");
    errThread.setDaemon(true);
    errThread.start();
    Thread writer = new Thread(() -> {
      try (BufferedWriter w = new BufferedWriter(new OutputStreamWriter(p.getOutputStream(), StandardCharsets.UTF_8), 1 << 16)) {
        while (in.hasNext()) {
          w.write(in.next());
          w.write('\n');
        }
      } catch (IOException ignored) {
        // the process died: its exit status says why
      }
    }, "deno-" + side + "-stdin");
    writer.setDaemon(true);
    writer.start();
    BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8), 1 << 16);
    return new Lookahead() {
      String advance() {
        try {
          for (;;) {
            String l = r.readLine();
            if (l == null) {
              int code = p.waitFor();
              errThread.join(5000);
              if (code != 0) {
                String e;
                synchronized (err) { e = err.toString().trim(); }
                throw new RuntimeException("deno " + side + " side exited " + code + ": " + e);
              }
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

  /** Lines of a partition's files, each prefixed by its host (percent-encoded, as in the path) and a tab. */
  static final class FileLines extends Lookahead {
    final Iterator<String> files;
    final Configuration conf;
    final LongAccumulator corrupt;
    final CompressionCodecFactory codecs;
    BufferedReader cur;
    String host;
    String path;

    FileLines(Iterator<String> files, Configuration conf, LongAccumulator corrupt) {
      this.files = files;
      this.conf = conf;
      this.corrupt = corrupt;
      this.codecs = new CompressionCodecFactory(conf);
    }

    String advance() {
      for (;;) {
        try {
          if (cur == null) {
            if (!files.hasNext()) return null;
            path = files.next();
            Path p = new Path(path);
            String dir = p.getParent().getName();
            host = dir.startsWith("host=") ? dir.substring(5) : "unknown";
            FileSystem fs = p.getFileSystem(conf);
            InputStream s = fs.open(p);
            CompressionCodec codec = codecs.getCodec(p);
            if (codec != null) s = codec.createInputStream(s);
            cur = new BufferedReader(new InputStreamReader(s, StandardCharsets.UTF_8), 1 << 16);
          }
          String l = cur.readLine();
          if (l != null) return host + "\t" + l;
          cur.close();
          cur = null;
        } catch (IOException | RuntimeException e) {
          // truncated or corrupt gzip, unreadable file: count it, keep what was read, go on
          System.err.println("syscall-audit: skipping the rest of " + path + ": " + e);
          corrupt.add(1);
          try {
            if (cur != null) cur.close();
          } catch (IOException ignored) {
          }
          cur = null;
        }
      }
    }
  }
}
