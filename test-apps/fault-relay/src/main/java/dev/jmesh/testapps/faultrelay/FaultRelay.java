package dev.jmesh.testapps.faultrelay;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A TCP relay that stands in front of one upstream and misbehaves on command, for fault tests of
 * the mesh: the endpoint a client sees is the relay's listen address.
 *
 * <pre>
 * java -jar fault-relay.jar --listen HOST:PORT --target HOST:PORT --control HOST:PORT
 *   (PORT 0 = ephemeral) prints: READY fault-relay listen=HOST:PORT control=HOST:PORT
 * </pre>
 *
 * <p>The control port takes one command line per connection and answers one line, {@code ok
 * <state>} or {@code error <what is wrong>}; e.g. {@code echo "latency 200" | nc HOST PORT}:
 *
 * <ul>
 *   <li>{@code pass} — no fault;
 *   <li>{@code latency MS} — each chunk, either direction, waits MS first (open connections too);
 *   <li>{@code bandwidth BYTES_PER_SECOND} — each direction of each connection at most that fast;
 *   <li>{@code reset-after N} — new connections get N response bytes, then an RST (SO_LINGER 0);
 *   <li>{@code hang} — new connections are accepted and read, never answered;
 *   <li>{@code slow-read} — new connections are accepted and never read;
 *   <li>{@code status} — the faults, {@code open=} connections and {@code accepted=} so far;
 *   <li>{@code drop} — an RST to every open connection (ends hung ones when healing).
 * </ul>
 *
 * Runs until killed. Plain JDK, no dependencies, so any test or script can start it.
 */
public final class FaultRelay {

  private final ServerSocket listener;
  private final ServerSocket control;
  private final InetSocketAddress target;
  private final AtomicReference<Faults> faults = new AtomicReference<>(Faults.NONE);
  private final Set<Socket> open = ConcurrentHashMap.newKeySet();
  private final AtomicLong accepted = new AtomicLong();

  private FaultRelay(ServerSocket listener, ServerSocket control, InetSocketAddress target) {
    this.listener = listener;
    this.control = control;
    this.target = target;
  }

  public static void main(String[] args) throws IOException {
    InetSocketAddress listen = null;
    InetSocketAddress target = null;
    InetSocketAddress controlAt = null;
    List<String> list = List.of(args);
    for (int i = 0; i < list.size(); i++) {
      String flag = list.get(i);
      if (i + 1 >= list.size()) {
        usage(flag + " needs a value");
      }
      InetSocketAddress address = address(flag, list.get(++i));
      switch (flag) {
        case "--listen" -> listen = address;
        case "--target" -> target = address;
        case "--control" -> controlAt = address;
        default -> usage("unknown option " + flag);
      }
    }
    if (listen == null || target == null || controlAt == null) {
      usage("--listen, --target and --control are all required");
    }
    ServerSocket listener = bind(listen);
    ServerSocket control = bind(controlAt);
    FaultRelay relay = new FaultRelay(listener, control, target);
    Thread controlThread = new Thread(relay::serveControl, "relay-control");
    controlThread.setDaemon(true);
    controlThread.start();
    System.out.println(
        "READY fault-relay listen="
            + hostPort(listener)
            + " control="
            + hostPort(control)
            + " target="
            + target.getHostString()
            + ":"
            + target.getPort());
    System.out.flush();
    relay.serveClients();
  }

  private void serveClients() throws IOException {
    while (true) {
      Socket client = listener.accept();
      accepted.incrementAndGet();
      new RelayedConnection(client, target, faults::get, open).start();
    }
  }

  private void serveControl() {
    while (true) {
      try (Socket s = control.accept()) {
        s.setSoTimeout(5000);
        BufferedReader in =
            new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
        String line = in.readLine();
        String answer = line == null ? "error empty command" : command(line.trim());
        OutputStream out = s.getOutputStream();
        out.write((answer + "\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
      } catch (IOException e) {
        // one bad control connection must not stop the relay
      }
    }
  }

  private String command(String line) {
    if (line.equals("status")) {
      return "ok " + faults.get() + " open=" + open.size() + " accepted=" + accepted.get();
    }
    if (line.equals("drop")) {
      int n = 0;
      for (Socket s : open) {
        open.remove(s);
        RelayedConnection.rst(s);
        n++;
      }
      return "ok dropped=" + n;
    }
    try {
      return "ok " + faults.updateAndGet(f -> f.apply(line));
    } catch (IllegalArgumentException e) {
      return "error " + e.getMessage();
    }
  }

  private static ServerSocket bind(InetSocketAddress at) throws IOException {
    ServerSocket s = new ServerSocket();
    // A relay restarted on its old port (an endpoint brought back) must not wait out TIME_WAIT.
    s.setReuseAddress(true);
    s.bind(at, 1024);
    return s;
  }

  private static InetSocketAddress address(String flag, String hostPort) {
    int colon = hostPort.lastIndexOf(':');
    try {
      if (colon > 0) {
        return new InetSocketAddress(
            hostPort.substring(0, colon), Integer.parseInt(hostPort.substring(colon + 1)));
      }
    } catch (IllegalArgumentException e) {
      // reported below
    }
    usage(flag + " " + hostPort + ": expected HOST:PORT (PORT 0-65535), e.g. 127.0.0.1:9080");
    throw new AssertionError("unreachable");
  }

  private static String hostPort(ServerSocket s) {
    return s.getInetAddress().getHostAddress() + ":" + s.getLocalPort();
  }

  private static void usage(String problem) {
    System.err.println(
        "fault-relay: "
            + problem
            + "\nusage: java -jar fault-relay.jar --listen HOST:PORT --target HOST:PORT"
            + " --control HOST:PORT");
    System.exit(2);
  }
}
