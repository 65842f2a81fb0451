import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.File;
import java.io.FileDescriptor;
import java.io.FileNotFoundException;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.HttpURLConnection;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.StandardCopyOption;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.Executors;
import javax.net.ssl.HttpsURLConnection;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.hdfs.DFSTestUtil;
import org.apache.hadoop.hdfs.HdfsConfiguration;
import org.apache.hadoop.hdfs.MiniDFSCluster;
import org.apache.hadoop.hdfs.MiniDFSCluster.DataNodeProperties;
import org.apache.hadoop.hdfs.MiniDFSNNTopology;
import org.apache.hadoop.hdfs.protocol.DatanodeID;
import org.apache.hadoop.hdfs.protocol.HdfsConstants.DatanodeReportType;
import org.apache.hadoop.hdfs.server.blockmanagement.BlockManagerTestUtil;
import org.apache.hadoop.hdfs.server.blockmanagement.DatanodeDescriptor;
import org.apache.hadoop.hdfs.server.datanode.DataNode;
import org.apache.hadoop.hdfs.server.namenode.FSNamesystem;
import org.apache.hadoop.hdfs.server.namenode.NameNode;
import org.apache.hadoop.hdfs.server.namenode.NameNodeAdapter;
import org.apache.hadoop.io.IOUtils;
import org.apache.log4j.ConsoleAppender;
import org.apache.log4j.Level;
import org.apache.log4j.LogManager;
import org.apache.log4j.Logger;
import org.apache.log4j.PatternLayout;

/**
 * A real HDFS in one JVM for development, tests and CI (scripts/hdfs/up.sh).
 *
 * <pre>
 *   MiniHdfs serve --dir DIR [--datanodes N] [--ha] [--https]
 *       NameNode(s) + N DataNodes (MiniDFSCluster) on 127.0.0.1, WebHDFS on, permissions on,
 *       plus a loopback control HTTP server for fault injection. Writes DIR/state.json (public)
 *       and DIR/env (shell variables for the scripts) once the cluster is up.
 *   MiniHdfs cat hdfs://host:port/path      raw bytes of the file to stdout
 *   MiniHdfs xattrs hdfs://host:port/path   its xattrs as name=value lines
 * </pre>
 *
 * Control API on 127.0.0.1 (port in state.json "control"). Every call is synchronous: 200 and a
 * short text once done, 400 for a bad request, 500 and the error when the operation failed.
 * <pre>
 *   POST /namenode/I/stop      stop NameNode I (its ports close)
 *   POST /namenode/I/start     restart it on the same RPC and HTTP(S) ports, same namespace; returns
 *                              once it sees every running DataNode and is out of safe mode. With
 *                              --ha it comes back standby, or active if it was and nobody else is.
 *   POST /namenode/I/active    --ha only: clean failover (the active one steps down first)
 *   POST /namenode/I/standby   --ha only
 *   POST /datanode/I/stop      stop DataNode I; the NameNodes mark it dead at once, so no write is
 *                              sent to it (?expire=false: leave that to the heartbeats: avoided
 *                              for writes after ~3-7 s, dead after ~14 s)
 *   POST /datanode/I/start     restart it on the same ports, wait until the NameNodes see it
 *   POST /shutdown             stop everything, then the JVM exits
 *   GET  /status               {"namenodes":[{"index":0,"state":"active"}],"datanodes":[...]}
 * </pre>
 */
public final class MiniHdfs {
  private static final String NS = "ns1";
  private static final Logger LOG = Logger.getLogger("MiniHdfs");

  private MiniHdfs() {}

  public static void main(String[] args) throws Exception {
    if (args.length < 1) die("usage: MiniHdfs serve|cat|xattrs ...");
    switch (args[0]) {
      case "serve":
        logging(Level.WARN);
        try {
          new MiniHdfs().serve(args);
        } catch (Throwable e) { // the cluster's threads would keep a failed JVM alive
          LOG.error("start-up failed", e);
          System.exit(1);
        }
        break;
      case "cat":
      case "xattrs":
        logging(Level.ERROR);
        if (args.length != 2) die("usage: MiniHdfs " + args[0] + " hdfs://host:port/path");
        System.exit(read(args[0], args[1]));
        break;
      default:
        die("unknown mode: " + args[0]);
    }
  }

