package dev.jmesh.controlplane;

import dev.jmesh.controlplane.ca.CaCommand;
import dev.jmesh.controlplane.config.Diagnostic;
import dev.jmesh.controlplane.internal.config.ConfigStore;
import dev.jmesh.controlplane.internal.config.DirectoryConfigSource;
import dev.jmesh.controlplane.internal.config.MeshSnapshot;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.List;

/**
 * {@code java -jar control-plane.jar --config-dir DIR [--xds-port 15010] [--http-port 15014]}
 * runs the control plane; {@code java -jar control-plane.jar analyze DIR} checks a directory
 * and exits 1 when it has errors.
 */
public final class ControlPlaneMain {
  private ControlPlaneMain() {}

  static final String USAGE = String.join("\n",
      "Usage:",
      "  java -jar control-plane.jar --config-dir DIR [options]   run the control plane",
      "  java -jar control-plane.jar analyze DIR                  check DIR like istioctl analyze",
      CaCommand.USAGE.stripTrailing(),
      "",
      "Options:",
      "  --config-dir DIR   directory of Istio YAML (and mesh.yaml), watched for changes",
      "  --xds-port N       plaintext xDS (ADS) port, default 15010; 0 picks a free port;"
          + " off serves xDS only on the TLS port (needs --ca-dir)",
      "  --http-port N      debug HTTP port (/ready, /metrics, /debug/...), default 15014;",
      "                     0 picks a free port",
      "  --bind ADDRESS     address to listen on, default 127.0.0.1",
      "  --ca-dir DIR       run the certificate authority from DIR (Istio's cacerts layout;",
      "                     a root is generated on first start) and serve it over TLS",
      "  --secure-port N    TLS port of the CA, default 15012; 0 picks a free port",
      "  --max-cert-ttl D   longest certificate lifetime granted (e.g. 90d, 24h), default 90d",
      "  --state-dir DIR    keep registered workloads here across restarts; default the",
      "                     --ca-dir, none without one",
      "  --help             print this help",
      "");

  /** Thrown for a command line that cannot be run; its message says what to change. */
  static final class UsageException extends Exception {
    private static final long serialVersionUID = 1L;

    UsageException(String message) {
      super(message);
    }
  }

  /** Parsed command line. */
  record Options(boolean help, boolean analyze, Path configDir, int xdsPort, int httpPort,
      String bind, Path caDir, int securePort, Duration maxCertTtl, Path stateDir) {}

  public static void main(String[] args) throws Exception {
    System.exit(run(args, System.out, System.err));
  }

  /** Runs the command; returns the exit code (blocks while serving). */
  static int run(String[] args, PrintStream out, PrintStream err) throws Exception {
    if (CaCommand.handles(args)) {
      return CaCommand.run(args, out, err);
    }
    Options options;
    try {
      options = parse(args);
    } catch (UsageException e) {
      err.println("error: " + e.getMessage());
      err.println("run with --help for usage");
      return 2;
    }
    if (options.help()) {
      out.print(USAGE);
      return 0;
    }
    if (options.analyze()) {
      return analyze(options.configDir(), out);
    }
    ControlPlane cp = ControlPlane.builder()
        .configDir(options.configDir())
        .bindAddress(options.bind())
        .xdsPort(options.xdsPort())
        .httpPort(options.httpPort())
        .caDir(options.caDir())
        .securePort(options.securePort())
        .maxCertificateTtl(options.maxCertTtl())
        .stateDir(options.stateDir())
        .build();
    try {
      cp.start();
    } catch (IOException e) {
      err.println("error: cannot start: " + e.getMessage());
      cp.close();
      return 1;
    }
    out.println("jmesh control plane: xDS on "
        + (cp.xdsPort() < 0 ? "TLS only" : options.bind() + ":" + cp.xdsPort())
        + ", HTTP on " + options.bind() + ":" + cp.httpPort()
        + (cp.certificateAuthority() != null ? ", CA (TLS) on " + options.bind() + ":"
            + cp.certificateAuthority().port() : "")
        + ", config "
        + options.configDir() + " (version " + cp.snapshot().version() + ")");
    Runtime.getRuntime().addShutdownHook(new Thread(cp::close, "jmesh-shutdown"));
    cp.awaitTermination();
    return 0;
  }

