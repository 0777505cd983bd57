package dev.jmesh.proxy;

import dev.jmesh.dataplane.MeshThreads;
import dev.jmesh.dataplane.log.MeshLog;
import dev.jmesh.dataplane.workload.ControlPlaneConnection;
import java.io.IOException;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;

/**
 * Registers the application as an endpoint of its service once it serves: each inbound port is
 * announced to the control plane (as the agent announces a bound server) when the application's
 * address behind it accepts a TCP connection, so no caller is sent here before the application can
 * answer. Deregistration is the control-plane connection's close, on shutdown.
 */
final class ApplicationRegistration implements AutoCloseable {

  private static final long PROBE_INTERVAL_MILLIS = 200;
  private static final int PROBE_TIMEOUT_MILLIS = 500;

  /** How long before the proxy says, once, that it is still waiting for the application. */
  private static final long PATIENCE_MILLIS = 10_000;

  private final ControlPlaneConnection controlPlane;
  private final List<InboundMapping> ports;
  private final CountDownLatch registered = new CountDownLatch(1);
  private volatile boolean closed;
  private volatile Thread prober;

  ApplicationRegistration(ControlPlaneConnection controlPlane, List<InboundMapping> ports) {
    this.controlPlane = controlPlane;
    this.ports = List.copyOf(ports);
  }

  void start() {
    prober = MeshThreads.start("registration", this::probeUntilServing);
  }

  /** Whether every inbound port is registered (at once, for a proxy without any). */
  boolean registered() {
    return registered.getCount() == 0;
  }

  void awaitRegistered() throws InterruptedException {
    registered.await();
  }

  private void probeUntilServing() {
    List<InboundMapping> waiting = new ArrayList<>(ports);
    long started = System.nanoTime();
    boolean warned = false;
    while (!waiting.isEmpty() && !closed) {
      for (InboundMapping m : List.copyOf(waiting)) {
        if (answers(m)) {
          controlPlane.serverBound(m.listenPort());
          waiting.remove(m);
          MeshLog.info(
              "registered port "
                  + m.listenPort()
                  + ": the application answers at "
                  + m.application().getAddress().getHostAddress()
                  + ":"
                  + m.application().getPort());
        }
      }
      if (waiting.isEmpty()) {
        break;
      }
      if (!warned && System.nanoTime() - started > PATIENCE_MILLIS * 1_000_000) {
        warned = true;
        MeshLog.warn(
            "the application does not answer at "
                + waiting.get(0).application()
                + " yet; the workload registers once it does");
      }
      try {
        Thread.sleep(PROBE_INTERVAL_MILLIS);
      } catch (InterruptedException e) {
        return;
      }
    }
    if (!closed) {
      registered.countDown();
    }
  }

  private static boolean answers(InboundMapping m) {
    try (Socket probe = new Socket()) {
      probe.connect(m.application(), PROBE_TIMEOUT_MILLIS);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  @Override
  public void close() {
    closed = true;
    Thread t = prober;
    if (t != null) {
      t.interrupt();
    }
  }
}
