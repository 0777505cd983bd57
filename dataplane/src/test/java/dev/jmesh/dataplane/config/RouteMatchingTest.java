package dev.jmesh.dataplane.config;

import static dev.jmesh.dataplane.config.Protos.config;
import static dev.jmesh.dataplane.config.Protos.header;
import static dev.jmesh.dataplane.config.Protos.prefix;
import static dev.jmesh.dataplane.config.Protos.regex;
import static dev.jmesh.dataplane.config.Protos.route;
import static dev.jmesh.dataplane.config.Protos.vhost;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.BoolValue;
import dev.jmesh.dataplane.route.FakeRequest;
import dev.jmesh.dataplane.route.RequestView;
import dev.jmesh.dataplane.route.RouteTable;
import io.envoyproxy.envoy.config.route.v3.HeaderMatcher;
import io.envoyproxy.envoy.config.route.v3.QueryParameterMatcher;
import io.envoyproxy.envoy.config.route.v3.RouteMatch;
import io.envoyproxy.envoy.type.matcher.v3.StringMatcher;
import io.envoyproxy.envoy.type.v3.Int64Range;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Envoy's route matching: paths, headers and query parameters, routes in order. */
class RouteMatchingTest {

  /** A table whose first route has {@code match} and a catch-all second route. */
  private static RouteTable table(RouteMatch.Builder match) throws InvalidConfigException {
    return RouteTableCompiler.compile(
        config(
            "rc",
            vhost(
                "vh",
                List.of("*"),
                route("hit", match, "hit"),
                route("miss", prefix("/"), "miss"))));
  }

  private static boolean hits(RouteMatch.Builder match, RequestView request)
      throws InvalidConfigException {
    return table(match).decide(request, 0).cluster().equals("hit");
  }

  private static boolean hitsPath(RouteMatch.Builder match, String path)
      throws InvalidConfigException {
    return hits(match, FakeRequest.get("h", path));
  }

  private static boolean hitsHeader(HeaderMatcher.Builder h, String name, String value)
      throws InvalidConfigException {
    FakeRequest r = FakeRequest.get("h", "/x");
    if (value != null) {
      r.header(name, value);
    }
    return hits(prefix("/").addHeaders(h), r);
  }

  @Test
  void prefixIncludesTheQueryString() throws Exception {
    assertThat(hitsPath(prefix("/api"), "/api/v1")).isTrue();
    assertThat(hitsPath(prefix("/api"), "/apiary")).isTrue();
    assertThat(hitsPath(prefix("/api?x"), "/api?x=1")).isTrue();
    assertThat(hitsPath(prefix("/api"), "/API")).isFalse();
  }

  @Test
  void caseInsensitivePaths() throws Exception {
    assertThat(hitsPath(prefix("/api").setCaseSensitive(BoolValue.of(false)), "/API/x")).isTrue();
    RouteMatch.Builder path =
        RouteMatch.newBuilder().setPath("/Login").setCaseSensitive(BoolValue.of(false));
    assertThat(hitsPath(path, "/LOGIN")).isTrue();
  }

  @Test
  void exactPathIgnoresTheQueryString() throws Exception {
    RouteMatch.Builder m = RouteMatch.newBuilder().setPath("/login");
    assertThat(hitsPath(m, "/login")).isTrue();
    assertThat(hitsPath(m, "/login?next=/")).isTrue();
    assertThat(hitsPath(m, "/login/")).isFalse();
    assertThat(hitsPath(m, "/Login")).isFalse();
  }

  @Test
  void safeRegexMatchesTheWholePathWithoutQuery() throws Exception {
    RouteMatch.Builder m = RouteMatch.newBuilder().setSafeRegex(regex("/users/[0-9]+"));
    assertThat(hitsPath(m, "/users/42")).isTrue();
    assertThat(hitsPath(m, "/users/42?x=1")).isTrue();
    assertThat(hitsPath(m, "/users/42/x")).isFalse();
    assertThat(hitsPath(m, "/v1/users/42")).isFalse();
  }

  @Test
  void pathSeparatedPrefixStopsAtASegment() throws Exception {
    RouteMatch.Builder m = RouteMatch.newBuilder().setPathSeparatedPrefix("/api");
    assertThat(hitsPath(m, "/api")).isTrue();
    assertThat(hitsPath(m, "/api/x")).isTrue();
    assertThat(hitsPath(m, "/api?x=1")).isTrue();
    assertThat(hitsPath(m, "/apiary")).isFalse();
  }

  @Test
  void pathSeparatedPrefixEndingInSlashIsRejected() {
    assertThatThrownBy(() -> table(RouteMatch.newBuilder().setPathSeparatedPrefix("/api/")))
        .hasMessageStartingWith("virtual_hosts[0].routes[0].match.path_separated_prefix:");
  }

