package dev.jmesh.controlplane.ca;

import dev.jmesh.controlplane.ca.token.JoinTokens;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The CA's command line, run against the CA directory (the control plane may be running; it
 * picks up changes):
 *
 * <pre>
 * token create --namespace NS --service-account SA [--ttl 24h] [--ca-dir DIR]
 * token revoke ID [--ca-dir DIR]
 * ca status [--ca-dir DIR]
 * ca rotate start|activate|complete [--ca-dir DIR]
 * </pre>
 *
 * <p>{@code token create} prints only the token on stdout (so {@code > reviews.token} works)
 * and what it holds on stderr.
 */
public final class CaCommand {
  public static final Path DEFAULT_CA_DIR = Path.of("jmesh-ca");
  static final Duration DEFAULT_TOKEN_TTL = Duration.ofHours(24);

  public static final String USAGE = String.join("\n",
      "  java -jar control-plane.jar token create --namespace NS --service-account SA"
          + " [--ttl 24h] [--ca-dir DIR]",
      "                                             print a join token for NS/SA",
      "  java -jar control-plane.jar token revoke ID [--ca-dir DIR]",
      "  java -jar control-plane.jar ca status [--ca-dir DIR]",
      "  java -jar control-plane.jar ca rotate start|activate|complete [--ca-dir DIR]",
      "");

  private CaCommand() {}

  /** True when {@code args} is one of these commands. */
  public static boolean handles(String[] args) {
    return args.length > 0 && (args[0].equals("token") || args[0].equals("ca"));
  }

