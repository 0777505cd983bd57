package dev.jmesh.dataplane.route;

import com.google.re2j.Pattern;

/**
 * A route's {@code prefix_rewrite} or {@code regex_rewrite}, applied to the path before the request
 * goes upstream. The query string is kept.
 */
public final class PathRewrite {

  private final String matchedPrefix;
  private final String replacement;
  private final Pattern regex;

  private PathRewrite(String matchedPrefix, String replacement, Pattern regex) {
    this.matchedPrefix = matchedPrefix;
    this.replacement = replacement;
    this.regex = regex;
  }

  /** Replaces the route's matched {@code prefix} with {@code replacement}. */
  public static PathRewrite prefix(String matchedPrefix, String replacement) {
    return new PathRewrite(matchedPrefix, replacement, null);
  }

  /**
   * Replaces every match of {@code regex} in the path with {@code substitution}, in which {@code
   * \1}…{@code \9} are the capture groups (Envoy's syntax).
   */
  public static PathRewrite regex(Pattern regex, String substitution) {
    return new PathRewrite(null, toRe2j(substitution), regex);
  }

  /** The rewritten request target; allocates, so call it only for a route that rewrites. */
  public String rewrite(String target) {
    int q = target.indexOf('?');
    String path = q < 0 ? target : target.substring(0, q);
    String query = q < 0 ? "" : target.substring(q);
    String rewritten;
    if (regex == null) {
      rewritten = replacement + path.substring(Math.min(matchedPrefix.length(), path.length()));
    } else {
      rewritten = regex.matcher(path).replaceAll(replacement);
    }
    return rewritten + query;
  }

  /** Envoy's {@code \N} group references as RE2/J's {@code $N}, other characters literal. */
  private static String toRe2j(String substitution) {
    StringBuilder b = new StringBuilder(substitution.length() + 8);
    for (int i = 0; i < substitution.length(); i++) {
      char c = substitution.charAt(i);
      if (c == '\\'
          && i + 1 < substitution.length()
          && Character.isDigit(substitution.charAt(i + 1))) {
        b.append('$').append(substitution.charAt(++i));
      } else if (c == '\\' && i + 1 < substitution.length() && substitution.charAt(i + 1) == '\\') {
        b.append("\\\\");
        i++;
      } else if (c == '$' || c == '\\') {
        b.append('\\').append(c);
      } else {
        b.append(c);
      }
    }
    return b.toString();
  }
}
