package dev.jmesh.journal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The journal's files on disk: its directory (owner only, 0700, created before Chronicle runs so no
 * other user can ever open a file in it), the cycle files ({@code *.cq4}) and the queue's metadata
 * ({@code *.cq4t}), tightened to 0600 as they appear. Headers may hold secrets the redaction list
 * does not name; these permissions are the second line of defence.
 */
final class JournalFiles {

  static final String CYCLE_SUFFIX = ".cq4";
  static final String METADATA_SUFFIX = ".cq4t";

  private static final Set<PosixFilePermission> DIRECTORY =
      PosixFilePermissions.fromString("rwx------");
  private static final Set<PosixFilePermission> FILE = PosixFilePermissions.fromString("rw-------");

  private JournalFiles() {}

  /** Creates the directory 0700 (and its parents) or tightens an existing one to 0700. */
  static void prepareDirectory(Path directory) throws JournalException {
    try {
      if (Files.exists(directory) && !Files.isDirectory(directory)) {
        throw new JournalException(
            "journal directory " + directory + " is a file; point the journal at a directory");
      }
      if (!Files.exists(directory)) {
        if (posix(directory.toAbsolutePath().getParent())) {
          Files.createDirectories(directory, PosixFilePermissions.asFileAttribute(DIRECTORY));
        } else {
          Files.createDirectories(directory);
        }
      }
      if (posix(directory)) {
        Files.setPosixFilePermissions(directory, DIRECTORY);
      }
      if (!Files.isWritable(directory)) {
        throw new JournalException(
            "journal directory " + directory + " is not writable by this process's user");
      }
    } catch (IOException e) {
      throw new JournalException(
          "cannot create the journal directory " + directory + ": " + e.getMessage(), e);
    }
  }

  /** Sets 0600 on a journal file; a file that went away meanwhile is no error. */
  static void tighten(Path file) {
    try {
      if (posix(file)) {
        Files.setPosixFilePermissions(file, FILE);
      }
    } catch (IOException | UnsupportedOperationException e) {
      // Gone (retention) or not POSIX: the 0700 directory still guards it.
    }
  }

  /** Tightens every journal file in the directory. */
  static void tightenAll(Path directory) {
    try (Stream<Path> files = Files.list(directory)) {
      files
          .filter(
              f -> f.toString().endsWith(CYCLE_SUFFIX) || f.toString().endsWith(METADATA_SUFFIX))
          .forEach(JournalFiles::tighten);
    } catch (IOException e) {
      // The next sweep tries again.
    }
  }

  /** The cycle files, oldest first: Chronicle names them by time, so name order is time order. */
  static List<Path> cycleFiles(Path directory) throws IOException {
    List<Path> cycles = new ArrayList<>();
    try (Stream<Path> files = Files.list(directory)) {
      files
          .filter(f -> f.getFileName().toString().endsWith(CYCLE_SUFFIX))
          .sorted()
          .forEach(cycles::add);
    }
    return cycles;
  }

  private static boolean posix(Path path) {
    return path != null
        && Files.exists(path)
        && path.getFileSystem().supportedFileAttributeViews().contains("posix");
  }
}
