package dev.jmesh.testapps.okhttp;

import com.sun.net.httpserver.HttpServer;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;

/**
 * Sends N GET requests with whichever OkHttp version it was built with to a JDK {@link
 * HttpServer} on an ephemeral loopback port.
 *
 * <p>Prints {@code READY port=P okhttp=V}, then {@code RESULT status=200 count=N} (the status of
 * the last request, the number of 200s), then waits until standard input ends or reads {@code
 * quit} so a test can read the agent's counters. Usage: {@code okhttpN-app [requests]}, default 5.
 */
public final class OkHttpApp {

  private OkHttpApp() {}

  public static void main(String[] args) throws IOException {
    int requests = args.length > 0 ? Integer.parseInt(args[0]) : 5;
    HttpServer server =
        HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 50);
    server.createContext(
        "/hello",
        exchange -> {
          byte[] body = "hello\n".getBytes(StandardCharsets.UTF_8);
          exchange.sendResponseHeaders(200, body.length);
          try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
          }
        });
    server.start();
    int port = server.getAddress().getPort();
    System.out.println("READY port=" + port + " okhttp=" + okHttpVersion());

    OkHttpClient client = new OkHttpClient();
    int ok = 0;
    int status = -1;
    String error = null;
    for (int i = 0; i < requests; i++) {
      Request request = new Request.Builder().url("http://127.0.0.1:" + port + "/hello").build();
      try (Response response = client.newCall(request).execute()) {
        status = response.code();
        response.body().string();
        if (status == 200) {
          ok++;
        }
      } catch (IOException | RuntimeException e) {
        error = e.toString();
        e.printStackTrace();
      }
    }
    System.out.println(
        "RESULT status=" + status + " count=" + ok + (error == null ? "" : " error=" + error));
    System.out.flush();

    BufferedReader in =
        new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    for (String line; (line = in.readLine()) != null && !line.trim().equals("quit"); ) {
      // Only the end of input or "quit" matters.
    }
    client.dispatcher().executorService().shutdown();
    client.connectionPool().evictAll();
    server.stop(0);
    System.exit(ok == requests ? 0 : 1);
  }

  private static String okHttpVersion() {
    try {
      return (String) Class.forName("okhttp3.OkHttp").getField("VERSION").get(null);
    } catch (ReflectiveOperationException notFour) {
      try {
        String agent =
            (String) Class.forName("okhttp3.internal.Version").getMethod("userAgent").invoke(null);
        return agent.substring(agent.indexOf('/') + 1);
      } catch (ReflectiveOperationException unknown) {
        return "unknown";
      }
    }
  }
}
