package dev.jmesh.journal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Keeps the journal within its bounds on disk: deletes whole cycle files, oldest first, while there
 * are more than the cycles kept or more bytes than the bytes kept. The newest cycle, the one being
 * appended to, is never deleted, so a journal may exceed its byte bound by one cycle file. Runs on
 * the writer thread only.
 */
final class CycleRetention {

  private final Path directory;
  private final long retainBytes;
  private final int retainCycles;

  CycleRetention(Path directory, long retainBytes, int retainCycles) {
    this.directory = directory;
    this.retainBytes = retainBytes;
    this.retainCycles = retainCycles;
  }

  /** Deletes what is beyond the bounds; returns the files deleted, oldest first. */
  List<Path> sweep() throws IOException {
    List<Path> cycles = JournalFiles.cycleFiles(directory);
    long[] sizes = new long[cycles.size()];
    long total = 0;
    for (int i = 0; i < cycles.size(); i++) {
      sizes[i] = sizeOf(cycles.get(i));
      total += sizes[i];
    }
    List<Path> deleted = new ArrayList<>();
    int remaining = cycles.size();
    for (int i = 0; i < cycles.size() - 1; i++) {
      boolean tooMany = retainCycles > 0 && remaining > retainCycles;
      boolean tooBig = total > retainBytes;
      if (!tooMany && !tooBig) {
        break;
      }
      if (Files.deleteIfExists(cycles.get(i))) {
        deleted.add(cycles.get(i));
      }
      total -= sizes[i];
      remaining--;
    }
    return deleted;
  }

  private static long sizeOf(Path file) {
    try {
      return Files.size(file);
    } catch (IOException e) {
      return 0;
    }
  }
}