  // ---------------------------------------------------------------- logging

  /** Everything to stderr (up.sh sends the server's to DIR/hdfs.log), quiet by default. */
  private static void logging(Level level) {
    LogManager.resetConfiguration();
    Logger root = Logger.getRootLogger();
    root.addAppender(new ConsoleAppender(
        new PatternLayout("%d{ISO8601} %-5p %c{1}: %m%n"), ConsoleAppender.SYSTEM_ERR));
    root.setLevel(level);
    LOG.setLevel(Level.INFO); // our own lines: start, control operations
    // known start-up noise of a test cluster
    for (String name : new String[] {"org.apache.hadoop.util.NativeCodeLoader",
        "org.apache.hadoop.metrics2.impl.MetricsConfig",
        "org.apache.hadoop.security.authentication.server.AuthenticationFilter",
        "org.apache.hadoop.hdfs.server.datanode.web.DatanodeHttpServer",
        "org.apache.hadoop.hdfs.server.datanode.fsdataset.impl.FsDatasetImpl",
        "org.apache.hadoop.hdfs.server.datanode.DirectoryScanner",
        "org.apache.hadoop.hdfs.server.blockmanagement.BlockPlacementPolicy",
        "org.apache.hadoop.hdfs.protocol.BlockStoragePolicy"}) {
      Logger.getLogger(name).setLevel(Level.ERROR);
    }
    // Jersey and friends log through java.util.logging: only severe messages
    java.util.logging.LogManager.getLogManager().reset();
    java.util.logging.Logger jul = java.util.logging.Logger.getLogger("");
    java.util.logging.ConsoleHandler h = new java.util.logging.ConsoleHandler();
    h.setLevel(java.util.logging.Level.SEVERE);
    jul.addHandler(h);
    jul.setLevel(java.util.logging.Level.SEVERE);
  }

  private static void die(String msg) {
    System.err.println(msg);
    System.exit(2);
  }

  // ---------------------------------------------------------------- readers

  /** cat / xattrs through Hadoop's own FileSystem API (hdfs:// RPC). */
  private static int read(String mode, String url) {
    Configuration conf = new HdfsConfiguration();
    conf.setInt("ipc.client.connect.max.retries", 2); // fail fast when the NameNode is down
    conf.setInt("ipc.client.connect.retry.interval", 300);
    try {
      URI uri = URI.create(url);
      if (!"hdfs".equals(uri.getScheme())) throw new IllegalArgumentException("not an hdfs:// URL");
      Path path = new Path(uri.getPath().isEmpty() ? "/" : uri.getPath());
      try (FileSystem fs = FileSystem.newInstance(uri, conf)) {
        if ("cat".equals(mode)) {
          OutputStream out = new FileOutputStream(FileDescriptor.out);
          try (InputStream in = fs.open(path)) {
            IOUtils.copyBytes(in, out, 1 << 16, false);
          }
          out.flush();
        } else {
          StringBuilder sb = new StringBuilder();
          for (Map.Entry<String, byte[]> e : new TreeMap<>(fs.getXAttrs(path)).entrySet()) {
            String v = e.getValue() == null ? "" : new String(e.getValue(), StandardCharsets.UTF_8);
            sb.append(e.getKey()).append('=').append(v).append('\n');
          }
          System.out.print(sb);
          System.out.flush();
        }
      }
      return 0;
    } catch (FileNotFoundException e) {
      System.err.println(mode + ": no such file: " + url);
    } catch (Exception e) {
      String m = String.valueOf(e.getMessage()).split("\n", 2)[0];
      System.err.println(mode + ": " + url + ": " + e.getClass().getSimpleName() + ": " + m);
    }
    return 1;
  }

  // ---------------------------------------------------------------- server

  private File dir;
  private boolean ha;
  private boolean https;
  private MiniDFSCluster cluster;
  private final Object lock = new Object();
  private volatile boolean down;

