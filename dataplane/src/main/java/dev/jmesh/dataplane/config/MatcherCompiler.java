package dev.jmesh.dataplane.config;

import com.google.re2j.Pattern;
import com.google.re2j.PatternSyntaxException;
import dev.jmesh.dataplane.route.HeaderMatch;
import dev.jmesh.dataplane.route.PathMatch;
import dev.jmesh.dataplane.route.QueryParameterMatch;
import dev.jmesh.dataplane.route.StringMatch;
import io.envoyproxy.envoy.config.route.v3.HeaderMatcher;
import io.envoyproxy.envoy.config.route.v3.QueryParameterMatcher;
import io.envoyproxy.envoy.config.route.v3.RouteMatch;
import io.envoyproxy.envoy.type.matcher.v3.RegexMatcher;
import io.envoyproxy.envoy.type.matcher.v3.StringMatcher;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/** Compiles route matchers; every regex is compiled here, once, with RE2/J. */
final class MatcherCompiler {

  private static final Set<String> ROUTE_MATCH =
      Set.of(
          "prefix",
          "path",
          "safe_regex",
          "path_separated_prefix",
          "case_sensitive",
          "headers",
          "query_parameters");
  private static final Set<String> HEADER_MATCHER =
      Set.of(
          "name",
          "exact_match",
          "safe_regex_match",
          "range_match",
          "present_match",
          "prefix_match",
          "suffix_match",
          "contains_match",
          "string_match",
          "invert_match",
          "treat_missing_header_as_empty");
  private static final Set<String> STRING_MATCHER =
      Set.of("exact", "prefix", "suffix", "safe_regex", "contains", "ignore_case");
  private static final Set<String> REGEX_MATCHER = Set.of("google_re2", "regex");
  private static final Set<String> QUERY_MATCHER = Set.of("name", "string_match", "present_match");

  private MatcherCompiler() {}

  static PathMatch path(RouteMatch m, String at) throws InvalidConfigException {
    SupportedFields.check(m, at, ROUTE_MATCH);
    boolean caseSensitive = !m.hasCaseSensitive() || m.getCaseSensitive().getValue();
    switch (m.getPathSpecifierCase()) {
      case PREFIX:
        return PathMatch.literal(PathMatch.Kind.PREFIX, m.getPrefix(), caseSensitive);
      case PATH:
        return PathMatch.literal(PathMatch.Kind.PATH, m.getPath(), caseSensitive);
      case SAFE_REGEX:
        return PathMatch.regex(regex(m.getSafeRegex(), at + ".safe_regex"));
      case PATH_SEPARATED_PREFIX:
        {
          String p = m.getPathSeparatedPrefix();
          if (p.isEmpty() || p.endsWith("/") || p.indexOf('?') >= 0 || p.indexOf('#') >= 0) {
            throw new InvalidConfigException(
                at + ".path_separated_prefix",
                "must be non-empty, contain no '?' or '#' and not end with '/'");
          }
          return PathMatch.literal(PathMatch.Kind.SEPARATED_PREFIX, p, caseSensitive);
        }
      default:
        throw new InvalidConfigException(at, "a path specifier is required");
    }
  }

  static List<HeaderMatch> headers(List<HeaderMatcher> list, String at)
      throws InvalidConfigException {
    List<HeaderMatch> out = new ArrayList<>(list.size());
    for (int i = 0; i < list.size(); i++) {
      out.add(header(list.get(i), at + "[" + i + "]"));
    }
    return out;
  }

