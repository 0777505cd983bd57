package dev.jmesh.journal;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * Where and how the journal writes: directory, roll period, retention on disk, the size of the
 * hand-off ring, and what of a request it keeps (headers, bodies, redaction). Immutable.
 *
 * <pre>{@code
 * Journal journal = Journal.open(JournalSettings.builder(Path.of("/var/lib/jmesh/journal"))
 *     .roll(JournalRoll.HOURLY).retainBytes(2L << 30).redactHeaders(List.of("x-api-key"))
 *     .build());
 * }</pre>
 */
public final class JournalSettings {

  private final Path directory;
  private final JournalRoll roll;
  private final long retainBytes;
  private final int retainCycles;
  private final int ringCapacity;
  private final int maxHeaders;
  private final int maxHeaderValueChars;
  private final int maxBodyBytes;
  private final List<String> redactHeaders;

  private JournalSettings(Builder b) {
    this.directory = b.directory;
    this.roll = b.roll;
    this.retainBytes = b.retainBytes;
    this.retainCycles = b.retainCycles;
    this.ringCapacity = b.ringCapacity;
    this.maxHeaders = b.maxHeaders;
    this.maxHeaderValueChars = b.maxHeaderValueChars;
    this.maxBodyBytes = b.maxBodyBytes;
    this.redactHeaders = List.copyOf(b.redactHeaders);
  }

  public static Builder builder(Path directory) {
    return new Builder(directory);
  }

  /**
   * A size as an operator writes it in a flag or variable: {@code 1073741824}, {@code 512MiB},
   * {@code 2GiB}, {@code 500MB}, {@code 64k}. Binary (KiB, MiB, GiB, TiB, and k/m/g/t) and decimal
   * (KB, MB, GB, TB) units, any case.
   */
  public static long parseBytes(String text) {
    String t = text.trim();
    int split = 0;
    while (split < t.length() && (Character.isDigit(t.charAt(split)) || t.charAt(split) == '.')) {
      split++;
    }
    String unit = t.substring(split).trim().toLowerCase(Locale.ROOT);
    long multiplier =
        switch (unit) {
          case "", "b" -> 1L;
          case "k", "kib" -> 1L << 10;
          case "m", "mib" -> 1L << 20;
          case "g", "gib" -> 1L << 30;
          case "t", "tib" -> 1L << 40;
          case "kb" -> 1_000L;
          case "mb" -> 1_000_000L;
          case "gb" -> 1_000_000_000L;
          case "tb" -> 1_000_000_000_000L;
          default -> -1L;
        };
    try {
      if (split > 0 && multiplier > 0) {
        return (long) (Double.parseDouble(t.substring(0, split)) * multiplier);
      }
    } catch (NumberFormatException e) {
      // Falls through to the message below.
    }
    throw new IllegalArgumentException(
        "journal size '" + text + "' is not a size; write e.g. 1073741824, 512MiB, 2GiB, 500MB");
  }

  public Path directory() {
    return directory;
  }

  public JournalRoll roll() {
    return roll;
  }

  /** Cycle files are deleted, oldest first, while the journal holds more bytes than this. */
  public long retainBytes() {
    return retainBytes;
  }

  /** Cycle files kept at most; 0 for no limit by count. */
  public int retainCycles() {
    return retainCycles;
  }

  public int ringCapacity() {
    return ringCapacity;
  }

  public int maxHeaders() {
    return maxHeaders;
  }

  public int maxHeaderValueChars() {
    return maxHeaderValueChars;
  }

  public int maxBodyBytes() {
    return maxBodyBytes;
  }

  /** Headers redacted besides the default credentials headers. */
  public List<String> redactHeaders() {
    return redactHeaders;
  }

  @Override
  public String toString() {
    return "JournalSettings{directory="
        + directory
        + ", roll="
        + roll
        + ", retainBytes="
        + retainBytes
        + ", retainCycles="
        + retainCycles
        + ", ringCapacity="
        + ringCapacity
        + ", maxHeaders="
        + maxHeaders
        + ", maxHeaderValueChars="
        + maxHeaderValueChars
        + ", maxBodyBytes="
        + maxBodyBytes
        + ", redactHeaders="
        + redactHeaders
        + "}";
  }

  /** Defaults: hourly, 1 GiB on disk, 8192 slots, 32 headers of 1024 chars, no bodies. */
  public static final class Builder {
    private final Path directory;
    private JournalRoll roll = JournalRoll.HOURLY;
    private long retainBytes = 1L << 30;
    private int retainCycles;
    private int ringCapacity = 8192;
    private int maxHeaders = JournalRecord.DEFAULT_MAX_HEADERS;
    private int maxHeaderValueChars = 1024;
    private int maxBodyBytes;
    private List<String> redactHeaders = List.of();

    private Builder(Path directory) {
      this.directory = Objects.requireNonNull(directory, "directory");
    }

    public Builder roll(JournalRoll value) {
      roll = Objects.requireNonNull(value, "roll");
      return this;
    }

    public Builder retainBytes(long value) {
      if (value <= 0) {
        throw new IllegalArgumentException("journal retention must be > 0 bytes, was " + value);
      }
      retainBytes = value;
      return this;
    }

    public Builder retainCycles(int value) {
      if (value < 0) {
        throw new IllegalArgumentException("journal cycles kept must be >= 0, was " + value);
      }
      retainCycles = value;
      return this;
    }

    /** Slots in the hand-off ring, a power of two: the burst the writer may fall behind by. */
    public Builder ringCapacity(int value) {
      if (value < 2 || Integer.bitCount(value) != 1) {
        throw new IllegalArgumentException(
            "journal ring capacity must be a power of two >= 2, was " + value);
      }
      ringCapacity = value;
      return this;
    }

    public Builder maxHeaders(int value) {
      if (value < 0) {
        throw new IllegalArgumentException("journal max headers must be >= 0, was " + value);
      }
      maxHeaders = value;
      return this;
    }

    public Builder maxHeaderValueChars(int value) {
      if (value < 0) {
        throw new IllegalArgumentException("journal header value cap must be >= 0, was " + value);
      }
      maxHeaderValueChars = value;
      return this;
    }

    /** Bytes kept of each request and response body; 0 (the default) keeps none. */
    public Builder maxBodyBytes(int value) {
      if (value < 0) {
        throw new IllegalArgumentException("journal body cap must be >= 0, was " + value);
      }
      maxBodyBytes = value;
      return this;
    }

    public Builder redactHeaders(List<String> names) {
      redactHeaders = List.copyOf(names);
      return this;
    }

    public JournalSettings build() {
      return new JournalSettings(this);
    }
  }
}
