package dev.jmesh.testapps.httpclients;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Every library against a real loopback server: headers, bodies, async, bursts. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ClientLibrariesTest {

  private final ExecutorService threads = Executors.newCachedThreadPool();
  private HttpServer server;
  private String base;

  @BeforeAll
  void startServer() throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
    server.createContext(
        "/",
        exchange -> {
          try (exchange) {
            int read;
            try (InputStream in = exchange.getRequestBody()) {
              read = in.readAllBytes().length;
            }
            int status = exchange.getRequestURI().getPath().equals("/missing") ? 404 : 200;
            byte[] body =
                ("method="
                        + exchange.getRequestMethod()
                        + "\nx-test="
                        + exchange.getRequestHeaders().getFirst("x-test")
                        + "\nread="
                        + read
                        + "\n")
                    .getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(status, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
              out.write(body);
            }
          }
        });
    server.setExecutor(threads);
    server.start();
    base = "http://127.0.0.1:" + server.getAddress().getPort();
  }

  @AfterAll
  void stopServer() {
    server.stop(0);
    threads.shutdownNow();
  }

  static Iterable<String> libraries() {
    return ClientLibraries.HTTP_NAMES;
  }

  @ParameterizedTest
  @MethodSource("libraries")
  void sendsHeadersAndBodiesAndReadsErrorStatuses(String name) throws Exception {
    ClientLibrary library = ClientLibraries.create(name);
    Outcome get = library.send(Exchange.parse(new String[] {"GET", base + "/", "x-test:a"}, 0));
    assertThat(get.status()).isEqualTo(200);
    assertThat(get.firstLine()).isEqualTo("method=GET");
    assertThat(get.body()).contains("x-test=a");

    Outcome post =
        library.send(Exchange.parse(new String[] {"POST", base + "/", "--body", "100"}, 0));
    assertThat(post.body()).contains("read=100");
    Outcome stream =
        library.send(Exchange.parse(new String[] {"PUT", base + "/", "--stream-body", "70"}, 0));
    assertThat(stream.body()).contains("method=PUT").contains("read=70");

    Outcome missing = library.send(Exchange.parse(new String[] {"GET", base + "/missing"}, 0));
    assertThat(missing.status()).isEqualTo(404);
    assertThat(missing.firstLine()).isEqualTo("method=GET");
  }

  @ParameterizedTest
  @MethodSource("libraries")
  void burstsAggregateAndAsyncUsesTheLibrarysOwnApi(String name) throws Exception {
    ClientLibrary library = ClientLibraries.create(name);
    String sync = Burst.run(library, new String[] {"20", "4", "GET", base + "/"});
    assertThat(sync).startsWith("ok=20 statuses=200:20 errors=- bodies=method=GET:20 ");
    String async = Burst.run(library, new String[] {"20", "20", "GET", base + "/", "--async"});
    if (library.hasAsync()) {
      assertThat(async).startsWith("ok=20 statuses=200:20 errors=- ");
    } else {
      assertThat(async)
          .startsWith("ok=0 ")
          .contains("errors=java.lang.UnsupportedOperationException:20");
    }
  }
}
