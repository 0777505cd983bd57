package dev.jmesh.testing.fuzz;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;

/**
 * A small mutation fuzzer for a parser: every seed of {@code src/test/resources/fuzz/NAME/} is run
 * as it is (regression mode), then mutations of them (bit flips, interesting bytes, inserted,
 * deleted, duplicated and repeated ranges, dictionary tokens, splices of two seeds) for a bounded
 * time. It is blind to coverage, so its dictionary and seeds carry the structure; the point is the
 * same as Jazzer's: the target must never fail on any input in a way it does not document.
 *
 * <p>An input the target fails on is saved under {@code target/fuzz-findings/NAME/} and named in
 * the failure, with the seed that repeats the run. Settings (system properties, {@code -D} on the
 * Maven command line): {@code fuzz.seconds} (default 2, or what the test sets) and {@code
 * fuzz.runs} bound the mutation phase; {@code fuzz.seed} repeats a run.
 *
 * <p>Seeds are looked up on the test class path of the module that fuzzes, so each module keeps
 * its own under its {@code src/test/resources/fuzz/}.
 */
public final class MutationFuzz {

  /** What is fuzzed: anything it throws is a finding. */
  @FunctionalInterface
  public interface Target {
    void test(byte[] input) throws Exception;
  }

  /** What a run did. */
  public record Result(int seeds, long mutations, long seed) {}

  private static final byte[] INTERESTING = {
    0,
    1,
    0x7F,
    (byte) 0x80,
    (byte) 0xFF,
    (byte) 0xFE,
    '\n',
    '\r',
    ' ',
    '\t',
    ':',
    '-',
    '[',
    ']',
    '{',
    '}',
    '&',
    '*',
    '!',
    '"',
    '\'',
    '#',
    '%',
    '|',
    '>',
    ',',
    '0',
    '9'
  };

  private final String name;
  private final List<byte[]> seeds;
  private final List<Path> seedFiles;
  private final List<byte[]> dictionary = new ArrayList<>();
  private int maxLength = 64 * 1024;
  private double defaultSeconds = 2;

