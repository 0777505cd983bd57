package dev.jmesh.proxy;

import dev.jmesh.dataplane.engine.LoopTransport;
import dev.jmesh.dataplane.log.MeshLog;
import dev.jmesh.dataplane.settings.BadSettingException;
import dev.jmesh.dataplane.workload.NodeId;
import java.io.IOException;

/**
 * {@code java -jar mesh-proxy.jar --service ratings --app-port 9080 --control-plane host:15012
 * --token-file ratings.token}: the mesh for a workload that cannot take the agent (Python, Node,
 * Go, a database), as a sidecar process. Bad settings end it with exit code {@value
 * #EXIT_BAD_SETTING}, like the agent; a port it cannot listen on with 1.
 */
public final class MeshProxy {

  /** sysexits.h EX_CONFIG: the configuration is wrong. */
  static final int EXIT_BAD_SETTING = 78;

  private static final int EXIT_CANNOT_START = 1;

  private MeshProxy() {}

  public static void main(String[] args) throws InterruptedException {
    long started = System.nanoTime();
    ProxyOptions options;
    try {
      options = ProxyOptions.parse(args, System.getenv());
      if (!options.help()) {
        options.checkInboundAgainst(NodeId.workloadIp(options.settings()));
      }
      if (!options.help() && options.settings().controlPlane() == null) {
        throw new BadSettingException(
            "no control plane is configured; pass --control-plane HOST:15012 (with --token-file)"
                + " or set MESH_CONTROL_PLANE");
      }
    } catch (BadSettingException e) {
      System.err.println("[jmesh] ERROR " + e.getMessage());
      System.err.println("[jmesh] ERROR the proxy did not start; see --help for every option");
      System.exit(EXIT_BAD_SETTING);
      return;
    }
    if (options.help()) {
      System.out.print(ProxyHelp.text());
      return;
    }
    MeshLog.setLevel(options.settings().logLevel());
    // A relay runs flat out where an application's JVM mostly waits: io_uring first.
    LoopTransport.preferThroughput();
    ProxyRuntime runtime = new ProxyRuntime(options, started);
    try {
      runtime.start();
    } catch (IOException | RuntimeException e) {
      System.err.println("[jmesh] ERROR the proxy cannot start: " + e.getMessage());
      runtime.shutdown();
      System.exit(EXIT_CANNOT_START);
      return;
    }
    runtime.awaitEnd();
  }
}
