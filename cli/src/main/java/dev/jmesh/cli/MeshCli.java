package dev.jmesh.cli;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * {@code mesh status} and {@code mesh config}: what the control plane sent each workload and what
 * the workload made of it, read from the control plane's debug HTTP API. {@code scripts/mesh} runs
 * this for those two commands.
 *
 * <pre>
 *   mesh status [--control-plane HOST:PORT] [-o table|json|yaml]
 *   mesh config WORKLOAD [listeners|routes|clusters|endpoints|secrets] [--control-plane HOST:PORT]
 *       [--admin HOST:PORT] [-o ..]
 * </pre>
 */
public final class MeshCli {

  static final String USAGE =
      String.join(
          "\n",
          "Usage:",
          "  mesh status [--control-plane HOST:PORT] [-o table|json|yaml]",
          "      every connected proxy and agent: CDS/LDS/EDS/RDS SYNCED, STALE (sent, not ACKed",
          "      yet) or NACKED (refused; the error is printed under the table), and CERT EXPIRY:",
          "      time left on the certificate the CA last issued it (-o json:"
              + " certificate.notAfter)",
          "  mesh config WORKLOAD [listeners|routes|clusters|endpoints|secrets] [--control-plane"
              + " HOST:PORT]",
          "      [--admin HOST:PORT] [-o table|json|yaml]",
          "      the xDS resources the control plane serves one workload; WORKLOAD is its node id,",
          "      its name as `mesh status` shows it, or an unambiguous prefix (a service name).",
          "      secrets: its certificate chain and roots as the CA issued them; with --admin (the",
          "      workload's admin address), as the workload itself holds them (its /certs)",
          "",
          "--control-plane: the control plane's debug HTTP address (its --http-port); default",
          "  $MESH_CONTROL_PLANE_HTTP, else " + ControlPlaneClient.DEFAULT_ADDRESS + ".",
          "-o json: the control plane's own JSON (/debug/syncz; /debug/config_dump, or the one",
          "  section asked for); -o yaml: the same as YAML.",
          "",
          "Exit codes: 0 ok; 1 something is wrong (a NACK in status, no such workload);",
          "  2 bad command line (also an ambiguous workload); 3 control plane (or --admin)"
              + " unreachable.",
          "");

  private MeshCli() {}

  public static void main(String[] args) {
    System.exit(run(args, System.getenv("MESH_CONTROL_PLANE_HTTP"), System.out, System.err));
  }

  /** Runs one command; returns its exit code. */
  static int run(String[] args, String addressFromEnv, PrintStream out, PrintStream err) {
    try {
      return dispatch(args, addressFromEnv, out, err);
    } catch (CommandFailure e) {
      err.println(e.getMessage());
      if (e.exitCode() == CommandFailure.USAGE && e.getMessage().startsWith("mesh: usage")) {
        err.print(USAGE);
      }
      return e.exitCode();
    } catch (IllegalArgumentException e) {
      err.println("mesh: the control plane's answer could not be read: " + e.getMessage());
      return CommandFailure.UNREACHABLE;
    }
  }

