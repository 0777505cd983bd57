package dev.jmesh.agent.internal;

import dev.jmesh.dataplane.DataPath;
import dev.jmesh.dataplane.capture.InboundTakeover;
import dev.jmesh.dataplane.capture.MeshCapture;
import dev.jmesh.dataplane.direct.DirectCalls;
import dev.jmesh.dataplane.engine.inbound.DirectInbound;
import dev.jmesh.dataplane.engine.inbound.InboundEngine;
import dev.jmesh.dataplane.settings.MeshSettings;
import dev.jmesh.dataplane.workload.ControlPlaneConnection;
import dev.jmesh.dataplane.workload.MeshEngine;
import java.io.Closeable;
import java.net.InetSocketAddress;

/**
 * The capture that sends the application's sockets through the agent's engine, and the direct paths
 * beside it, attached to the data path behind the bridge once the engine runs.
 */
final class EngineCapture {

  private EngineCapture() {}

  static void attach(
      MeshSettings settings,
      ControlPlaneConnection controlPlane,
      MeshEngine engine,
      DataPath dataPath) {
    MeshCapture capture =
        new MeshCapture(
            settings,
            controlPlane.feed()::current,
            timeout -> MeshEngine.ready(controlPlane, timeout),
            settings.engine().firstConfigTimeout(),
            new Takeover(engine.inbound()),
            engine.outbound()::listenerFor);
    dataPath.attach(
        capture,
        new DirectCalls(engine.context(), capture, dataPath.stats().requestPaths()),
        new DirectInbound(
            engine.context(),
            dataPath.stats().requestPaths(),
            dataPath.stats().inboundConnections(),
            engine.inbound()));
  }

  /** The inbound engine as capture sees it. */
  private static final class Takeover implements InboundTakeover {
    private final InboundEngine inbound;

    Takeover(InboundEngine inbound) {
      this.inbound = inbound;
    }

    @Override
    public Closeable takeOver(InetSocketAddress declared, InetSocketAddress application)
        throws java.io.IOException {
      return inbound.takeOver(declared, application)::close;
    }

    @Override
    public boolean isEngineConnection(InetSocketAddress remote) {
      return inbound.isEngineConnection(remote);
    }
  }
}