  static HeaderMatch header(HeaderMatcher h, String at) throws InvalidConfigException {
    SupportedFields.check(h, at, HEADER_MATCHER);
    String name = h.getName().toLowerCase(Locale.ROOT);
    if (name.isEmpty()) {
      throw new InvalidConfigException(at + ".name", "must not be empty");
    }
    boolean invert = h.getInvertMatch();
    boolean empty = h.getTreatMissingHeaderAsEmpty();
    switch (h.getHeaderMatchSpecifierCase()) {
      case EXACT_MATCH:
        return HeaderMatch.string(
            name,
            literal(StringMatch.Kind.EXACT, h.getExactMatch(), false, at + ".exact_match", true),
            invert,
            empty);
      case PREFIX_MATCH:
        return HeaderMatch.string(
            name,
            literal(
                StringMatch.Kind.PREFIX, h.getPrefixMatch(), false, at + ".prefix_match", false),
            invert,
            empty);
      case SUFFIX_MATCH:
        return HeaderMatch.string(
            name,
            literal(
                StringMatch.Kind.SUFFIX, h.getSuffixMatch(), false, at + ".suffix_match", false),
            invert,
            empty);
      case CONTAINS_MATCH:
        return HeaderMatch.string(
            name,
            literal(
                StringMatch.Kind.CONTAINS,
                h.getContainsMatch(),
                false,
                at + ".contains_match",
                false),
            invert,
            empty);
      case SAFE_REGEX_MATCH:
        return HeaderMatch.string(
            name,
            StringMatch.regex(regex(h.getSafeRegexMatch(), at + ".safe_regex_match")),
            invert,
            empty);
      case STRING_MATCH:
        return HeaderMatch.string(
            name, string(h.getStringMatch(), at + ".string_match"), invert, empty);
      case PRESENT_MATCH:
        return HeaderMatch.present(name, h.getPresentMatch(), invert, empty);
      case RANGE_MATCH:
        if (h.getRangeMatch().getStart() >= h.getRangeMatch().getEnd()) {
          throw new InvalidConfigException(at + ".range_match", "start must be below end");
        }
        return HeaderMatch.range(
            name, h.getRangeMatch().getStart(), h.getRangeMatch().getEnd(), invert, empty);
      default:
        // Envoy treats a matcher without a specifier as "present".
        return HeaderMatch.present(name, true, invert, empty);
    }
  }

  static List<QueryParameterMatch> queryParameters(List<QueryParameterMatcher> list, String at)
      throws InvalidConfigException {
    List<QueryParameterMatch> out = new ArrayList<>(list.size());
    for (int i = 0; i < list.size(); i++) {
      QueryParameterMatcher q = list.get(i);
      String qat = at + "[" + i + "]";
      SupportedFields.check(q, qat, QUERY_MATCHER);
      if (q.getName().isEmpty()) {
        throw new InvalidConfigException(qat + ".name", "must not be empty");
      }
      switch (q.getQueryParameterMatchSpecifierCase()) {
        case STRING_MATCH:
          out.add(
              QueryParameterMatch.value(
                  q.getName(), string(q.getStringMatch(), qat + ".string_match")));
          break;
        case PRESENT_MATCH:
          if (!q.getPresentMatch()) {
            throw new InvalidConfigException(qat + ".present_match", "false is not supported");
          }
          out.add(QueryParameterMatch.present(q.getName()));
          break;
        default:
          throw new InvalidConfigException(qat, "string_match or present_match is required");
      }
    }
    return out;
  }

  static StringMatch string(StringMatcher s, String at) throws InvalidConfigException {
    SupportedFields.check(s, at, STRING_MATCHER);
    boolean ic = s.getIgnoreCase();
    switch (s.getMatchPatternCase()) {
      case EXACT:
        return literal(StringMatch.Kind.EXACT, s.getExact(), ic, at + ".exact", true);
      case PREFIX:
        return literal(StringMatch.Kind.PREFIX, s.getPrefix(), ic, at + ".prefix", false);
      case SUFFIX:
        return literal(StringMatch.Kind.SUFFIX, s.getSuffix(), ic, at + ".suffix", false);
      case CONTAINS:
        return literal(StringMatch.Kind.CONTAINS, s.getContains(), ic, at + ".contains", false);
      case SAFE_REGEX:
        if (ic) {
          throw new InvalidConfigException(at + ".ignore_case", "does not apply to safe_regex");
        }
        return StringMatch.regex(regex(s.getSafeRegex(), at + ".safe_regex"));
      default:
        throw new InvalidConfigException(at, "a match pattern is required");
    }
  }

  private static StringMatch literal(
      StringMatch.Kind kind, String value, boolean ignoreCase, String at, boolean emptyAllowed)
      throws InvalidConfigException {
    if (value.isEmpty() && !emptyAllowed) {
      throw new InvalidConfigException(at, "must not be empty");
    }
    return StringMatch.literal(kind, value, ignoreCase);
  }

  static Pattern regex(RegexMatcher r, String at) throws InvalidConfigException {
    SupportedFields.check(r, at, REGEX_MATCHER);
    if (r.hasGoogleRe2()) {
      SupportedFields.check(r.getGoogleRe2(), at + ".google_re2", Set.of());
    }
    try {
      return Pattern.compile(r.getRegex());
    } catch (PatternSyntaxException e) {
      throw new InvalidConfigException(at + ".regex", "invalid RE2 regex: " + e.getMessage());
    }
  }
}