  /** Fixed ports, chosen up front so that restarts come back on the same ones. */
  private final List<Integer> nnRpc = new ArrayList<>();
  private final List<Integer> nnWeb = new ArrayList<>();
  private final List<Boolean> nnWasActive = new ArrayList<>();
  private final List<DnSlot> dns = new ArrayList<>();

  /** A DataNode by its stable index: MiniDFSCluster's own list shifts on stop/restart. */
  private static final class DnSlot {
    int xferPort;
    int webPort;
    DataNodeProperties stopped; // non-null while stopped
  }

  private void serve(String[] args) throws Exception {
    int n = 2;
    for (int i = 1; i < args.length; i++) {
      switch (args[i]) {
        case "--dir": dir = new File(args[++i]).getAbsoluteFile(); break;
        case "--datanodes": n = Integer.parseInt(args[++i]); break;
        case "--ha": ha = true; break;
        case "--https": https = true; break;
        case "--conf": {
          String kv = args[++i];
          int eq = kv.indexOf('=');
          if (eq < 1) die("serve: --conf needs key=value: " + kv);
          extraConf.put(kv.substring(0, eq), kv.substring(eq + 1));
          break;
        }
        default: die("serve: unknown option " + args[i]);
      }
    }
    if (dir == null || n < 1) die("usage: MiniHdfs serve --dir DIR [--datanodes N] [--ha] [--https]");
    long t0 = System.nanoTime();
    String pid = Long.toString(ProcessHandle.current().pid());
    writeAtomic(new File(dir, "hdfs.pid"), pid + "\n");

    // Ports are picked up front (so that restarts reuse them): another process may still take
    // one before we bind it. Then start again on new ports.
    for (int attempt = 1; ; attempt++) {
      try {
        startCluster(n);
        break;
      } catch (IOException e) {
        if (attempt >= 3 || !bindFailure(e)) throw e;
        LOG.warn("a port was taken (" + e.getMessage() + "), starting again on other ports");
      }
    }

    Runtime.getRuntime().addShutdownHook(new Thread(this::stopAll, "minihdfs-shutdown"));
    HttpServer control = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
    control.createContext("/", this::handle);
    control.setExecutor(Executors.newFixedThreadPool(4, r -> {
      Thread t = new Thread(r, "minihdfs-control");
      t.setDaemon(true);
      return t;
    }));
    control.start();
    writeState(pid, control.getAddress().getPort());
    LOG.info(String.format("up in %.1f s: %s, control port %d", (System.nanoTime() - t0) / 1e9,
        "hdfs://127.0.0.1:" + nnRpc.get(0), control.getAddress().getPort()));
    Thread.currentThread().join(); // the cluster's threads and the control server do the work
  }

  private void startCluster(int n) throws IOException {
    Configuration conf = config(n);
    Set<Integer> used = new HashSet<>();
    nnRpc.clear();
    nnWeb.clear();
    nnWasActive.clear();
    dns.clear();
    int nns = ha ? 2 : 1;
    for (int i = 0; i < nns; i++) {
      nnRpc.add(freePort(used));
      nnWeb.add(freePort(used));
      nnWasActive.add(i == 0);
    }
    MiniDFSNNTopology topo;
    if (ha) {
      MiniDFSNNTopology.NSConf ns = new MiniDFSNNTopology.NSConf(NS);
      for (int i = 0; i < nns; i++) {
        ns.addNN(new MiniDFSNNTopology.NNConf("nn" + i)
            .setIpcPort(nnRpc.get(i)).setHttpPort(https ? 0 : nnWeb.get(i)));
        if (https) conf.set("dfs.namenode.https-address." + NS + ".nn" + i, "127.0.0.1:" + nnWeb.get(i));
      }
      topo = new MiniDFSNNTopology().addNameservice(ns);
    } else {
      topo = MiniDFSNNTopology.simpleSingleNN(nnRpc.get(0), https ? 0 : nnWeb.get(0));
      if (https) conf.set("dfs.namenode.https-address", "127.0.0.1:" + nnWeb.get(0));
    }
    // every DataNode port fixed too (an overlay each; checkDataNodeAddrConfig keeps them)
    Configuration[] overlays = new Configuration[n];
    for (int i = 0; i < n; i++) {
      DnSlot s = new DnSlot();
      s.xferPort = freePort(used);
      s.webPort = freePort(used);
      overlays[i] = new Configuration(false);
      overlays[i].set("dfs.datanode.address", "127.0.0.1:" + s.xferPort);
      overlays[i].set("dfs.datanode.ipc.address", "127.0.0.1:" + freePort(used));
      // under HTTPS_ONLY only the https server starts
      overlays[i].set(https ? "dfs.datanode.https.address" : "dfs.datanode.http.address",
          "127.0.0.1:" + s.webPort);
      dns.add(s);
    }

    for (int port : nnWeb) warmUp(port);
    cluster = new MiniDFSCluster.Builder(conf, new File(dir, "data"))
        .nnTopology(topo)
        .numDataNodes(n)
        .dataNodeConfOverlays(overlays)
        .checkDataNodeAddrConfig(true)
        .checkExitOnShutdown(false)
        .format(true)
        .build(); // shuts itself down when it fails
    if (ha) cluster.transitionToActive(0);
    cluster.waitActive();
    try {
      waitDataNodes(0);
    } catch (Exception e) {
      throw new IOException(e);
    }
  }

