package org.skingraph.launcher;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import org.neo4j.dbms.api.DatabaseManagementService;
import org.neo4j.dbms.api.DatabaseManagementServiceBuilder;
import org.neo4j.graphdb.GraphDatabaseService;

/**
 * Launcher runs Neo4j Community (embedded) with Bolt enabled on a loopback address.
 *
 * <p>Usage: {@code java -cp ... org.skingraph.launcher.Launcher --data DIR --address 127.0.0.1
 * --port 7687 [--pagecache 512m] [--tx-memory 256m] [--setting KEY=VALUE]... [--exit-on-stdin-eof]}. The password of the {@code neo4j} user
 * is read from the environment variable {@code SKINGRAPH_NEO4J_PASSWORD} (never from the command
 * line, which other users can read). When Bolt answers, one line {@code SKINGRAPH_NEO4J_READY
 * bolt://ADDRESS:PORT} is printed on standard output. SIGTERM (or, with --exit-on-stdin-eof, the
 * parent closing our standard input) shuts the database down cleanly.
 *
 * <p>Cypher gets no file or network access beyond the graph: {@code LOAD CSV} may not read file
 * URLs ({@code dbms.security.allow_csv_import_from_file_urls=false}) and its import root is the
 * empty folder {@code DATA/import} ({@code server.directories.import}), so that even a setting
 * changed by mistake exposes no file. Every transaction may use at most {@code --tx-memory} of
 * heap ({@code db.memory.transaction.max}): one runaway query fails alone instead of taking the
 * whole transaction pool ({@code dbms.memory.transaction.total.max}, 70% of the heap) from
 * everyone else.
 *
 * <p>Each {@code --setting KEY=VALUE} adds one Neo4j setting after the launcher's own; the
 * test servers use it for a quicker shutdown (Bolt's Netty quiet period). It cannot change a
 * setting the launcher sets (loopback address, authentication, file access, memory).
 */
public final class Launcher {
  private Launcher() {}

  public static void main(String[] args) throws Exception {
    Map<String, String> extra = new LinkedHashMap<>();
    Map<String, String> opts = parse(args, extra);
    Path data = Path.of(required(opts, "data")).toAbsolutePath();
    String address = opts.getOrDefault("address", "127.0.0.1");
    String port = required(opts, "port");
    String pagecache = opts.getOrDefault("pagecache", "512m");
    String txMemory = opts.getOrDefault("tx-memory", "256m");
    String password = System.getenv("SKINGRAPH_NEO4J_PASSWORD");
    if (password == null || password.length() < 8) {
      fail("SKINGRAPH_NEO4J_PASSWORD must be set to at least 8 characters");
    }
    if (!address.startsWith("127.") && !address.equals("localhost") && !address.equals("::1")) {
      fail("refusing to listen on non-loopback address " + address);
    }

    Files.createDirectories(data);
    Path imports = data.resolve("import");
    Files.createDirectories(imports);
    Path conf = data.resolve("skingraph-neo4j.conf");
    Map<String, String> settings = new LinkedHashMap<>();
    settings.put("server.bolt.enabled", "true");
    settings.put("server.bolt.listen_address", address + ":" + port);
    settings.put("server.bolt.advertised_address", address + ":" + port);
    settings.put("server.bolt.tls_level", "DISABLED");
    settings.put("server.http.enabled", "false");
    settings.put("server.https.enabled", "false");
    settings.put("server.memory.pagecache.size", pagecache);
    settings.put("dbms.security.auth_enabled", "true");
    settings.put("dbms.usage_report.enabled", "false");
    settings.put("db.tx_log.rotation.retention_policy", "2 files");
    settings.put("dbms.security.allow_csv_import_from_file_urls", "false");
    settings.put("server.directories.import", imports.toString());
    settings.put("db.memory.transaction.max", txMemory);
    for (Map.Entry<String, String> e : extra.entrySet()) {
      if (settings.containsKey(e.getKey())) {
        fail("--setting may not change " + e.getKey() + ", which the launcher sets");
      }
      settings.put(e.getKey(), e.getValue());
    }
    StringBuilder sb = new StringBuilder("# written by the skingraph launcher at every start\n");
    settings.forEach((k, v) -> sb.append(k).append('=').append(v).append('\n'));
    Files.writeString(conf, sb.toString(), StandardCharsets.UTF_8);

    DatabaseManagementService dbms =
        new DatabaseManagementServiceBuilder(data).loadPropertiesFromFile(conf).build();
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  dbms.shutdown();
                  stopped.countDown();
                },
                "skingraph-neo4j-shutdown"));

    setPassword(dbms.database("system"), password);
    // Touch the default database so that the first Bolt query does not pay its start.
    dbms.database("neo4j").executeTransactionally("RETURN 1");

    PrintStream out = System.out;
    out.println("SKINGRAPH_NEO4J_READY bolt://" + address + ":" + port);
    out.flush();

    if (opts.containsKey("exit-on-stdin-eof")) {
      Thread watcher = new Thread(Launcher::exitOnStdinEof, "skingraph-stdin-watch");
      watcher.setDaemon(true);
      watcher.start();
    }
    stopped.await();
  }

  /** setPassword sets the neo4j user's password; a database that already has it is left alone. */
  private static void setPassword(GraphDatabaseService system, String password) {
    try {
      system.executeTransactionally(
          "ALTER USER neo4j SET PASSWORD $password CHANGE NOT REQUIRED",
          Map.of("password", password));
    } catch (RuntimeException e) {
      String msg = String.valueOf(e.getMessage());
      if (!msg.contains("Old password and new password cannot be the same")) {
        throw e;
      }
    }
  }

  private static void exitOnStdinEof() {
    InputStream in = System.in;
    byte[] buf = new byte[256];
    try {
      while (in.read(buf) >= 0) {
        // keep reading until the parent closes the pipe
      }
    } catch (IOException ignored) {
      // a broken pipe means the parent is gone too
    }
    System.exit(0);
  }

  private static Map<String, String> parse(String[] args, Map<String, String> extra) {
    Map<String, String> opts = new LinkedHashMap<>();
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      if (!a.startsWith("--")) {
        fail("unexpected argument " + a);
      }
      String key = a.substring(2);
      if (key.equals("exit-on-stdin-eof")) {
        opts.put(key, "true");
      } else if (key.equals("setting") && i + 1 < args.length) {
        String kv = args[++i];
        int eq = kv.indexOf('=');
        if (eq <= 0) {
          fail("--setting wants KEY=VALUE, got " + kv);
        }
        extra.put(kv.substring(0, eq).trim(), kv.substring(eq + 1).trim());
      } else if (i + 1 < args.length) {
        opts.put(key, args[++i]);
      } else {
        fail("missing value for " + a);
      }
    }
    return opts;
  }

  private static String required(Map<String, String> opts, String key) {
    String v = opts.get(key);
    if (v == null || v.isEmpty()) {
      fail("missing --" + key);
    }
    return v;
  }

  private static void fail(String msg) {
    System.err.println("skingraph-neo4j-launcher: " + msg);
    System.exit(2);
  }
}
