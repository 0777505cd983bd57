package dev.jmesh.dataplane.route;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Envoy's virtual host selection: exact domains first, then suffix wildcards ({@code *.foo.com}),
 * then prefix wildcards ({@code foo.*}), the longest wildcard first, then {@code *}. A wildcard
 * stands for at least one character. Lookups ignore ASCII case and allocate nothing.
 */
final class DomainIndex {

  private final String[] exactKeys;
  private final int[] exactValues;
  private final int mask;
  private final String[] suffixes;
  private final int[] suffixValues;
  private final String[] prefixes;
  private final int[] prefixValues;
  private final int defaultValue;

  /**
   * Indexes {@code domainsByHost.get(i)} as the domains of virtual host {@code i}.
   *
   * @throws IllegalArgumentException naming a domain that is empty, repeated or malformed
   */
  DomainIndex(List<List<String>> domainsByHost) {
    List<String> exact = new ArrayList<>();
    List<Integer> exactIdx = new ArrayList<>();
    List<Object[]> suffix = new ArrayList<>();
    List<Object[]> prefix = new ArrayList<>();
    int def = -1;
    Set<String> seen = new HashSet<>();
    for (int i = 0; i < domainsByHost.size(); i++) {
      for (String raw : domainsByHost.get(i)) {
        String d = raw.toLowerCase(Locale.ROOT);
        if (d.isEmpty()) {
          throw new IllegalArgumentException("empty domain");
        }
        if (!seen.add(d)) {
          throw new IllegalArgumentException("domain " + raw + " appears more than once");
        }
        if (d.equals("*")) {
          def = i;
        } else if (d.startsWith("*")) {
          check(raw, d.substring(1));
          suffix.add(new Object[] {d.substring(1), i});
        } else if (d.endsWith("*")) {
          check(raw, d.substring(0, d.length() - 1));
          prefix.add(new Object[] {d.substring(0, d.length() - 1), i});
        } else {
          check(raw, d);
          exact.add(d);
          exactIdx.add(i);
        }
      }
    }
    int cap = Integer.highestOneBit(Math.max(4, exact.size() * 2 + 1)) << 1;
    exactKeys = new String[cap];
    exactValues = new int[cap];
    mask = cap - 1;
    for (int i = 0; i < exact.size(); i++) {
      String k = exact.get(i);
      int slot = hash(k, k.length()) & mask;
      while (exactKeys[slot] != null) {
        slot = (slot + 1) & mask;
      }
      exactKeys[slot] = k;
      exactValues[slot] = exactIdx.get(i);
    }
    Comparator<Object[]> longestFirst =
        Comparator.comparingInt((Object[] e) -> ((String) e[0]).length()).reversed();
    suffix.sort(longestFirst);
    prefix.sort(longestFirst);
    suffixes = suffix.stream().map(e -> (String) e[0]).toArray(String[]::new);
    suffixValues = suffix.stream().mapToInt(e -> (Integer) e[1]).toArray();
    prefixes = prefix.stream().map(e -> (String) e[0]).toArray(String[]::new);
    prefixValues = prefix.stream().mapToInt(e -> (Integer) e[1]).toArray();
    defaultValue = def;
  }

  private static void check(String raw, String rest) {
    if (rest.isEmpty() || rest.indexOf('*') >= 0) {
      throw new IllegalArgumentException(
          "domain " + raw + ": a wildcard must be '*', a leading '*' or a trailing '*'");
    }
  }

  /** The virtual host for {@code host.substring(0, end)}, or -1. */
  int lookup(String host, int end) {
    if (end > 0) {
      int slot = hash(host, end) & mask;
      String k;
      while ((k = exactKeys[slot]) != null) {
        if (k.length() == end && matchesAt(host, 0, k)) {
          return exactValues[slot];
        }
        slot = (slot + 1) & mask;
      }
      for (int i = 0; i < suffixes.length; i++) {
        String s = suffixes[i];
        if (s.length() < end && matchesAt(host, end - s.length(), s)) {
          return suffixValues[i];
        }
      }
      for (int i = 0; i < prefixes.length; i++) {
        String p = prefixes[i];
        if (p.length() < end && matchesAt(host, 0, p)) {
          return prefixValues[i];
        }
      }
    }
    return defaultValue;
  }

  /**
   * Whether {@code host} holds the lower-case {@code domain} at {@code offset}, ignoring case;
   * authorities are nearly always lower case, so the exact comparison comes first.
   */
  private static boolean matchesAt(String host, int offset, String domain) {
    return host.startsWith(domain, offset)
        || host.regionMatches(true, offset, domain, 0, domain.length());
  }

  private static int hash(String s, int end) {
    int h = 0;
    for (int i = 0; i < end; i++) {
      char c = s.charAt(i);
      if (c >= 'A' && c <= 'Z') {
        c += 'a' - 'A';
      }
      h = 31 * h + c;
    }
    return h ^ (h >>> 16);
  }
}
