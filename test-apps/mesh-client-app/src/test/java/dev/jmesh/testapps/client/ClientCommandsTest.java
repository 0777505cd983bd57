package dev.jmesh.testapps.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The commands against small real loopback servers started here. */
class ClientCommandsTest {

  private HttpServer http;
  private ServerSocket echo;
  private String base;

  @BeforeEach
  void startServers() throws IOException {
    http = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
    http.createContext(
        "/",
        exchange -> {
          long received = exchange.getRequestBody().transferTo(OutputStream.nullOutputStream());
          String header = exchange.getRequestHeaders().getFirst("X-Test");
          byte[] body =
              ("got " + received + " x-test=" + header + "\nline2")
                  .getBytes(StandardCharsets.UTF_8);
          exchange.sendResponseHeaders(
              exchange.getRequestURI().getPath().equals("/missing") ? 404 : 200, body.length);
          try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
          }
        });
    http.start();
    base = "http://127.0.0.1:" + http.getAddress().getPort();

    echo = new ServerSocket(0, 16, InetAddress.getLoopbackAddress());
    Thread acceptor =
        new Thread(
            () -> {
              try (Socket socket = echo.accept()) {
                socket.getOutputStream().write("HI\r\n".getBytes(StandardCharsets.UTF_8));
                InputStream in = socket.getInputStream();
                in.transferTo(socket.getOutputStream());
              } catch (IOException closed) {
                // The test is over.
              }
            });
    acceptor.setDaemon(true);
    acceptor.start();
  }

  @AfterEach
  void stopServers() throws IOException {
    http.stop(0);
    echo.close();
  }

  @Test
  void httpSendsHeadersAndReportsStatusAndBody() throws Exception {
    assertThat(HttpUrlConnectionCommands.http(new String[] {"GET", base + "/x", "X-Test:v1"}))
        .isEqualTo("status=200 body=got 0 x-test=v1\nline2");
    assertThat(HttpUrlConnectionCommands.http(new String[] {"GET", base + "/missing"}))
        .startsWith("status=404 body=got 0");
  }

  @Test
  void uploadStreamsTheGivenNumberOfBytesAndDownloadCountsThem() throws Exception {
    assertThat(HttpUrlConnectionCommands.upload(new String[] {base + "/upload", "1234567"}))
        .startsWith("status=200 body=got 1234567 ");
    assertThat(HttpUrlConnectionCommands.download(new String[] {base + "/d", "0"}))
        .isEqualTo("status=200 bytes=" + "got 0 x-test=null\nline2".length());
  }

  @Test
  void tcpGreetingReadsTheLineThenEchoes() throws Exception {
    String port = Integer.toString(echo.getLocalPort());
    assertThat(SocketCommands.greeting(new String[] {"127.0.0.1", port, "300000"}))
        .isEqualTo("greeting=HI sent=300000 received=300000 intact=true");
  }

  @Test
  void resolveListsAddressesOrFailsWithUnknownHost() throws Exception {
    assertThat(SocketCommands.resolve(new String[] {"127.0.0.1"})).isEqualTo("addresses=127.0.0.1");
    assertThatThrownBy(() -> SocketCommands.resolve(new String[] {"no-such-host.invalid"}))
        .isInstanceOf(UnknownHostException.class);
  }

  @Test
  void resultDetailsStayOnOneLine() {
    assertThat(ClientApp.escape("a\nb\r\\c")).isEqualTo("a\\nb\\r\\\\c");
  }
}