  private static int dispatch(
      String[] args, String addressFromEnv, PrintStream out, PrintStream err) {
    List<String> positional = new ArrayList<>();
    String address =
        addressFromEnv == null || addressFromEnv.isBlank()
            ? ControlPlaneClient.DEFAULT_ADDRESS
            : addressFromEnv.strip();
    String output = "table";
    String admin = null;
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      switch (a) {
        case "-h", "--help", "help" -> {
          out.print(USAGE);
          return 0;
        }
        case "--control-plane" -> address = value(args, ++i, a);
        case "-o", "--output" -> output = value(args, ++i, a);
        case "--admin" -> admin = value(args, ++i, a);
        default -> {
          if (a.startsWith("--control-plane=")) {
            address = a.substring("--control-plane=".length());
          } else if (a.startsWith("--admin=")) {
            admin = a.substring("--admin=".length());
          } else if (a.startsWith("-o=") || a.startsWith("--output=")) {
            output = a.substring(a.indexOf('=') + 1);
          } else if (a.startsWith("-")) {
            throw usage("unknown option '" + a + "'");
          } else {
            positional.add(a);
          }
        }
      }
    }
    if (!List.of("table", "json", "yaml").contains(output)) {
      throw usage("-o takes table, json or yaml, not '" + output + "'");
    }
    if (positional.isEmpty()) {
      throw usage("give a command: status or config");
    }
    ControlPlaneClient controlPlane = new ControlPlaneClient(address);
    String command = positional.get(0);
    List<String> rest = positional.subList(1, positional.size());
    return switch (command) {
      case "status" -> status(controlPlane, rest, output, out, err);
      case "config" -> config(controlPlane, rest, output, admin, out, err);
      default -> throw usage("unknown command '" + command + "'; this tool runs status and config");
    };
  }

  private static int status(
      ControlPlaneClient controlPlane,
      List<String> rest,
      String output,
      PrintStream out,
      PrintStream err) {
    if (!rest.isEmpty()) {
      throw usage("status takes no arguments, got '" + String.join(" ", rest) + "'");
    }
    String body = controlPlane.syncz();
    ProxyStatusView view = ProxyStatusView.of(JsonReader.parse(body));
    if (output.equals("json")) {
      out.println(body.strip());
    } else if (output.equals("yaml")) {
      out.print(YamlWriter.write(JsonReader.parse(body)));
    } else if (view.isEmpty()) {
      err.println(
          "mesh: no proxy or agent is connected to the control plane at " + controlPlane.address());
    } else {
      out.print(view.table().render());
      List<String> nacks = view.nacks();
      if (!nacks.isEmpty()) {
        out.println();
        nacks.forEach(out::println);
      }
    }
    return view.anyNacked() ? CommandFailure.WRONG : 0;
  }

  @SuppressWarnings("unchecked")
  private static int config(
      ControlPlaneClient controlPlane,
      List<String> rest,
      String output,
      String admin,
      PrintStream out,
      PrintStream err) {
    if (rest.isEmpty() || rest.size() > 2) {
      throw usage("config takes WORKLOAD and optionally one of " + ProxyConfigView.SECTIONS);
    }
    String section = rest.size() == 2 ? rest.get(1) : null;
    if (section != null && !ProxyConfigView.SECTIONS.contains(section)) {
      throw usage(
          "unknown config section '" + section + "'; give one of " + ProxyConfigView.SECTIONS);
    }
    if (admin != null && !"secrets".equals(section)) {
      throw usage(
          "--admin goes with the secrets section: mesh config WORKLOAD secrets --admin"
              + " HOST:PORT");
    }
    List<String> connected = new ArrayList<>();
    for (Object p : (List<Object>) JsonReader.parse(controlPlane.syncz())) {
      connected.add(String.valueOf(((Map<String, Object>) p).get("proxyID")));
    }
    String proxyId = WorkloadMatch.resolve(rest.get(0), connected);
    String body = controlPlane.configDump(proxyId);
    Map<String, Object> dump = (Map<String, Object>) JsonReader.parse(body);
    if (admin != null) {
      // What the workload really holds beats what the CA remembers issuing.
      List<Object> held = WorkloadCerts.rows(WorkloadCerts.read(admin), java.time.Instant.now());
      dump = new java.util.LinkedHashMap<>(dump);
      dump.put("secrets", held);
      body = Json.write(dump);
    }
    if (!output.equals("table")) {
      Object selected = section == null ? dump : dump.get(section);
      if (output.equals("yaml")) {
        out.print(YamlWriter.write(selected));
      } else if (section == null) {
        out.println(body.strip());
      } else {
        out.println(Json.write(selected));
      }
      return 0;
    }
    ProxyConfigView view = new ProxyConfigView(dump);
    List<String> sections = section == null ? ProxyConfigView.SECTIONS : List.of(section);
    boolean first = true;
    for (String s : sections) {
      if (!first) {
        out.println();
      }
      first = false;
      if (section == null) {
        out.println(s.toUpperCase() + ":");
      }
      Table table = view.table(s);
      out.print(table.render());
      if (s.equals("secrets") && table.rows().isEmpty()) {
        err.println(
            "mesh: no certificate known for "
                + proxyId
                + ": it reached the control plane on plaintext xDS, or the control plane runs no"
                + " CA");
      }
      for (String why : view.unprintable(s)) {
        err.println("mesh: the control plane could not print one of the " + s + ": " + why);
      }
    }
    return 0;
  }

  private static String value(String[] args, int i, String option) {
    if (i >= args.length) {
      throw usage(option + " needs a value");
    }
    return args[i];
  }

  private static CommandFailure usage(String what) {
    return new CommandFailure(CommandFailure.USAGE, "mesh: usage: " + what);
  }
}
