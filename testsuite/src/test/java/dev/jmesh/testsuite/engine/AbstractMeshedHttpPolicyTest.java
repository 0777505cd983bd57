package dev.jmesh.testsuite.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import org.junit.jupiter.api.Test;

/**
 * An HTTP server in the mesh, whoever enforces the mesh's rules (the engine in front of it, or its
 * own direct-inbound instrumentation): on top of what every server gets, Istio's L7 policy (paths,
 * methods, JWT), local rate limiting, the headers the application learns its peer from, and the
 * destination's records.
 */
abstract class AbstractMeshedHttpPolicyTest extends AbstractMeshedServerTest {

  @Override
  String portName() {
    return "http";
  }

  @Override
  ClientDriver.Result call(String host, int port) {
    return client.run("http GET http://" + host + ":" + port + "/hello");
  }

  @Override
  boolean answered(ClientDriver.Result result) {
    return result.ok() && result.status() == 200 && result.body().contains(kindMarker());
  }

  @Override
  boolean denied(ClientDriver.Result result) {
    return result.ok() && result.status() == 403 && result.body().contains("RBAC: access denied");
  }

  @Override
  boolean plaintextAnswered(int port) throws IOException {
    return RawHttp.get(port, "/hello").contains(kindMarker());
  }

  @Override
  String plaintextMarker() {
    return "GET /hello";
  }

  ClientDriver.Result get(String path, String... headers) {
    return client.run(
        "http GET http://" + service() + ":" + port + path + " " + String.join(" ", headers));
  }

  // ---- L7 authorization ----

  @Test
  void pathsMethodsAndTheirNegationsSelectRequests() throws Exception {
    apply(
        "authz",
        MeshPolicies.authorization(
            "public-reads",
            service(),
            "ALLOW",
            """
            rules:
            - to:
              - operation:
                  methods: ["GET"]
                  paths: ["/public/*", "/hello"]
                  notPaths: ["/public/secret"]
            """));
    await().until(() -> get("/private").status() == 403);
    assertThat(get("/public/page").status()).isEqualTo(200);
    assertThat(get("/hello").status()).isEqualTo(200);
    assertThat(get("/public/secret").status()).isEqualTo(403);
    ClientDriver.Result post = client.run("http POST http://" + service() + ":" + port + "/hello");
    assertThat(post.status()).isEqualTo(403);
    assertThat(post.body()).contains("RBAC: access denied");
  }

  @Test
  void aDenyPolicyWinsOverAnAllowPolicy() throws Exception {
    apply(
        "authz",
        MeshPolicies.authorization(
            "allow-all-paths",
            service(),
            "ALLOW",
            """
            rules:
            - to:
              - operation:
                  paths: ["*"]
            """));
    apply(
        "authz-deny",
        MeshPolicies.authorization(
            "deny-admin",
            service(),
            "DENY",
            """
            rules:
            - to:
              - operation:
                  paths: ["/admin*"]
            """));
    await().until(() -> get("/admin/users").status() == 403);
    assertThat(get("/hello").status()).isEqualTo(200);
  }

  // ---- JWT ----

  @Test
  void aValidJwtIsAcceptedAndAForgedOrExpiredOneRefused() throws Exception {
    TestJwt jwt = new TestJwt("https://issuer.example", "alice");
    apply("jwt", jwt.requestAuthentication(service()));
    apply(
        "authz",
        MeshPolicies.authorization(
            "require-jwt",
            service(),
            "ALLOW",
            """
            rules:
            - from:
              - source:
                  requestPrincipals: ["https://issuer.example/alice"]
            """));
    // No token, no request principal: refused once the policy is in force.
    await().until(() -> get("/hello").status() == 403);
    ClientDriver.Result verified = get("/hello", "x-jwt:" + jwt.valid());
    assertThat(verified.status()).isEqualTo(200);
    // Istio's default, forwardOriginalToken: false: the verified token stops at the mesh.
    assertThat(verified.body()).contains("path=/hello").doesNotContain("header:x-jwt=");
    assertThat(get("/hello", "x-jwt:" + jwt.forged()).status()).isEqualTo(401);
    assertThat(get("/hello", "x-jwt:" + jwt.expired()).status()).isEqualTo(401);
  }

  // ---- rate limit ----

  @Test
  void localRateLimitAnswers429WithRateLimitHeaders() throws Exception {
    apply("ratelimit", RateLimits.envoyFilter(service(), 3, "60s"));
    await()
        .until(
            () -> {
              for (int i = 0; i < 5; i++) {
                if (RawHttp.status(RawHttp.get(port, "/hello")) == 429) {
                  return true;
                }
              }
              return false;
            });
    String limited = RawHttp.get(port, "/hello");
    assertThat(RawHttp.status(limited)).isEqualTo(429);
    assertThat(limited.toLowerCase())
        .contains("x-ratelimit-limit: 3")
        .contains("x-ratelimit-remaining: 0");
  }

  // ---- what the application learns ----

  @Test
  void theApplicationLearnsItsPeerFromForwardedHeadersTheEngineSets() throws Exception {
    ClientDriver.Result meshed = get("/hello");
    assertThat(meshed.body())
        .contains("xff=127.0.0.1")
        .containsPattern(
            "xfcc=By=" + SERVER_PRINCIPAL + ";Hash=[0-9a-f]{64};URI=" + CLIENT_PRINCIPAL);
    // A client cannot claim an identity: its own XFCC never reaches the application.
    String forged = RawHttp.get(port, "/hello", "X-Forwarded-Client-Cert: URI=spiffe://evil/sa/x");
    assertThat(forged).contains("xfcc=-").doesNotContain("spiffe://evil");
  }

  @Test
  void inboundRecordsCarryThePeerPrincipalAndWorkload() {
    assertThat(answered(call(service(), port))).isTrue();
    await()
        .untilAsserted(
            () ->
                assertThat(
                        server.metric(
                            "istio_requests_total",
                            "reporter",
                            "destination",
                            "source_principal",
                            CLIENT_PRINCIPAL,
                            "source_workload",
                            "client",
                            "source_app",
                            "client",
                            "destination_principal",
                            SERVER_PRINCIPAL,
                            "response_code",
                            "200",
                            "connection_security_policy",
                            "mutual_tls"))
                    .isPositive());
  }
}