  @Test
  void routesAreTriedInOrder() throws Exception {
    RouteTable t =
        RouteTableCompiler.compile(
            config(
                "rc",
                vhost(
                    "vh",
                    List.of("*"),
                    route("a", prefix("/"), "first"),
                    route("b", prefix("/specific"), "second"))));
    assertThat(t.decide(FakeRequest.get("h", "/specific"), 0).cluster()).isEqualTo("first");
  }

  @Test
  void legacyHeaderMatchers() throws Exception {
    assertThat(hitsHeader(header("x-v").setExactMatch("v2"), "x-v", "v2")).isTrue();
    assertThat(hitsHeader(header("x-v").setExactMatch("v2"), "x-v", "V2")).isFalse();
    assertThat(hitsHeader(header("x-v").setPrefixMatch("v"), "x-v", "v2")).isTrue();
    assertThat(hitsHeader(header("x-v").setSuffixMatch("2"), "x-v", "v2")).isTrue();
    assertThat(hitsHeader(header("x-v").setContainsMatch("-b"), "x-v", "a-b-c")).isTrue();
    assertThat(hitsHeader(header("x-v").setContainsMatch("-d"), "x-v", "a-b-c")).isFalse();
    assertThat(hitsHeader(header("x-v").setSafeRegexMatch(regex("v[0-9]")), "x-v", "v7")).isTrue();
    assertThat(hitsHeader(header("x-v").setSafeRegexMatch(regex("v[0-9]")), "x-v", "v77"))
        .isFalse();
  }

  @Test
  void stringMatchHeaderMatchersWithIgnoreCase() throws Exception {
    StringMatcher.Builder exact = StringMatcher.newBuilder().setExact("Alice").setIgnoreCase(true);
    assertThat(hitsHeader(header("x-user").setStringMatch(exact), "x-user", "ALICE")).isTrue();
    StringMatcher.Builder prefix = StringMatcher.newBuilder().setPrefix("Bearer ");
    assertThat(
            hitsHeader(
                header("authorization").setStringMatch(prefix), "authorization", "Bearer abc"))
        .isTrue();
    assertThat(
            hitsHeader(
                header("authorization").setStringMatch(prefix), "authorization", "bearer abc"))
        .isFalse();
    StringMatcher.Builder suffix =
        StringMatcher.newBuilder().setSuffix(".JSON").setIgnoreCase(true);
    assertThat(hitsHeader(header("accept").setStringMatch(suffix), "accept", "x.json")).isTrue();
    StringMatcher.Builder contains = StringMatcher.newBuilder().setContains("Mobile");
    assertThat(
            hitsHeader(
                header("user-agent").setStringMatch(contains),
                "user-agent",
                "Mozilla Mobile Safari"))
        .isTrue();
    StringMatcher.Builder re = StringMatcher.newBuilder().setSafeRegex(regex(".*Chrome.*"));
    assertThat(hitsHeader(header("user-agent").setStringMatch(re), "user-agent", "a Chrome b"))
        .isTrue();
  }

  @Test
  void headerNamesAreCaseInsensitive() throws Exception {
    assertThat(hitsHeader(header("X-Version").setExactMatch("v2"), "x-VERSION", "v2")).isTrue();
  }

  @Test
  void presentAndMissingHeaders() throws Exception {
    assertThat(hitsHeader(header("x-debug").setPresentMatch(true), "x-debug", "")).isTrue();
    assertThat(hitsHeader(header("x-debug").setPresentMatch(true), "x-debug", null)).isFalse();
    assertThat(hitsHeader(header("x-debug").setPresentMatch(false), "x-debug", null)).isTrue();
    assertThat(hitsHeader(header("x-debug").setPresentMatch(false), "x-debug", "1")).isFalse();
    // No specifier means present, as in Envoy.
    assertThat(hitsHeader(header("x-debug"), "x-debug", "1")).isTrue();
    assertThat(hitsHeader(header("x-debug").setExactMatch("1"), "x-debug", null)).isFalse();
  }

  @Test
  void invertMatch() throws Exception {
    assertThat(hitsHeader(header("x-v").setExactMatch("v1").setInvertMatch(true), "x-v", "v2"))
        .isTrue();
    assertThat(hitsHeader(header("x-v").setExactMatch("v1").setInvertMatch(true), "x-v", "v1"))
        .isFalse();
    // A missing header fails an inverted value matcher (Envoy since 1.23) ...
    assertThat(hitsHeader(header("x-v").setExactMatch("v1").setInvertMatch(true), "x-v", null))
        .isFalse();
    // ... unless it is treated as empty.
    assertThat(
            hitsHeader(
                header("x-v")
                    .setExactMatch("v1")
                    .setInvertMatch(true)
                    .setTreatMissingHeaderAsEmpty(true),
                "x-v",
                null))
        .isTrue();
    // Inverted present_match: true means "absent".
    assertThat(hitsHeader(header("x-v").setPresentMatch(true).setInvertMatch(true), "x-v", null))
        .isTrue();
    assertThat(hitsHeader(header("x-v").setPresentMatch(true).setInvertMatch(true), "x-v", "1"))
        .isFalse();
  }

