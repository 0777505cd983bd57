package dev.jmesh.dataplane.cluster;

/**
 * Derives further random numbers from the one a caller passes to a pick, with SplitMix64, so a pick
 * needs neither a shared generator nor an allocation.
 */
final class Rng {

  static final long GOLDEN = 0x9E3779B97F4A7C15L;

  private Rng() {}

  /** The SplitMix64 output for state {@code z}; callers advance the state by {@link #GOLDEN}. */
  static long mix(long z) {
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }

  /** A double in [0, 1) from the top 53 bits of {@code r}. */
  static double unit(long r) {
    return (r >>> 11) * 0x1.0p-53;
  }

  /**
   * {@code r} reduced to [0, bound) by multiplying its top 32 bits, Lemire's way: no division, and
   * a bias of at most bound / 2^32.
   */
  static int below(long r, int bound) {
    return (int) (((r >>> 32) * bound) >>> 32);
  }
}