  private static boolean bindFailure(Throwable e) {
    for (; e != null; e = e.getCause()) {
      if (e instanceof java.net.BindException || String.valueOf(e.getMessage()).contains("Address already in use")) {
        return true;
      }
    }
    return false;
  }

  /** Cluster configuration: see the comments for the why of each value. */
  /** --conf key=value: NameNode and DataNode settings (e.g. dfs.batched.ls.limit for the bench) */
  private final java.util.Map<String, String> extraConf = new java.util.LinkedHashMap<>();

  private Configuration config(int n) {
    Configuration conf = new HdfsConfiguration();
    for (java.util.Map.Entry<String, String> e : extraConf.entrySet()) conf.set(e.getKey(), e.getValue());
    conf.setBoolean("dfs.webhdfs.enabled", true);
    conf.setBoolean("dfs.permissions.enabled", true); // 403 for other users; superuser = us
    conf.setBoolean("dfs.namenode.xattrs.enabled", true);
    conf.setInt("dfs.replication", Math.min(2, n));
    conf.setInt("dfs.namenode.replication.min", 1);
    // keep writing with the DataNodes that are left when one dies mid-pipeline
    conf.setBoolean("dfs.client.block.write.replace-datanode-on-failure.enable", false);
    conf.set("dfs.client.block.write.replace-datanode-on-failure.policy", "NEVER");
    // notice a dead DataNode fast: stale (avoided for writes) after 3 s, dead after ~14 s
    conf.setLong("dfs.heartbeat.interval", 1);
    conf.setInt("dfs.namenode.heartbeat.recheck-interval", 2000);
    conf.setLong("dfs.namenode.stale.datanode.interval", 3000);
    conf.setBoolean("dfs.namenode.avoid.write.stale.datanode", true);
    conf.setBoolean("dfs.namenode.avoid.read.stale.datanode", true);
    conf.setInt("dfs.namenode.redundancy.interval.seconds", 1);
    // never wait in safe mode, also after a NameNode restart
    conf.setFloat("dfs.namenode.safemode.threshold-pct", 0f);
    conf.setInt("dfs.namenode.safemode.extension", 0);
    conf.setInt("dfs.namenode.safemode.min.datanodes", 0);
    // Idle RPC connections close after 1 s: a NameNode restart (> 1 s) then never meets a
    // connection to its old self cached in a DataNode (its first call would fail with EOF)
    conf.setInt("ipc.client.connection.maxidletime", 1000);
    // HA: the standby follows the shared edits quickly
    conf.set("dfs.ha.tail-edits.period", "500ms");
    conf.setBoolean("dfs.ha.automatic-failover.enabled", false);
    // WebHDFS redirects may name the nameservice (namenoderpcaddress=ns1): the DataNodes'
    // own client must be able to fail over between the NameNodes to resolve it
    conf.set("dfs.client.failover.proxy.provider." + NS,
        "org.apache.hadoop.hdfs.server.namenode.ha.ConfiguredFailoverProxyProvider");
    // An HttpFS gateway (up.sh --httpfs) runs as this same OS user and acts for the user.name
    // of each request: the NameNodes must let this user impersonate anyone, from anywhere
    String me = System.getProperty("user.name");
    try {
      me = org.apache.hadoop.security.UserGroupInformation.getLoginUser().getShortUserName();
    } catch (IOException e) {
      // keep the OS user name
    }
    conf.set("hadoop.proxyuser." + me + ".hosts", "*");
    conf.set("hadoop.proxyuser." + me + ".groups", "*");
    if (https) {
      conf.set("dfs.http.policy", "HTTPS_ONLY");
      // each DataNode's https address is set per node (overlay): a set() here would win over it
      // ssl-server.xml / ssl-client.xml are in up.sh's conf dir, on the classpath
      conf.set("dfs.https.server.keystore.resource", "ssl-server.xml");
      conf.set("dfs.client.https.keystore.resource", "ssl-client.xml");
    }
    return conf;
  }

