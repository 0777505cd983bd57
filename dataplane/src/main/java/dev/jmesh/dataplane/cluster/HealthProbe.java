package dev.jmesh.dataplane.cluster;

import dev.jmesh.dataplane.config.HealthCheckConfig;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * One active health check on a connection of its own: a TCP connect, or an HTTP/1.1 GET whose
 * status must be one of the expected ones. Runs on a mesh thread, so the agent's hooks never see
 * these sockets; the whole check is bounded by the configured timeout.
 */
final class HealthProbe {

  /** What one check found. */
  enum Result {
    PASSED,
    /** No answer in time, or no connection: counts towards {@code unhealthy_threshold}. */
    FAILED,
    /** An HTTP status not expected: Envoy marks the host unhealthy at once. */
    UNEXPECTED_STATUS
  }

  private HealthProbe() {}

  static Result check(Host host, HealthCheckConfig check, String clusterName) {
    long deadline = System.nanoTime() + check.timeoutNanos();
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress(host.address(), host.port()), millisLeft(deadline));
      if (check.kind() == HealthCheckConfig.Kind.TCP) {
        return Result.PASSED;
      }
      socket.setSoTimeout(millisLeft(deadline));
      String authority = check.host().isEmpty() ? clusterName : check.host();
      OutputStream out = socket.getOutputStream();
      out.write(
          ("GET "
                  + check.path()
                  + " HTTP/1.1\r\nHost: "
                  + authority
                  + "\r\nUser-Agent: jmesh-health-checker\r\nConnection: close\r\n\r\n")
              .getBytes(StandardCharsets.ISO_8859_1));
      out.flush();
      int status = readStatus(socket.getInputStream(), deadline, socket);
      if (status < 0) {
        return Result.FAILED;
      }
      return check.expects(status) ? Result.PASSED : Result.UNEXPECTED_STATUS;
    } catch (IOException | IllegalArgumentException e) {
      return Result.FAILED;
    }
  }

  /** The status of {@code HTTP/1.x NNN ...}, or -1 when the response does not start so. */
  private static int readStatus(InputStream in, long deadline, Socket socket) throws IOException {
    byte[] line = new byte[64];
    int n = 0;
    while (n < line.length) {
      socket.setSoTimeout(millisLeft(deadline));
      int b = in.read();
      if (b < 0 || b == '\n') {
        break;
      }
      line[n++] = (byte) b;
    }
    String s = new String(line, 0, n, StandardCharsets.ISO_8859_1);
    if (!s.startsWith("HTTP/1.") || s.length() < 12 || s.charAt(8) != ' ') {
      return -1;
    }
    try {
      return Integer.parseInt(s.substring(9, 12));
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  private static int millisLeft(long deadline) throws IOException {
    long left = (deadline - System.nanoTime()) / 1_000_000L;
    if (left <= 0) {
      throw new IOException("health check timed out");
    }
    return (int) Math.min(Integer.MAX_VALUE, left);
  }
}
