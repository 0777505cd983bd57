package dev.jmesh.testapps.httpclients;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Every library against a real loopback server: headers, bodies, async, bursts. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ClientLibrariesTest {

  private final ExecutorService threads = Executors.newCachedThreadPool();
  private final CountDownLatch hangingReleased = new CountDownLatch(1);
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
            if (exchange.getRequestURI().getPath().equals("/hang")) {
              awaitRelease();
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

  private void awaitRelease() {
    try {
      hangingReleased.await(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @AfterAll
  void stopServer() {
    hangingReleased.countDown();
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

  @ParameterizedTest
  @MethodSource("libraries")
  void virtualThreadBurstsSendEveryRequestAtOnceOnJdk21AndUp(String name) throws Exception {
    ClientLibrary library = ClientLibraries.create(name);
    String[] args = {"50", "50", "GET", base + "/", "--virtual-threads"};
    if (Runtime.version().feature() < 21) {
      assertThatThrownBy(() -> Burst.run(library, args))
          .isInstanceOf(UnsupportedOperationException.class)
          .hasMessageContaining("--virtual-threads needs JDK 21+");
      return;
    }
    String burst = Burst.run(library, args);
    assertThat(burst)
        .startsWith("ok=50 statuses=200:50 errors=- bodies=method=GET:50 ")
        .contains(" inFlight=0 threads=virtual ");
    assertThat(Integer.parseInt(field(burst, "peakInFlight"))).isBetween(1, 50);
    assertThatThrownBy(
            () ->
                Burst.run(
                    library, new String[] {"50", "10", "GET", base + "/", "--virtual-threads"}))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("CONCURRENCY must be N");
  }

  @Test
  void aBurstPastItsLimitAnswersWhatIsInFlightAndDumpsThreads() throws Exception {
    ClientLibrary library = ClientLibraries.create("jdk-urlconnection");
    boolean virtual = Runtime.version().feature() >= 21;
    String[] args =
        virtual
            ? new String[] {"3", "3", "GET", base + "/hang", "--limit", "1", "--virtual-threads"}
            : new String[] {"3", "3", "GET", base + "/hang", "--limit", "1"};
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    PrintStream original = System.err;
    String burst;
    long start = System.nanoTime();
    System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
    try {
      burst = Burst.run(library, args);
    } finally {
      System.setErr(original);
    }
    long elapsedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
    assertThat(burst).startsWith("ok=0 statuses=- errors=unfinished:3 ").contains(" inFlight=3");
    assertThat(elapsedMs).as("gave up at its limit").isBetween(900L, 10_000L);
    String dump = err.toString(StandardCharsets.UTF_8);
    assertThat(dump)
        .contains("[burst-dump] 3 request(s) still in flight after 1 s")
        .contains("[burst-dump] platform threads")
        .contains("deadlocked platform threads: none");
    if (virtual) {
      assertThat(dump)
          .contains("[burst-dump] 3 thread(s) ")
          .contains("UrlConnectionLibrary.send")
          .contains("[burst-dump] all threads, virtual included: ");
    }
  }

  private static String field(String details, String key) {
    Matcher m = Pattern.compile(" " + key + "=(\\S*)").matcher(details);
    assertThat(m.find()).as(key + " in " + details).isTrue();
    return m.group(1);
  }
}