  /**
   * WebHDFS (Jersey) initialises on its first request, ~2-3 s: make that request as soon as
   * the NameNode's HTTP port opens, in parallel with the DataNodes' start-up.
   */
  private void warmUp(int port) {
    Thread t = new Thread(() -> {
      long end = System.currentTimeMillis() + 120_000;
      while (System.currentTimeMillis() < end) {
        try {
          HttpURLConnection c = (HttpURLConnection) new URL(web(port)
              + "/webhdfs/v1/?op=GETFILESTATUS&user.name=warmup").openConnection();
          if (c instanceof HttpsURLConnection) { // loopback, our own certificate: not checked
            HttpsURLConnection hc = (HttpsURLConnection) c;
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(null, new TrustManager[] {new X509TrustManager() {
              public void checkClientTrusted(X509Certificate[] chain, String auth) {}
              public void checkServerTrusted(X509Certificate[] chain, String auth) {}
              public X509Certificate[] getAcceptedIssuers() { return new X509Certificate[0]; }
            }}, null);
            hc.setSSLSocketFactory(ctx.getSocketFactory());
            hc.setHostnameVerifier((h, sess) -> true);
          }
          c.setConnectTimeout(1000);
          c.setReadTimeout(30_000);
          c.getResponseCode(); // any answer: Jersey is up
          c.disconnect();
          return;
        } catch (Exception e) {
          sleep(100); // not listening yet
        }
      }
    }, "minihdfs-warmup");
    t.setDaemon(true);
    t.start();
  }

