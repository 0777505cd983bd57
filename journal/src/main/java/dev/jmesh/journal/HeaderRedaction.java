package dev.jmesh.journal;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;

/**
 * The headers whose values never reach the disk: credentials by default ({@code Authorization},
 * {@code Proxy-Authorization}, {@code Cookie}, {@code Set-Cookie}) plus configured names. The name
 * is kept so a reader still sees that the header was sent. Matched case-insensitively without
 * allocating, since the request thread checks every header as it encodes the entry.
 */
final class HeaderRedaction {

  static final List<String> DEFAULT_NAMES =
      List.of("authorization", "proxy-authorization", "cookie", "set-cookie");

  private final String[] names;

  HeaderRedaction(Collection<String> extra) {
    List<String> all = new ArrayList<>(DEFAULT_NAMES);
    for (String name : extra) {
      String lower = name.trim().toLowerCase(Locale.ROOT);
      if (!lower.isEmpty() && !all.contains(lower)) {
        all.add(lower);
      }
    }
    this.names = all.toArray(new String[0]);
  }

  boolean redacts(String header) {
    for (String name : names) {
      if (name.equalsIgnoreCase(header)) {
        return true;
      }
    }
    return false;
  }

  List<String> names() {
    return List.of(names);
  }
}
