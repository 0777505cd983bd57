package dev.jmesh.testapps.servers;

import jakarta.servlet.ServletInputStream;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;

/**
 * The shared endpoints of the servlet kinds (Jetty, Tomcat): {@code /upload}, {@code /download},
 * {@code /slow} and the request report for everything else. Runs on the container's worker threads,
 * so blocking here blocks no event loop.
 */
final class ReportServlet extends HttpServlet {

  private static final long serialVersionUID = 1L;

  private final String kind;
  private final transient InFlight inFlight;

  ReportServlet(String kind, InFlight inFlight) {
    this.kind = kind;
    this.inFlight = inFlight;
  }

  @Override
  protected void service(HttpServletRequest request, HttpServletResponse response)
      throws IOException {
    inFlight.begin();
    try {
      route(request, response);
    } finally {
      inFlight.end();
    }
  }

  private void route(HttpServletRequest request, HttpServletResponse response) throws IOException {
    String method = request.getMethod();
    String path = request.getRequestURI();
    if (method.equals("POST") && path.equals("/upload")) {
      respond(response, "received=" + drain(request.getInputStream()) + "\n");
    } else if (method.equals("GET") && path.equals("/download")) {
      download(response, Payload.queryLong(request.getQueryString(), "bytes", 0));
    } else if (path.equals("/forward")) {
      drain(request.getInputStream());
      try {
        respond(response, Forward.call(request.getQueryString()));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted forwarding", e);
      }
    } else if (path.equals("/slow")) {
      long millis = Payload.queryLong(request.getQueryString(), "ms", 0);
      sleep(millis);
      respond(response, "slow=" + millis + "\n");
    } else {
      drain(request.getInputStream());
      String query = request.getQueryString();
      respond(
          response,
          RequestReport.render(
              kind,
              method,
              query == null ? path : path + "?" + query,
              request.getProtocol(),
              request.getRemoteAddr() + ":" + request.getRemotePort(),
              authority(request),
              headers(request)));
    }
  }

  private static List<Map.Entry<String, String>> headers(HttpServletRequest request) {
    List<Map.Entry<String, String>> pairs = new ArrayList<>();
    for (String name : Collections.list(request.getHeaderNames())) {
      for (String value : Collections.list(request.getHeaders(name))) {
        pairs.add(new AbstractMap.SimpleEntry<>(name, value));
      }
    }
    return pairs;
  }

  /**
   * HTTP/2 carries the host as {@code :authority}, which Jetty and Tomcat do not list as a Host
   * header (with prior knowledge); the request URL is built from it.
   */
  private static String authority(HttpServletRequest request) {
    if (!request.getProtocol().equals("HTTP/2.0")) {
      return null;
    }
    return URI.create(request.getRequestURL().toString()).getRawAuthority();
  }

  private static long drain(ServletInputStream body) throws IOException {
    byte[] buffer = new byte[64 * 1024];
    long total = 0;
    for (int n; (n = body.read(buffer)) >= 0; ) {
      total += n;
    }
    return total;
  }

  private static void download(HttpServletResponse response, long bytes) throws IOException {
    response.setContentType("application/octet-stream");
    response.setContentLengthLong(bytes);
    ServletOutputStream out = response.getOutputStream();
    for (long left = bytes; left > 0; ) {
      int n = (int) Math.min(left, Payload.CHUNK);
      out.write(Payload.CHUNK_BYTES, 0, n);
      left -= n;
    }
  }

  private static void respond(HttpServletResponse response, String text) throws IOException {
    byte[] body = text.getBytes(StandardCharsets.UTF_8);
    response.setContentType("text/plain; charset=utf-8");
    response.setContentLength(body.length);
    response.getOutputStream().write(body);
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
