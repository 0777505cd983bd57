package dev.jmesh.dataplane.accesslog;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Objects;

/**
 * One access log destination, written by the writer thread only: the process's standard output or
 * error (file descriptors 1 and 2, not {@code System.out}, which the application may have replaced)
 * or a file, created owner-only ({@code rw-------}: request lines name peers and paths), appended
 * to, and reopened when log rotation moved or deleted it. Writes are buffered.
 */
final class LogFile {

  static final String STDOUT = "/dev/stdout";
  static final String STDERR = "/dev/stderr";

  private static final int BUFFER = 64 * 1024;
  private static final FileAttribute<?> OWNER_ONLY =
      PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"));

  private final String path;
  private final ByteBuffer buffer = ByteBuffer.allocate(BUFFER);
  private FileChannel channel;
  private Object fileKey;

  LogFile(String path) {
    this.path = path;
  }

  String path() {
    return path;
  }

  /** Buffers one line (its newline included), writing out when the buffer is full. */
  void write(CharSequence line) throws IOException {
    byte[] bytes = line.toString().getBytes(StandardCharsets.UTF_8);
    if (bytes.length > buffer.remaining()) {
      flush();
    }
    if (bytes.length > buffer.capacity()) {
      writeFully(ByteBuffer.wrap(bytes));
      return;
    }
    buffer.put(bytes);
  }

  /** Writes out what is buffered. */
  void flush() throws IOException {
    if (buffer.position() == 0) {
      return;
    }
    buffer.flip();
    try {
      writeFully(buffer);
    } finally {
      buffer.clear();
    }
  }

  private void writeFully(ByteBuffer bytes) throws IOException {
    FileChannel c = open();
    while (bytes.hasRemaining()) {
      c.write(bytes);
    }
  }

  /**
   * Reopens the file when it is no longer the one open (rotated away: renamed or deleted), so the
   * next line goes to a new file at the path, as Envoy does on its next flush after rotation.
   */
  void reopenIfRotated() throws IOException {
    if (channel == null || isStandardStream()) {
      return;
    }
    Object now;
    try {
      now =
          Files.readAttributes(Path.of(path), BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS)
              .fileKey();
    } catch (NoSuchFileException e) {
      now = null;
    }
    if (now == null || !Objects.equals(now, fileKey)) {
      flush();
      closeQuietly();
    }
  }

  private FileChannel open() throws IOException {
    if (channel != null) {
      return channel;
    }
    if (path.equals(STDOUT)) {
      channel = new FileOutputStream(FileDescriptor.out).getChannel();
    } else if (path.equals(STDERR)) {
      channel = new FileOutputStream(FileDescriptor.err).getChannel();
    } else {
      Path file = Path.of(path);
      boolean posix = FileSystems.getDefault().supportedFileAttributeViews().contains("posix");
      channel =
          posix
              ? FileChannel.open(
                  file,
                  java.util.Set.of(
                      StandardOpenOption.CREATE,
                      StandardOpenOption.WRITE,
                      StandardOpenOption.APPEND),
                  OWNER_ONLY)
              : FileChannel.open(
                  file,
                  StandardOpenOption.CREATE,
                  StandardOpenOption.WRITE,
                  StandardOpenOption.APPEND);
      fileKey =
          Files.readAttributes(file, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS)
              .fileKey();
    }
    return channel;
  }

  private boolean isStandardStream() {
    return path.equals(STDOUT) || path.equals(STDERR);
  }

  /** Closes a file (the standard streams stay open: they are the process's). */
  void closeQuietly() {
    if (channel != null && !isStandardStream()) {
      try {
        channel.close();
      } catch (IOException e) {
        // Closing is best effort; the next write opens the path again.
      }
    }
    if (!isStandardStream()) {
      channel = null;
      fileKey = null;
    }
  }
}
