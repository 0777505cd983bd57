package dev.jmesh.dataplane.workload;

import dev.jmesh.ca.api.JoinToken;
import dev.jmesh.dataplane.log.MeshLog;
import dev.jmesh.dataplane.settings.MeshSettings;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Instant;
import java.util.List;
import java.util.Set;

/**
 * The join token the workload proves itself with, from {@code token} or {@code tokenFile}, and
 * what it says: the identity (namespace and service account) and the CA roots the control plane's
 * certificate must chain to. The token itself is a secret: it goes only into TLS-protected calls
 * and is never logged, shown or put in an error message.
 */
public record WorkloadCredentials(
    String token,
    String namespace,
    String serviceAccount,
    Instant expiresAt,
    List<String> rootFingerprints) {

  /** The credentials the settings name; {@code null} when there is no token. */
  public static WorkloadCredentials load(MeshSettings settings) throws IOException {
    String text = settings.token();
    if (text == null && settings.tokenFile() != null) {
      Path file = Path.of(settings.tokenFile());
      try {
        text = Files.readString(file).trim();
      } catch (IOException e) {
        throw new IOException("cannot read the join token file " + file + ": " + e.getMessage());
      }
      warnIfReadableByOthers(file);
    }
    if (text == null) {
      return null;
    }
    JoinToken token;
    try {
      token = JoinToken.parse(text);
    } catch (IllegalArgumentException e) {
      throw new IOException("the join token "
          + (settings.tokenFile() != null ? "in " + settings.tokenFile() + " " : "")
          + "is not valid: " + e.getMessage() + "; create one with"
          + " `java -jar control-plane.jar token create --namespace NS --service-account SA`");
    }
    JoinToken.Claims claims = token.claims();
    if (!claims.namespace().equals(settings.namespace())
        || !claims.serviceAccount().equals(settings.serviceAccount())) {
      MeshLog.info("the join token is for namespace " + claims.namespace() + ", service account "
          + claims.serviceAccount() + "; the workload takes that identity (the settings say "
          + settings.namespace() + "/" + settings.serviceAccount() + ")");
    }
    if (claims.expiresAt().isBefore(Instant.now())) {
      MeshLog.warn("the join token expired at " + claims.expiresAt() + "; the control plane will"
          + " refuse it unless the workload already holds a valid certificate");
    }
    return new WorkloadCredentials(text, claims.namespace(), claims.serviceAccount(),
        claims.expiresAt(), claims.rootFingerprints());
  }

  private static void warnIfReadableByOthers(Path file) {
    try {
      Set<PosixFilePermission> p = Files.getPosixFilePermissions(file);
      if (p.contains(PosixFilePermission.OTHERS_READ) || p.contains(PosixFilePermission.GROUP_READ)) {
        MeshLog.warn("the join token file " + file + " is readable by other users;"
            + " chmod 600 it");
      }
    } catch (IOException | UnsupportedOperationException e) {
      // Not a POSIX file system: nothing to check.
    }
  }

  @Override
  public String toString() {
    return "WorkloadCredentials[" + namespace + "/" + serviceAccount + ", expires " + expiresAt
        + "]";
  }
}
