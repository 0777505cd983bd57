package dev.jmesh.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.UnknownHostException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Ports a test can hand to a process it is about to start.
 *
 * <p>A port found by binding port 0 and closing the socket comes from the kernel's ephemeral range,
 * and the kernel hands the same port out again to the next bind to port 0 — for example the admin
 * or metrics listener of the very agent the port was meant for, which then takes the application's
 * port (a CI run failed that way). So ports come from below the ephemeral range (Linux's default
 * starts at 32768), where the kernel never assigns one on its own: a port is taken in turn from a
 * per-JVM counter that starts at a random point, so that two test JVMs rarely probe the same ports,
 * and is given out only if it can be bound on that address now.
 */
public final class FreePorts {

  private static final int FIRST = 20_000;
  private static final int LAST = 32_000;
  private static final AtomicInteger NEXT =
      new AtomicInteger(ThreadLocalRandom.current().nextInt(LAST - FIRST));

  private FreePorts() {}

  /** A port nothing listens on at 127.0.0.1 now, outside the ephemeral range. */
  public static int loopback() {
    return on(InetAddress.getLoopbackAddress());
  }

  /** A port nothing listens on at {@code host} now, outside the ephemeral range. */
  public static int on(String host) {
    try {
      return on(InetAddress.getByName(host));
    } catch (UnknownHostException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static int on(InetAddress address) {
    for (int tries = 0; tries < LAST - FIRST; tries++) {
      int port = FIRST + Math.floorMod(NEXT.getAndIncrement(), LAST - FIRST);
      try (ServerSocket probe = new ServerSocket()) {
        probe.setReuseAddress(false);
        probe.bind(new InetSocketAddress(address, port), 1);
        return port;
      } catch (IOException taken) {
        // in use (or in TIME_WAIT on this address): try the next one
      }
    }
    throw new IllegalStateException(
        "no free port between " + FIRST + " and " + LAST + " on " + address.getHostAddress());
  }
}
