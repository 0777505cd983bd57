package dev.jmesh.testsuite.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import org.junit.jupiter.api.Test;

/**
 * The JDK's own com.sun.net.httpserver on the direct inbound path ({@code jdk-httpserver}): the
 * server keeps its port, and mTLS, peer identity and policy run inside it. The engine-only
 * hardening of {@link AbstractMeshedHttpServerTest} (smuggling, slow headers, 413, drain) is the
 * JDK server's own here, so only the suite every server passes, plus what the application learns.
 */
class JdkServerDirectInboundTest extends AbstractMeshedServerTest {

  @Override
  String kind() {
    return "jdk";
  }

  @Override
  String directInbound() {
    return "jdk-httpserver";
  }

  @Override
  String portName() {
    return HttpServerCalls.PORT_NAME;
  }

  @Override
  ClientDriver.Result call(String host, int port) {
    return HttpServerCalls.call(client, host, port);
  }

  @Override
  boolean answered(ClientDriver.Result result) {
    return HttpServerCalls.answered(result, kindMarker());
  }

  @Override
  boolean denied(ClientDriver.Result result) {
    return HttpServerCalls.denied(result);
  }

  @Override
  boolean plaintextAnswered(int port) throws IOException {
    return HttpServerCalls.plaintextAnswered(port, kindMarker());
  }

  @Override
  String plaintextMarker() {
    return HttpServerCalls.PLAINTEXT_MARKER;
  }

  @Test
  void theApplicationLearnsItsPeerFromTheMeshsForwardedClientCert() throws Exception {
    ClientDriver.Result meshed = HttpServerCalls.call(client, service(), port);
    assertThat(meshed.body())
        .containsPattern(
            "xfcc=By=" + SERVER_PRINCIPAL + ";Hash=[0-9a-f]{64};URI=" + CLIENT_PRINCIPAL);
    // A client cannot claim an identity: its own XFCC never reaches the application.
    String forged = RawHttp.get(port, "/hello", "X-Forwarded-Client-Cert: URI=spiffe://evil/sa/x");
    assertThat(forged).contains("xfcc=-").doesNotContain("spiffe://evil");
  }

  @Test
  void aDeniedPathNeverReachesTheApplication() throws Exception {
    apply(
        "authz",
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
    await().until(() -> RawHttp.status(RawHttp.get(port, "/admin")) == 403);
    assertThat(RawHttp.get(port, "/admin")).doesNotContain(kindMarker());
    assertThat(plaintextAnswered(port)).as("other paths are served").isTrue();
  }
}
