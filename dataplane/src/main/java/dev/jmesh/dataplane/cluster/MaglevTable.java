package dev.jmesh.dataplane.cluster;

/**
 * Envoy's weighted Maglev table (Eisenbud et al., "Maglev", NSDI 2016): each host walks its own
 * permutation of the table's slots, {@code (offset + skip × j) mod size} with offset and skip from
 * xxHash64 of {@code address:port} (seeds 0 and 1), and claims the next free slot in turns; a host
 * of half the top weight takes a turn every other round. A request goes to slot {@code hash mod
 * size}.
 */
final class MaglevTable implements HashTable {

  private final Host[] table;

  /**
   * @param hosts the hosts, in a stable order
   * @param normalizedWeights each host's share
   * @param size a prime
   */
  MaglevTable(Host[] hosts, double[] normalizedWeights, int size) {
    int n = hosts.length;
    long[] offset = new long[n];
    long[] skip = new long[n];
    long[] next = new long[n];
    double[] target = new double[n];
    double max = 0;
    for (int i = 0; i < n; i++) {
      String key = hosts[i].hostKey();
      offset[i] = Long.remainderUnsigned(XxHash64.hash(key, 0), size);
      skip[i] = Long.remainderUnsigned(XxHash64.hash(key, 1), size - 1) + 1;
      max = Math.max(max, normalizedWeights[i]);
    }
    table = new Host[size];
    int filled = 0;
    for (long iteration = 1; filled < size; iteration++) {
      for (int i = 0; i < n && filled < size; i++) {
        if (iteration * normalizedWeights[i] < target[i]) {
          continue;
        }
        target[i] += max;
        int c = (int) ((offset[i] + skip[i] * next[i]) % size);
        while (table[c] != null) {
          next[i]++;
          c = (int) ((offset[i] + skip[i] * next[i]) % size);
        }
        table[c] = hosts[i];
        next[i]++;
        filled++;
      }
    }
  }

  @Override
  public Host pick(long hash) {
    return table[(int) Long.remainderUnsigned(hash, table.length)];
  }
}