  /**
   * A free loopback port below the kernel's ephemeral range (ip_local_port_range), so that
   * no outgoing connection can grab it between now and the bind, nor before a restart.
   */
  private static int freePort(Set<Integer> used) throws IOException {
    int hi = 32768;
    try {
      String r = Files.readAllLines(new File("/proc/sys/net/ipv4/ip_local_port_range").toPath()).get(0);
      hi = Integer.parseInt(r.trim().split("\\s+")[0]);
    } catch (Exception e) {
      // not Linux: the usual default
    }
    int lo = Math.max(1024, hi - 12_000);
    java.util.Random rnd = new java.util.Random();
    for (int tries = 0; tries < 1000; tries++) {
      int port = lo + rnd.nextInt(hi - lo);
      if (used.contains(port)) continue;
      try (ServerSocket s = new ServerSocket()) {
        s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 1);
        used.add(port);
        return port;
      } catch (IOException e) {
        // taken: try another
      }
    }
    throw new IOException("no free port in " + lo + ".." + hi);
  }

  // ---------------------------------------------------------------- control

  private void handle(HttpExchange ex) throws IOException {
    String path = ex.getRequestURI().getPath();
    String query = ex.getRequestURI().getQuery() == null ? "" : ex.getRequestURI().getQuery();
    String[] p = path.replaceAll("^/+|/+$", "").split("/");
    int code = 200;
    String body;
    try {
      if ("GET".equals(ex.getRequestMethod()) && path.equals("/status")) {
        synchronized (lock) {
          body = status();
        }
      } else if (!"POST".equals(ex.getRequestMethod())) {
        code = 405;
        body = "use POST (GET only for /status)";
      } else if (p.length == 1 && p[0].equals("shutdown")) {
        stopAll();
        body = "shut down";
        new Thread(() -> {
          sleep(300); // let the response go out first
          System.exit(0);
        }).start();
      } else if (p.length == 3 && (p[0].equals("namenode") || p[0].equals("datanode"))) {
        int i = Integer.parseInt(p[1]);
        synchronized (lock) {
          if (down) throw new IllegalStateException("cluster is shut down");
          body = p[0].equals("namenode") ? namenode(i, p[2]) : datanode(i, p[2], query);
        }
      } else {
        code = 404;
        body = "unknown: " + ex.getRequestMethod() + " " + path;
      }
    } catch (IllegalArgumentException e) {
      code = 400;
      body = e.getMessage();
    } catch (Throwable e) {
      code = 500;
      body = e.getClass().getSimpleName() + ": " + e.getMessage();
      LOG.warn("control " + path + " failed", e);
    }
    if (!path.equals("/status")) {
      LOG.info("control " + ex.getRequestMethod() + " " + path + " -> " + code + " " + body);
    }
    byte[] b = (body + "\n").getBytes(StandardCharsets.UTF_8);
    ex.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
    ex.sendResponseHeaders(code, b.length);
    try (OutputStream os = ex.getResponseBody()) {
      os.write(b);
    }
  }

  private String namenode(int i, String op) throws Exception {
    if (i < 0 || i >= nnRpc.size()) throw new IllegalArgumentException("no namenode " + i);
    NameNode nn = cluster.getNameNode(i);
    switch (op) {
      case "stop":
        if (nn == null) return "namenode " + i + " already stopped";
        nnWasActive.set(i, nn.isActiveState());
        cluster.shutdownNameNode(i);
        return "namenode " + i + " stopped";
      case "start":
        if (nn != null) return "namenode " + i + " already running (" + state(i) + ")";
        cluster.restartNameNode(i, false);
        // HA: it comes back standby; it takes its active role back when nobody else has it
        if (ha && nnWasActive.get(i) && activeIndex() < 0) cluster.transitionToActive(i);
        waitDataNodes(i);
        return "namenode " + i + " started (" + state(i) + ") on 127.0.0.1:" + nnRpc.get(i);
      case "active":
      case "standby":
        if (!ha) throw new IllegalArgumentException("not an HA cluster (start with --ha)");
        if (nn == null) throw new IllegalStateException("namenode " + i + " is stopped");
        if (op.equals("active")) {
          // a clean failover: the current active steps down first
          for (int k = 0; k < nnRpc.size(); k++) {
            if (k != i && cluster.getNameNode(k) != null
                && cluster.getNameNode(k).isActiveState()) {
              cluster.transitionToStandby(k);
            }
          }
          cluster.transitionToActive(i);
          waitDataNodes(i);
        } else {
          cluster.transitionToStandby(i);
        }
        return "namenode " + i + " " + state(i);
      default:
        throw new IllegalArgumentException("unknown namenode operation: " + op);
    }
  }

  private String datanode(int i, String op, String query) throws Exception {
    if (i < 0 || i >= dns.size()) throw new IllegalArgumentException("no datanode " + i);
    DnSlot s = dns.get(i);
    switch (op) {
      case "stop": {
        if (s.stopped != null) return "datanode " + i + " already stopped";
        DataNode dn = cluster.getDataNodes().get(indexOf(s));
        DatanodeID id = dn.getDatanodeId();
        s.stopped = cluster.stopDataNode(indexOf(s));
        // By default every NameNode learns at once that it is dead (no redirects to it);
        // ?expire=false leaves it to the heartbeats (avoided after ~3-7 s, dead after ~14 s).
        if (!query.contains("expire=false")) {
          for (int k = 0; k < nnRpc.size(); k++) {
            if (cluster.getNameNode(k) == null) continue;
            FSNamesystem ns = cluster.getNamesystem(k);
            DFSTestUtil.setDatanodeDead(NameNodeAdapter.getDatanode(ns, id));
            BlockManagerTestUtil.checkHeartbeat(ns.getBlockManager());
          }
        }
        return "datanode " + i + " stopped";
      }
      case "start":
        if (s.stopped == null) return "datanode " + i + " already running";
        cluster.restartDataNode(s.stopped, true);
        s.stopped = null;
        for (int k = 0; k < nnRpc.size(); k++) {
          if (cluster.getNameNode(k) != null) waitDataNodes(k);
        }
        return "datanode " + i + " started on 127.0.0.1:" + s.xferPort;
      default:
        throw new IllegalArgumentException("unknown datanode operation: " + op);
    }
  }

  private int indexOf(DnSlot s) {
    List<DataNode> list = cluster.getDataNodes();
    for (int k = 0; k < list.size(); k++) {
      if (list.get(k).getXferPort() == s.xferPort) return k;
    }
    throw new IllegalStateException("datanode on port " + s.xferPort + " not found");
  }

  private int activeIndex() {
    for (int k = 0; k < nnRpc.size(); k++) {
      NameNode nn = cluster.getNameNode(k);
      if (nn != null && nn.isActiveState()) return k;
    }
    return -1;
  }

  private String state(int i) {
    NameNode nn = cluster.getNameNode(i);
    return nn == null ? "stopped" : nn.getState().toLowerCase();
  }

  /**
   * Wait until NameNode i sees every running DataNode live, with storage and a first block
   * report, and (when active) is out of safe mode: then writes and reads work through it.
   */
  private void waitDataNodes(int i) throws Exception {
    NameNode nn = cluster.getNameNode(i);
    long end = System.currentTimeMillis() + 60_000;
    while (true) {
      String missing = dataNodesMissing(nn);
      if (missing.isEmpty()) break;
      if (System.currentTimeMillis() > end) {
        throw new IllegalStateException("timed out: namenode " + i + " does not see " + missing);
      }
      Thread.sleep(100);
    }
    if (nn.isActiveState()) {
      end = System.currentTimeMillis() + 30_000;
      while (nn.getNamesystem().isInSafeMode()) {
        if (System.currentTimeMillis() > end) {
          throw new IllegalStateException("timed out: namenode " + i + " stays in safe mode");
        }
        Thread.sleep(100);
      }
    }
  }

  /** What NameNode nn lacks about the running DataNodes ("" when nothing). */
  private String dataNodesMissing(NameNode nn) {
    Map<Integer, DatanodeDescriptor> live = new TreeMap<>();
    for (DatanodeDescriptor d : nn.getNamesystem().getBlockManager().getDatanodeManager()
        .getDatanodeListForReport(DatanodeReportType.LIVE)) {
      live.put(d.getXferPort(), d);
    }
    StringBuilder sb = new StringBuilder();
    for (int k = 0; k < dns.size(); k++) {
      DnSlot s = dns.get(k);
      if (s.stopped != null) continue;
      DatanodeDescriptor d = live.get(s.xferPort);
      String why = d == null ? "not live" : d.getRemaining() <= 0 ? "no storage reported"
          : !d.checkBlockReportReceived() ? "no block report" : null;
      if (why != null) sb.append(sb.length() > 0 ? ", " : "").append("datanode ").append(k).append(" (").append(why).append(')');
    }
    return sb.toString();
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Stop the cluster once (control /shutdown or SIGTERM) and remove the state files. */
  private void stopAll() {
    synchronized (lock) {
      if (down) return;
      down = true;
      LOG.info("shutting down");
      try {
        cluster.shutdown();
      } catch (Throwable e) {
        LOG.warn("shutdown", e);
      }
      for (String f : new String[] {"state.json", "env", "hdfs.pid"}) new File(dir, f).delete();
    }
  }

  // ---------------------------------------------------------------- state files

  private String web(int port) {
    return (https ? "https" : "http") + "://127.0.0.1:" + port;
  }

  private String status() {
    StringBuilder sb = new StringBuilder("{\"namenodes\":[");
    for (int i = 0; i < nnRpc.size(); i++) {
      sb.append(i > 0 ? "," : "").append("{\"index\":").append(i)
          .append(",\"state\":").append(q(state(i))).append('}');
    }
    sb.append("],\"datanodes\":[");
    for (int i = 0; i < dns.size(); i++) {
      sb.append(i > 0 ? "," : "").append("{\"index\":").append(i).append(",\"state\":")
          .append(q(dns.get(i).stopped == null ? "running" : "stopped")).append('}');
    }
    return sb.append("]}").toString();
  }

  private void writeState(String pid, int controlPort) throws IOException {
    String user = org.apache.hadoop.security.UserGroupInformation.getCurrentUser().getShortUserName();
    String ca = https ? new File(dir, "tls/ca.pem").getPath() : null;
    String scheme = https ? "swebhdfs://" : "webhdfs://";
    StringBuilder webUrl = new StringBuilder(scheme);
    StringBuilder sb = new StringBuilder("{\n");
    sb.append("  \"pid\": ").append(pid).append(",\n");
    sb.append("  \"hdfs\": ").append(q("hdfs://127.0.0.1:" + nnRpc.get(0))).append(",\n");
    sb.append("  \"webhdfs\": [");
    for (int i = 0; i < nnWeb.size(); i++) {
      sb.append(i > 0 ? ", " : "").append(q(web(nnWeb.get(i))));
      webUrl.append(i > 0 ? "," : "").append("127.0.0.1:").append(nnWeb.get(i));
    }
    sb.append("],\n  \"namenodes\": [");
    for (int i = 0; i < nnRpc.size(); i++) {
      sb.append(i > 0 ? ", " : "").append("{\"rpc\": ").append(q("127.0.0.1:" + nnRpc.get(i)))
          .append(", \"http\": ").append(q(web(nnWeb.get(i)))).append('}');
    }
    sb.append("],\n  \"control\": ").append(q("http://127.0.0.1:" + controlPort)).append(",\n");
    sb.append("  \"datanodes\": [");
    for (int i = 0; i < dns.size(); i++) {
      sb.append(i > 0 ? ", " : "").append("{\"http\": ").append(q(web(dns.get(i).webPort))).append('}');
    }
    sb.append("],\n  \"user\": ").append(q(user)).append(",\n");
    sb.append("  \"ha\": ").append(ha).append(",\n");
    sb.append("  \"https\": ").append(https).append(",\n");
    sb.append("  \"ca\": ").append(ca == null ? "null" : q(ca)).append(",\n");
    // up.sh --httpfs puts the gateway's URL here once it answers
    sb.append("  \"httpfs\": null\n}\n");

    // for the scripts: shell-quoted, no JSON parser needed
    String env = "PID=" + pid + "\n"
        + "HDFS_URL='hdfs://127.0.0.1:" + nnRpc.get(0) + "'\n"
        + "WEB_URL='" + webUrl + "'\n"
        + "HEALTH_URL='" + web(nnWeb.get(0)) + "/webhdfs/v1/?op=GETFILESTATUS&user.name=" + user + "'\n"
        + "CONTROL_URL='http://127.0.0.1:" + controlPort + "'\n"
        + "CA='" + (ca == null ? "" : ca) + "'\n"
        + "HDFS_USER='" + user + "'\n";
    writeAtomic(new File(dir, "env"), env);
    writeAtomic(new File(dir, "state.json"), sb.toString());
  }

  private static String q(String s) {
    StringBuilder sb = new StringBuilder("\"");
    for (char c : s.toCharArray()) {
      if (c == '"' || c == '\\') sb.append('\\').append(c);
      else if (c < 0x20) sb.append(String.format("\\u%04x", (int) c));
      else sb.append(c);
    }
    return sb.append('"').toString();
  }

  private static void writeAtomic(File f, String text) throws IOException {
    File tmp = new File(f.getPath() + ".tmp");
    Files.write(tmp.toPath(), text.getBytes(StandardCharsets.UTF_8));
    Files.move(tmp.toPath(), f.toPath(), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }
}
