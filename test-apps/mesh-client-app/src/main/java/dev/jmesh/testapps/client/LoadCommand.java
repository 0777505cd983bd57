package dev.jmesh.testapps.client;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code load <host> <port> <path> <connections> <seconds>}: a closed-loop HTTP/1.1 load generator
 * for the benchmarks. Each connection is a thread sending a keep-alive GET, reading the answer
 * (Content-Length framed), and sending the next; latencies are kept in microseconds. The first
 * second is warm-up and not counted. Details: {@code requests=N rps=R p50_us=A p99_us=B errors=E}.
 *
 * <p>A plain socket and a hand-written request keep the generator's own cost small and equal in
 * every configuration compared; with the agent, the socket's connect is what the mesh captures.
 */
final class LoadCommand {

  private static final int MAX_SAMPLES = 4_000_000;

  private LoadCommand() {}

  static String run(String[] args) throws Exception {
    ClientCommand.expect(args, 5, "load <host> <port> <path> <connections> <seconds>");
    String host = args[0];
    int port = Integer.parseInt(args[1]);
    String path = args[2];
    int connections = Integer.parseInt(args[3]);
    long seconds = Long.parseLong(args[4]);
    byte[] request =
        ("GET " + path + " HTTP/1.1\r\nHost: " + host + ":" + port + "\r\n\r\n")
            .getBytes(StandardCharsets.US_ASCII);
    long warmUpEnd = System.nanoTime() + 1_000_000_000L;
    long end = warmUpEnd + seconds * 1_000_000_000L;
    long[][] samples = new long[connections][];
    int[] counts = new int[connections];
    AtomicLong errors = new AtomicLong();
    CountDownLatch done = new CountDownLatch(connections);
    for (int c = 0; c < connections; c++) {
      int index = c;
      samples[c] = new long[MAX_SAMPLES / connections];
      Thread t =
          new Thread(
              () -> {
                try {
                  counts[index] =
                      loop(host, port, request, warmUpEnd, end, samples[index], errors);
                } finally {
                  done.countDown();
                }
              },
              "load-" + c);
          t.setDaemon(true);
          t.start();
    }
    done.await();
    int total = Arrays.stream(counts).sum();
    long[] all = new long[total];
    int at = 0;
    for (int c = 0; c < connections; c++) {
      System.arraycopy(samples[c], 0, all, at, counts[c]);
      at += counts[c];
    }
    Arrays.sort(all);
    return "requests="
        + total
        + " rps="
        + Math.round(total / (double) seconds)
        + " p50_us="
        + percentile(all, 0.50)
        + " p99_us="
        + percentile(all, 0.99)
        + " errors="
        + errors.get();
  }

  private static int loop(
      String host,
      int port,
      byte[] request,
      long warmUpEnd,
      long end,
      long[] samples,
      AtomicLong errors) {
    int n = 0;
    while (System.nanoTime() < end) {
      try (Socket socket = new Socket()) {
        socket.setTcpNoDelay(true);
        socket.connect(new InetSocketAddress(host, port), 5000);
        socket.setSoTimeout(10_000);
        OutputStream out = socket.getOutputStream();
        InputStream in = new BufferedInputStream(socket.getInputStream(), 16384);
        long now;
        while ((now = System.nanoTime()) < end) {
          out.write(request);
          out.flush();
          int status = readResponse(in);
          long took = System.nanoTime() - now;
          if (status != 200) {
            errors.incrementAndGet();
          } else if (now >= warmUpEnd && n < samples.length) {
            samples[n++] = took / 1000;
          }
        }
      } catch (IOException e) {
        errors.incrementAndGet();
      }
    }
    return n;
  }

  /** Reads one response: status line, headers, and a Content-Length body; returns the status. */
  private static int readResponse(InputStream in) throws IOException {
    String statusLine = line(in);
    int status = Integer.parseInt(statusLine.substring(9, 12));
    long length = 0;
    String header;
    while (!(header = line(in)).isEmpty()) {
      int colon = header.indexOf(':');
      if (colon > 0 && header.regionMatches(true, 0, "content-length", 0, colon)) {
        length = Long.parseLong(header.substring(colon + 1).trim());
      }
    }
    while (length > 0) {
      long skipped = in.skip(length);
      if (skipped <= 0) {
        if (in.read() < 0) {
          throw new IOException("the connection ended inside a body");
        }
        skipped = 1;
      }
      length -= skipped;
    }
    return status;
  }

  private static String line(InputStream in) throws IOException {
    StringBuilder sb = new StringBuilder(64);
    int b;
    while ((b = in.read()) != '\n') {
      if (b < 0) {
        throw new IOException("the connection ended");
      }
      if (b != '\r') {
        sb.append((char) b);
      }
    }
    return sb.toString();
  }

  private static long percentile(long[] sorted, double q) {
    if (sorted.length == 0) {
      return -1;
    }
    return sorted[(int) Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
  }
}
