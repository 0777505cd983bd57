package dev.jmesh.instrumentation.jdkhttpclient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsExchange;
import com.sun.net.httpserver.HttpsParameters;
import com.sun.net.httpserver.HttpsServer;
import dev.jmesh.instrumentation.testing.ScriptedBridge;
import dev.jmesh.instrumentation.testing.ScriptedCall;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLParameters;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Mesh mTLS on the client's own connection: the application sends {@code http://reviews:9080}, the
 * endpoint only speaks mutual TLS, and the mesh's context (not the client's) makes it.
 */
@Timeout(value = 20, unit = TimeUnit.SECONDS)
class JdkHttpClientMutualTlsTest {

  private static TestIdentity serverIdentity;
  private static TestIdentity workloadIdentity;

  private ScriptedBridge mesh;
  private HttpsServer server;
  private final List<String> seen = new CopyOnWriteArrayList<>();

  @BeforeAll
  static void installAgent() throws Exception {
    DirectPathInstaller.install();
    serverIdentity = new TestIdentity("reviews-v1");
    workloadIdentity = new TestIdentity("productpage");
  }

  @BeforeEach
  void setUp() throws Exception {
    mesh = ScriptedBridge.install();
    SSLContext serverContext = serverIdentity.contextTrusting(workloadIdentity);
    server = HttpsServer.create(new InetSocketAddress(InetAddress.getByName("127.0.0.5"), 0), 50);
    server.setHttpsConfigurator(
        new HttpsConfigurator(serverContext) {
          @Override
          public void configure(HttpsParameters params) {
            SSLParameters mutual = getSSLContext().getDefaultSSLParameters();
            mutual.setNeedClientAuth(true);
            params.setSSLParameters(mutual);
          }
        });
    server.createContext(
        "/",
        exchange -> {
          X509Certificate peer =
              (X509Certificate) ((HttpsExchange) exchange).getSSLSession().getPeerCertificates()[0];
          seen.add(
              exchange.getRequestHeaders().getFirst("Host")
                  + " "
                  + peer.getSubjectX500Principal().getName());
          byte[] body = "secured".getBytes(StandardCharsets.UTF_8);
          exchange.sendResponseHeaders(200, body.length);
          try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
          }
        });
    server.start();
  }

  @AfterEach
  void tearDown() throws InterruptedException {
    assertThat(DirectPathInstaller.boundRequestsAfterSettling()).isZero();
    mesh.close();
    server.stop(0);
  }

  @ParameterizedTest
  @EnumSource(HttpClient.Version.class)
  void anHttpRequestGoesOutOverTheMeshsMutualTls(HttpClient.Version version) throws Exception {
    SSLContext meshTls = workloadIdentity.contextTrusting(serverIdentity);
    InetSocketAddress endpoint = server.getAddress();
    mesh.tls(endpoint, meshTls);
    mesh.route("reviews", 9080, r -> new ScriptedCall().endpoints(endpoint).tls(meshTls));
    HttpClient client = HttpClient.newBuilder().version(version).build();

    HttpResponse<String> response =
        client.send(
            HttpRequest.newBuilder(URI.create("http://reviews:9080/")).build(),
            HttpResponse.BodyHandlers.ofString());

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.body()).isEqualTo("secured");
    assertThat(seen).containsExactly("reviews:9080 CN=productpage");
  }

  @Test
  void withoutTheMeshsContextTheEndpointIsNeverReachedInPlaintext() throws Exception {
    // The call says TLS but the bridge has no context for the endpoint: the client's own TLS
    // cannot verify an IP, so the request fails instead of leaving unsecured.
    SSLContext meshTls = workloadIdentity.contextTrusting(serverIdentity);
    InetSocketAddress endpoint = server.getAddress();
    mesh.route("reviews", 9080, r -> new ScriptedCall().endpoints(endpoint).tls(meshTls));
    HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    assertThatThrownBy(
            () ->
                client.send(
                    HttpRequest.newBuilder(URI.create("http://reviews:9080/")).build(),
                    HttpResponse.BodyHandlers.ofString()))
        .isInstanceOf(SSLHandshakeException.class);
    assertThat(seen).isEmpty();
  }
}
