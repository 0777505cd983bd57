package dev.jmesh.controlplane.ca.token;

import dev.jmesh.controlplane.ca.OwnerOnlyFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * Revoked join-token ids, one per line ({@code <id> <revoked at>}) in {@code revoked-tokens}
 * in the CA directory. The running control plane re-reads the file when it changes, so a
 * {@code token revoke} from another process takes effect on the next call.
 */
public final class TokenRevocations {
  public static final String FILE = "revoked-tokens";

  private final Path file;
  private volatile Set<String> ids = Set.of();
  private volatile long readStamp = Long.MIN_VALUE;

  public TokenRevocations(Path caDir) {
    this.file = caDir.resolve(FILE);
  }

  public boolean isRevoked(String id) {
    refresh();
    return ids.contains(id);
  }

  /** Adds {@code id}; returns false when it was already revoked. */
  public synchronized boolean revoke(String id) throws IOException {
    refresh();
    if (ids.contains(id)) {
      return false;
    }
    String before = Files.exists(file) ? Files.readString(file, StandardCharsets.US_ASCII) : "";
    OwnerOnlyFiles.writePublic(file, (before + id + " " + Instant.now() + "\n")
        .getBytes(StandardCharsets.US_ASCII));
    readStamp = Long.MIN_VALUE;
    refresh();
    return true;
  }

  private void refresh() {
    long stamp;
    try {
      stamp = Files.getLastModifiedTime(file).toMillis() ^ (Files.size(file) << 40);
    } catch (NoSuchFileException e) {
      ids = Set.of();
      readStamp = Long.MIN_VALUE;
      return;
    } catch (IOException e) {
      return;
    }
    if (stamp == readStamp) {
      return;
    }
    try {
      Set<String> read = new LinkedHashSet<>();
      for (String line : Files.readAllLines(file, StandardCharsets.US_ASCII)) {
        String id = line.strip().split("\\s+", 2)[0];
        if (!id.isEmpty() && !id.startsWith("#")) {
          read.add(id);
        }
      }
      ids = Set.copyOf(read);
      readStamp = stamp;
    } catch (IOException e) {
      // Keep the last list read; a revocation file is never shrunk by a failed read.
    }
  }
}
