package dev.jmesh.controlplane.ca;

import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/**
 * Files of the CA directory. Permissions are given when a file is created, never set after:
 * a key written first and restricted later is readable by anyone for a moment. Every write goes
 * to a new file that is then renamed over the old one, so a reader (the running control plane,
 * while a {@code ca rotate} command writes) never sees half a file.
 */
public final class OwnerOnlyFiles {
  static final Set<PosixFilePermission> DIRECTORY = PosixFilePermissions.fromString("rwx------");
  static final Set<PosixFilePermission> SECRET = PosixFilePermissions.fromString("rw-------");
  static final Set<PosixFilePermission> PUBLIC = PosixFilePermissions.fromString("rw-r--r--");

  private OwnerOnlyFiles() {}

  /** Creates {@code dir} (mode 700) if missing; an existing directory is left as it is. */
  public static void createDirectory(Path dir) throws IOException {
    if (Files.isDirectory(dir)) {
      return;
    }
    Path parent = dir.toAbsolutePath().getParent();
    if (parent != null) {
      Files.createDirectories(parent);
    }
    try {
      Files.createDirectory(dir, attribute(DIRECTORY));
    } catch (FileAlreadyExistsException e) {
      if (!Files.isDirectory(dir)) {
        throw e;
      }
    }
  }

  /** Writes a private key or another secret, mode 600. */
  public static void writeSecret(Path file, byte[] content) throws IOException {
    write(file, content, SECRET);
  }

  /** Writes a certificate or another public file, mode 644 (inside a 700 directory). */
  public static void writePublic(Path file, byte[] content) throws IOException {
    write(file, content, PUBLIC);
  }

  private static void write(Path file, byte[] content, Set<PosixFilePermission> mode)
      throws IOException {
    Path dir = file.toAbsolutePath().getParent();
    Path tmp = Files.createTempFile(dir, "." + file.getFileName() + ".", ".tmp",
        attribute(mode));
    try {
      Files.write(tmp, content);
      try {
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE,
            StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
      }
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  private static FileAttribute<?>[] attribute(Set<PosixFilePermission> mode) {
    if (!posix()) {
      // Windows has no POSIX modes; the directory's ACL (the user's profile) applies.
      return new FileAttribute<?>[0];
    }
    return new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(mode)};
  }

  private static boolean posix() {
    return java.nio.file.FileSystems.getDefault().supportedFileAttributeViews().contains("posix");
  }
}