  @Test
  void rangeMatch() throws Exception {
    HeaderMatcher.Builder h =
        header("x-n").setRangeMatch(Int64Range.newBuilder().setStart(-5).setEnd(10));
    assertThat(hitsHeader(h, "x-n", "-5")).isTrue();
    assertThat(hitsHeader(h, "x-n", "9")).isTrue();
    assertThat(hitsHeader(h, "x-n", "10")).isFalse();
    assertThat(hitsHeader(h, "x-n", "abc")).isFalse();
    assertThat(hitsHeader(h.clone().setInvertMatch(true), "x-n", "10")).isTrue();
  }

  @Test
  void pseudoHeadersReadTheRequestLine() throws Exception {
    RouteMatch.Builder post = prefix("/").addHeaders(header(":method").setExactMatch("POST"));
    assertThat(hits(post, FakeRequest.of("POST", "h", "/"))).isTrue();
    assertThat(hits(post, FakeRequest.of("GET", "h", "/"))).isFalse();
    RouteMatch.Builder auth = prefix("/").addHeaders(header(":authority").setPrefixMatch("api."));
    assertThat(hits(auth, FakeRequest.get("api.example", "/"))).isTrue();
  }

  @Test
  void everyMatcherMustHold() throws Exception {
    RouteMatch.Builder m =
        prefix("/")
            .addHeaders(header("a").setExactMatch("1"))
            .addHeaders(header("b").setExactMatch("2"));
    assertThat(hits(m, FakeRequest.get("h", "/").header("a", "1").header("b", "2"))).isTrue();
    assertThat(hits(m, FakeRequest.get("h", "/").header("a", "1"))).isFalse();
  }

  @Test
  void queryParameterMatchers() throws Exception {
    RouteMatch.Builder m =
        prefix("/")
            .addQueryParameters(
                QueryParameterMatcher.newBuilder()
                    .setName("version")
                    .setStringMatch(StringMatcher.newBuilder().setExact("V2").setIgnoreCase(true)))
            .addQueryParameters(
                QueryParameterMatcher.newBuilder().setName("debug").setPresentMatch(true));
    assertThat(hitsPath(m, "/p?version=v2&debug")).isTrue();
    assertThat(hitsPath(m, "/p?debug=1&version=v2")).isTrue();
    assertThat(hitsPath(m, "/p?version=v2")).isFalse();
    assertThat(hitsPath(m, "/p?version=v3&debug")).isFalse();
  }

  @Test
  void aRegexThatDoesNotCompileIsRejectedByField() {
    assertThatThrownBy(
            () -> table(prefix("/").addHeaders(header("x").setSafeRegexMatch(regex("a(b")))))
        .hasMessageStartingWith(
            "virtual_hosts[0].routes[0].match.headers[0].safe_regex_match.regex: invalid RE2"
                + " regex");
    // Backreferences are not RE2.
    assertThatThrownBy(() -> table(RouteMatch.newBuilder().setSafeRegex(regex("(a)\\1"))))
        .hasMessageStartingWith("virtual_hosts[0].routes[0].match.safe_regex.regex:");
  }

  @Test
  void aPathologicalRegexOnALongHeaderFinishesInLinearTime() throws Exception {
    // (a+)+$ takes exponential time in a backtracking engine on "aaaa...!".
    RouteTable t = table(prefix("/").addHeaders(header("x").setSafeRegexMatch(regex("(a+)+$"))));
    FakeRequest r = FakeRequest.get("h", "/").header("x", "a".repeat(100_000) + "!");
    long start = System.nanoTime();
    assertThat(t.decide(r, 0).cluster()).isEqualTo("miss");
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(2));
  }

  @Test
  void unsupportedMatchFieldsAreRejectedByName() {
    RouteMatch.Builder grpc =
        prefix("/").setGrpc(RouteMatch.GrpcRouteMatchOptions.getDefaultInstance());
    assertThatThrownBy(() -> table(grpc))
        .hasMessage("virtual_hosts[0].routes[0].match.grpc: not supported");
  }

  @Test
  void emptyLiteralMatchersAreRejected() {
    assertThatThrownBy(() -> table(prefix("/").addHeaders(header("x").setContainsMatch(""))))
        .hasMessage(
            "virtual_hosts[0].routes[0].match.headers[0].contains_match: must not be empty");
    assertThatThrownBy(
            () ->
                table(
                    prefix("/")
                        .addHeaders(
                            header("x")
                                .setStringMatch(
                                    StringMatcher.newBuilder()
                                        .setSafeRegex(regex("a"))
                                        .setIgnoreCase(true)))))
        .hasMessage(
            "virtual_hosts[0].routes[0].match.headers[0].string_match.ignore_case:"
                + " does not apply to safe_regex");
  }
}