  private MutationFuzz(String name, List<Path> seedFiles) {
    this.name = name;
    this.seedFiles = seedFiles;
    this.seeds = new ArrayList<>();
    for (Path p : seedFiles) {
      try {
        seeds.add(Files.readAllBytes(p));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    if (seeds.isEmpty()) {
      throw new IllegalStateException("no seeds in src/test/resources/fuzz/" + name);
    }
  }

  /** The seeds of {@code fuzz/NAME/} on the test class path. */
  public static MutationFuzz corpus(String name) {
    URL url = MutationFuzz.class.getResource("/fuzz/" + name);
    if (url == null) {
      throw new IllegalStateException("no src/test/resources/fuzz/" + name + " on the class path");
    }
    try (Stream<Path> files = Files.list(Path.of(url.toURI()))) {
      return new MutationFuzz(name, files.filter(Files::isRegularFile).sorted().toList());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Tokens the target's language is made of, inserted whole. */
  public MutationFuzz dictionary(String... tokens) {
    for (String t : tokens) {
      dictionary.add(t.getBytes(StandardCharsets.UTF_8));
    }
    return this;
  }

  /** How long the mutation phase runs when {@code fuzz.seconds} is not set. */
  public MutationFuzz defaultSeconds(double seconds) {
    this.defaultSeconds = seconds;
    return this;
  }

  public MutationFuzz maxLength(int bytes) {
    this.maxLength = bytes;
    return this;
  }

  /** Runs the seeds, then mutations until the time or run bound. */
  public Result run(Target target) {
    for (int i = 0; i < seeds.size(); i++) {
      try {
        target.test(seeds.get(i).clone());
      } catch (Throwable t) {
        throw new AssertionError(
            "fuzz target " + name + " fails on its seed " + seedFiles.get(i) + ": " + t, t);
      }
    }
    String configured = System.getProperty("fuzz.seconds");
    double seconds = configured == null ? defaultSeconds : Double.parseDouble(configured);
    long maxRuns = Long.getLong("fuzz.runs", Long.MAX_VALUE);
    long seed = Long.getLong("fuzz.seed", System.nanoTime());
    Random random = new Random(seed);
    List<byte[]> pool = new ArrayList<>(seeds);
    long deadline = System.nanoTime() + (long) (seconds * 1e9);
    long runs = 0;
    while (runs < maxRuns && System.nanoTime() < deadline) {
      byte[] input = mutate(pool.get(random.nextInt(pool.size())), random);
      runs++;
      try {
        target.test(input.clone());
      } catch (Throwable t) {
        Path saved = save(input);
        throw new AssertionError(
            "fuzz target "
                + name
                + " fails on the input saved at "
                + saved
                + " (mutation "
                + runs
                + ", -Dfuzz.seed="
                + seed
                + "): "
                + t
                + ". Once fixed, add the input to src/test/resources/fuzz/"
                + name
                + "/",
            t);
      }
      // Keeping a few mutants lets mutations stack over rounds without coverage to guide them.
      if (random.nextInt(64) == 0) {
        if (pool.size() < seeds.size() + 256) {
          pool.add(input);
        } else {
          pool.set(seeds.size() + random.nextInt(256), input);
        }
      }
    }
    return new Result(seeds.size(), runs, seed);
  }

  private byte[] mutate(byte[] from, Random random) {
    byte[] b = from;
    int ops = 1 + random.nextInt(4);
    for (int op = 0; op < ops; op++) {
      b = mutateOnce(b, random);
      if (b.length > maxLength) {
        b = Arrays.copyOf(b, maxLength);
      }
    }
    return b;
  }

  private byte[] mutateOnce(byte[] b, Random random) {
    int n = b.length;
    int at = n == 0 ? 0 : random.nextInt(n);
    switch (random.nextInt(dictionary.isEmpty() ? 8 : 10)) {
      case 0:
        if (n > 0) {
          b = b.clone();
          b[at] ^= (byte) (1 << random.nextInt(8));
        }
        return b;
      case 1:
        if (n > 0) {
          b = b.clone();
          b[at] = INTERESTING[random.nextInt(INTERESTING.length)];
        }
        return b;
      case 2:
        {
          byte[] junk = new byte[1 + random.nextInt(8)];
          random.nextBytes(junk);
          return insert(b, at, junk);
        }
      case 3:
        {
          int len = Math.min(n - at, 1 + random.nextInt(16));
          return delete(b, at, len);
        }
      case 4:
        {
          int len = Math.min(n - at, 1 + random.nextInt(64));
          return insert(b, n == 0 ? 0 : random.nextInt(n), Arrays.copyOfRange(b, at, at + len));
        }
      case 5:
        {
          // Repeats a short range many times: deep nesting, long lines, many fields.
          int len = Math.min(n - at, 1 + random.nextInt(8));
          int times = 1 + random.nextInt(random.nextBoolean() ? 16 : 2_000);
          byte[] chunk = Arrays.copyOfRange(b, at, at + len);
          byte[] repeated = new byte[Math.min(len * times, maxLength)];
          for (int i = 0; i < repeated.length; i++) {
            repeated[i] = chunk[i % Math.max(1, len)];
          }
          return insert(b, at, repeated);
        }
      case 6:
        {
          byte[] other = seeds.get(random.nextInt(seeds.size()));
          int cut = other.length == 0 ? 0 : random.nextInt(other.length);
          byte[] out = Arrays.copyOf(b, at + other.length - cut);
          System.arraycopy(other, cut, out, at, other.length - cut);
          return out;
        }
      case 7:
        return Arrays.copyOf(b, at);
      case 8:
        return insert(b, at, dictionary.get(random.nextInt(dictionary.size())));
      default:
        {
          int len = Math.min(n - at, 1 + random.nextInt(8));
          return insert(delete(b, at, len), at, dictionary.get(random.nextInt(dictionary.size())));
        }
    }
  }

  private static byte[] insert(byte[] b, int at, byte[] what) {
    byte[] out = new byte[b.length + what.length];
    System.arraycopy(b, 0, out, 0, at);
    System.arraycopy(what, 0, out, at, what.length);
    System.arraycopy(b, at, out, at + what.length, b.length - at);
    return out;
  }

  private static byte[] delete(byte[] b, int at, int len) {
    if (len <= 0) {
      return b;
    }
    byte[] out = new byte[b.length - len];
    System.arraycopy(b, 0, out, 0, at);
    System.arraycopy(b, at + len, out, at, b.length - at - len);
    return out;
  }

  private Path save(byte[] input) {
    try {
      String hash =
          HexFormat.of()
              .formatHex(MessageDigest.getInstance("SHA-1").digest(input))
              .substring(0, 16);
      Path dir = Path.of("target", "fuzz-findings", name);
      Files.createDirectories(dir);
      return Files.write(dir.resolve("finding-" + hash), input).toAbsolutePath();
    } catch (IOException | NoSuchAlgorithmException e) {
      return Path.of("(not saved: " + e + ")");
    }
  }
}