  /** Runs the command; 0 on success, 1 when it failed, 2 for a bad command line. */
  public static int run(String[] args, PrintStream out, PrintStream err) {
    List<String> words = new java.util.ArrayList<>();
    Map<String, String> flags = new LinkedHashMap<>();
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      if (a.startsWith("--")) {
        int eq = a.indexOf('=');
        if (eq > 0) {
          flags.put(a.substring(0, eq), a.substring(eq + 1));
        } else if (i + 1 < args.length && !args[i + 1].startsWith("--")) {
          flags.put(a, args[++i]);
        } else {
          return usage(err, a + " needs a value");
        }
      } else {
        words.add(a);
      }
    }
    Path caDir = flags.containsKey("--ca-dir") ? Path.of(flags.remove("--ca-dir"))
        : DEFAULT_CA_DIR;
    String command = String.join(" ", words.subList(0, Math.min(words.size(), 3)));
    try {
      if (command.equals("token create")) {
        return createToken(caDir, flags, out, err);
      }
      if (words.size() == 3 && command.startsWith("token revoke ")) {
        return revoke(caDir, words.get(2), flags, out, err);
      }
      if (command.equals("ca status")) {
        return noFlags(flags, err) ? status(caDir, out) : 2;
      }
      if (words.size() == 3 && command.startsWith("ca rotate ")) {
        return noFlags(flags, err) ? rotate(caDir, words.get(2), out, err) : 2;
      }
      return usage(err, "unknown command '" + String.join(" ", words) + "'");
    } catch (IOException | GeneralSecurityException e) {
      err.println("error: " + e.getMessage());
      return 1;
    }
  }

  private static int createToken(Path caDir, Map<String, String> flags, PrintStream out,
      PrintStream err) throws IOException, GeneralSecurityException {
    String ns = flags.remove("--namespace");
    String sa = flags.remove("--service-account");
    String ttlText = flags.remove("--ttl");
    if (ns == null || sa == null) {
      return usage(err, "token create needs --namespace and --service-account");
    }
    if (!noFlags(flags, err)) {
      return 2;
    }
    Duration ttl;
    try {
      ttl = ttlText == null ? DEFAULT_TOKEN_TTL : duration(ttlText);
    } catch (IllegalArgumentException e) {
      return usage(err, "--ttl: " + e.getMessage());
    }
    CaState state = new CaDirectory(caDir).loadOrGenerate(CertificateAuthority.ORGANIZATION);
    List<String> pins = state.trustBundle().fingerprints();
    String token;
    try {
      token = JoinTokens.open(caDir).create(ns, sa, ttl, pins);
    } catch (IllegalArgumentException e) {
      return usage(err, e.getMessage());
    }
    out.println(token);
    var claims = dev.jmesh.ca.api.JoinToken.parse(token).claims();
    err.println("join token " + claims.id() + " for " + ns + "/" + sa + ", expires "
        + claims.expiresAt() + ", pins root sha256:" + String.join(", sha256:", pins));
    return 0;
  }

  private static int revoke(Path caDir, String id, Map<String, String> flags, PrintStream out,
      PrintStream err) throws IOException {
    if (!noFlags(flags, err)) {
      return 2;
    }
    if (!id.matches("[0-9a-f]{16}")) {
      return usage(err, "a token id is 16 hex digits (token create printed it), got '" + id
          + "'");
    }
    boolean added = JoinTokens.open(caDir).revocations().revoke(id);
    out.println(added ? "revoked join token " + id : "join token " + id + " was already revoked");
    return 0;
  }

  private static int status(Path caDir, PrintStream out)
      throws IOException, GeneralSecurityException {
    CaState state = new CaDirectory(caDir).load();
    out.println("CA directory " + caDir + ": " + state.phase());
    out.println("signing: " + state.signer().certificate().getSubjectX500Principal()
        + ", valid until " + state.signer().certificate().getNotAfter().toInstant());
    for (var root : state.trustBundle().roots()) {
      out.println("trusted root sha256:" + dev.jmesh.ca.api.RootFingerprint.of(root) + " "
          + root.getSubjectX500Principal() + ", valid until " + root.getNotAfter().toInstant());
    }
    return 0;
  }

  private static int rotate(Path caDir, String step, PrintStream out, PrintStream err)
      throws IOException, GeneralSecurityException {
    CaDirectory dir = new CaDirectory(caDir);
    switch (step) {
      case "start" -> {
        SigningAuthority next = dir.startRotation(CertificateAuthority.ORGANIZATION);
        out.println("rotation started: new root sha256:" + next.rootFingerprint()
            + " is now trusted; the current root keeps signing.");
        out.println("next: once every workload has renewed (one certificate lifetime, 24h by"
            + " default), run 'ca rotate activate'");
      }
      case "activate" -> {
        SigningAuthority now = dir.activateRotation();
        out.println("rotation activated: root sha256:" + now.rootFingerprint()
            + " signs; the old root stays trusted.");
        out.println("next: once every certificate of the old root has expired (the longest TTL"
            + " granted, 24h by default), run 'ca rotate complete'. Join tokens made before"
            + " 'ca rotate start' pin only the old root: re-create those not used yet.");
      }
      case "complete" -> {
        dir.completeRotation();
        out.println("rotation complete: only root sha256:" + dir.load().signer()
            .rootFingerprint() + " is trusted");
      }
      default -> {
        return usage(err, "ca rotate takes start, activate or complete, not '" + step + "'");
      }
    }
    return 0;
  }

  private static boolean noFlags(Map<String, String> flags, PrintStream err) {
    if (flags.isEmpty()) {
      return true;
    }
    usage(err, "unknown option '" + flags.keySet().iterator().next() + "'");
    return false;
  }

  private static int usage(PrintStream err, String message) {
    err.println("error: " + message);
    err.print("usage:\n" + USAGE);
    return 2;
  }

  private static final Pattern PART = Pattern.compile("(\\d+)(d|h|m|s)");

  /** {@code 90s}, {@code 15m}, {@code 24h}, {@code 7d}, {@code 1h30m}. */
  public static Duration duration(String text) {
    Matcher m = PART.matcher(text);
    Duration d = Duration.ZERO;
    int end = 0;
    while (m.find() && m.start() == end) {
      long n = Long.parseLong(m.group(1));
      d = d.plus(switch (m.group(2)) {
        case "d" -> Duration.ofDays(n);
        case "h" -> Duration.ofHours(n);
        case "m" -> Duration.ofMinutes(n);
        default -> Duration.ofSeconds(n);
      });
      end = m.end();
    }
    if (end != text.length() || end == 0 || d.isZero()) {
      throw new IllegalArgumentException("'" + text + "' is not a duration like 24h, 30m, 7d");
    }
    return d;
  }
}