  static int analyze(Path dir, PrintStream out) throws IOException {
    MeshSnapshot snapshot = new ConfigStore().apply(
        List.of(new DirectoryConfigSource(dir).read()));
    long errors = 0;
    for (Diagnostic d : snapshot.diagnostics()) {
      out.println(d.format());
      errors += d.isError() ? 1 : 0;
    }
    if (errors == 0) {
      out.println("✔ No validation issues found when analyzing " + dir + " ("
          + snapshot.resources().size() + " resources, " + snapshot.registry().services().size()
          + " services)");
      return 0;
    }
    out.println(errors + " error(s) found in " + dir);
    return 1;
  }

  static Options parse(String[] args) throws UsageException {
    boolean help = false;
    boolean analyze = false;
    Path dir = null;
    int xds = 15010;
    int http = 15014;
    String bind = "127.0.0.1";
    Path caDir = null;
    int secure = 15012;
    Duration maxTtl = Duration.ofDays(90);
    Path stateDir = null;
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      String value = null;
      int eq = a.indexOf('=');
      if (a.startsWith("--") && eq > 0) {
        value = a.substring(eq + 1);
        a = a.substring(0, eq);
      }
      switch (a) {
        case "--help":
        case "-h":
          help = true;
          break;
        case "analyze":
          if (i != 0) {
            throw new UsageException("analyze must come first: analyze DIR");
          }
          analyze = true;
          if (i + 1 < args.length && !args[i + 1].startsWith("--")) {
            dir = Paths.get(args[++i]);
          }
          break;
        case "--config-dir":
          dir = Paths.get(value != null ? value : next(args, ++i, a));
          break;
        case "--xds-port": {
          String v = value != null ? value : next(args, ++i, a);
          xds = v.equals("off") ? -1 : port(v, a);
          break;
        }
        case "--http-port":
          http = port(value != null ? value : next(args, ++i, a), a);
          break;
        case "--bind":
          bind = value != null ? value : next(args, ++i, a);
          break;
        case "--ca-dir":
          caDir = Paths.get(value != null ? value : next(args, ++i, a));
          break;
        case "--secure-port":
          secure = port(value != null ? value : next(args, ++i, a), a);
          break;
        case "--state-dir":
          stateDir = Paths.get(value != null ? value : next(args, ++i, a));
          break;
        case "--max-cert-ttl": {
          String text = value != null ? value : next(args, ++i, a);
          try {
            maxTtl = CaCommand.duration(text);
          } catch (IllegalArgumentException e) {
            throw new UsageException(a + ": " + e.getMessage());
          }
          break;
        }
        default:
          throw new UsageException("unknown option '" + args[i] + "'");
      }
    }
    if (help) {
      return new Options(true, false, dir, xds, http, bind, caDir, secure, maxTtl, null);
    }
    if (dir == null) {
      throw new UsageException(analyze ? "analyze needs a directory: analyze DIR"
          : "--config-dir DIR is required");
    }
    if (!Files.isDirectory(dir)) {
      throw new UsageException("config directory " + dir + " does not exist or is not a"
          + " directory");
    }
    if (!analyze && xds < 0 && caDir == null) {
      throw new UsageException("--xds-port off leaves no xDS port: add --ca-dir, so xDS is"
          + " served on the TLS port");
    }
    if (!analyze && xds > 0 && xds == http) {
      throw new UsageException("--xds-port and --http-port are both " + xds);
    }
    if (!analyze && caDir != null && secure != 0 && (secure == xds || secure == http)) {
      throw new UsageException("--secure-port " + secure + " is also the xDS or HTTP port");
    }
    return new Options(false, analyze, dir, xds, http, bind, caDir, secure, maxTtl,
        stateDir != null ? stateDir : caDir);
  }

  private static String next(String[] args, int i, String flag) throws UsageException {
    if (i >= args.length || args[i].startsWith("--")) {
      throw new UsageException(flag + " needs a value");
    }
    return args[i];
  }

  private static int port(String value, String flag) throws UsageException {
    try {
      int p = Integer.parseInt(value);
      if (p < 0 || p > 65535) {
        throw new NumberFormatException();
      }
      return p;
    } catch (NumberFormatException e) {
      throw new UsageException(flag + ": '" + value + "' is not a port (0-65535)");
    }
  }
}
