package dev.jmesh.testapps.faultrelay;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * One accepted client connection and what the relay does with it under the {@link Faults.Mode} in
 * force when it was accepted (and, for open connections, the faults switched on since; see {@link
 * #pump}): two pumping threads (request, response) for PASS and RESET, one draining thread for
 * HANG, none for SLOW_READ (the socket just stays open, unread, until the client gives up or the
 * control port's {@code drop}).
 */
final class RelayedConnection {

  private static final int CONNECT_TIMEOUT_MILLIS = 2000;
  private static final int CHUNK = 16 * 1024;

  private final Socket client;
  private final InetSocketAddress target;
  private final Supplier<Faults> faults;
  private final Set<Socket> open;
  private final Faults atAccept;
  private volatile Socket upstream;

  RelayedConnection(
      Socket client, InetSocketAddress target, Supplier<Faults> faults, Set<Socket> open) {
    this.client = client;
    this.target = target;
    this.faults = faults;
    this.open = open;
    this.atAccept = faults.get();
  }

  void start() {
    open.add(client);
    switch (atAccept.mode()) {
      case SLOW_READ:
        return;
      case HANG:
        thread("hang", this::drainForever);
        return;
      default:
        thread("connect", this::relay);
    }
  }

  /** Reads the request and throws it away; answers nothing, ever. Ends when the client does. */
  private void drainForever() {
    byte[] buffer = new byte[CHUNK];
    try (InputStream in = client.getInputStream()) {
      while (in.read(buffer) >= 0) {
        // dropped
      }
    } catch (IOException e) {
      // the client went away: what a hang waits for
    } finally {
      closeAll();
    }
  }

  private void relay() {
    Socket up = new Socket();
    try {
      up.setTcpNoDelay(true);
      client.setTcpNoDelay(true);
      up.connect(target, CONNECT_TIMEOUT_MILLIS);
    } catch (IOException e) {
      // As an unreachable upstream looks to the client through a proxy: the connection just ends.
      closeQuietly(up);
      closeAll();
      return;
    }
    upstream = up;
    thread("request", () -> pump(client, up, false));
    pump(up, client, true);
  }

  /**
   * Copies {@code from} to {@code to} chunk by chunk under the faults in force at each chunk, so a
   * fault switched on reaches connections already open (a client's pooled ones) too: each chunk
   * delayed by the latency and paced to the bandwidth; a request not read (SLOW_READ) or read and
   * dropped (HANG); a response cut by an RST after {@code resetAfterBytes} sent under RESET.
   */
  private void pump(Socket from, Socket to, boolean response) {
    byte[] buffer = new byte[CHUNK];
    long sentUnderReset = 0;
    long sent = 0;
    long started = System.nanoTime();
    try {
      InputStream in = from.getInputStream();
      OutputStream out = to.getOutputStream();
      while (true) {
        Faults now = faults.get();
        if (!response && now.mode() == Faults.Mode.SLOW_READ) {
          if (client.isClosed()) {
            return;
          }
          TimeUnit.MILLISECONDS.sleep(20);
          continue;
        }
        int max = CHUNK;
        if (now.bytesPerSecond() > 0) {
          // Small chunks so the pace is smooth: about a tenth of a second's worth at a time.
          max = (int) Math.max(1, Math.min(CHUNK, now.bytesPerSecond() / 10));
        }
        int n = in.read(buffer, 0, max);
        if (n < 0) {
          break;
        }
        now = faults.get();
        // A read already waiting when slow-read was switched on: what it got is held back, as if
        // never read, while slow-read lasts.
        while (!response && now.mode() == Faults.Mode.SLOW_READ && !client.isClosed()) {
          TimeUnit.MILLISECONDS.sleep(20);
          now = faults.get();
        }
        if (!response && now.mode() == Faults.Mode.HANG) {
          continue;
        }
        int forward = n;
        boolean cut = false;
        if (response && now.mode() == Faults.Mode.RESET) {
          long left = now.resetAfterBytes() - sentUnderReset;
          if (left <= n) {
            forward = (int) Math.max(0, left);
            cut = true;
          }
          sentUnderReset += forward;
        } else if (response) {
          sentUnderReset = 0;
        }
        if (now.latencyMillis() > 0) {
          TimeUnit.MILLISECONDS.sleep(now.latencyMillis());
        }
        out.write(buffer, 0, forward);
        out.flush();
        if (cut) {
          reset();
          return;
        }
        sent += forward;
        if (now.bytesPerSecond() > 0) {
          long due = started + TimeUnit.SECONDS.toNanos(1) * sent / now.bytesPerSecond();
          long wait = due - System.nanoTime();
          if (wait > 0) {
            TimeUnit.NANOSECONDS.sleep(wait);
          }
        }
      }
      if (response) {
        // The server is done: so is the exchange.
        closeAll();
      } else {
        // Half-close, as a proxy passes on a client's end of stream; the response still flows.
        to.shutdownOutput();
      }
    } catch (IOException e) {
      closeAll();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      closeAll();
    }
  }

  /** An RST to the client (linger 0 discards what is unsent), and the upstream closed. */
  private void reset() {
    rst(client);
    closeAll();
  }

  /** Closes {@code socket} with an RST: linger 0 discards what is unsent. */
  static void rst(Socket socket) {
    try {
      socket.setSoLinger(true, 0);
    } catch (IOException e) {
      // closed already: nothing to reset
    }
    closeQuietly(socket);
  }

  private void closeAll() {
    open.remove(client);
    closeQuietly(client);
    Socket up = upstream;
    if (up != null) {
      closeQuietly(up);
    }
  }

  private static void closeQuietly(Socket s) {
    try {
      s.close();
    } catch (IOException e) {
      // closing is all that was wanted
    }
  }

  private static void thread(String name, Runnable body) {
    Thread t = new Thread(body, "relay-" + name);
    t.setDaemon(true);
    t.start();
  }
}
