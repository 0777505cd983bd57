package dev.jmesh.dataplane.engine;

import dev.jmesh.dataplane.identity.MeshTls;
import io.netty.channel.epoll.Epoll;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Whether the engine can use Netty's epoll transport here. Inside mesh.jar Netty is relocated and
 * its native library renamed to match, so this is also the proof, shown on {@code /config_dump},
 * that the renamed library loads.
 */
public final class NativeTransport {

  private NativeTransport() {}

  /**
   * {@code {"epoll": true}} or {@code {"epoll": false, "reason": "..."}}; loads Netty on first use.
   */
  public static Map<String, Object> describe() {
    Map<String, Object> transport = new LinkedHashMap<>();
    boolean available = Epoll.isAvailable();
    transport.put("epoll", available);
    if (!available) {
      transport.put("reason", String.valueOf(Epoll.unavailabilityCause()));
    }
    // BoringSSL through netty-tcnative, for mTLS; its native library is relocated like epoll's.
    boolean boringSsl = io.netty.handler.ssl.OpenSsl.isAvailable();
    transport.put("boringssl", boringSsl);
    if (!boringSsl) {
      transport.put(
          "boringsslReason", String.valueOf(io.netty.handler.ssl.OpenSsl.unavailabilityCause()));
    }
    // BoringSSL through Conscrypt, for the mTLS the direct paths put on the application's own
    // connections; not relocated, its library loads under its own name.
    String conscryptFailure = MeshTls.conscryptFailure();
    transport.put("conscrypt", conscryptFailure == null);
    if (conscryptFailure != null) {
      transport.put("conscryptReason", conscryptFailure);
    }
    return transport;
  }
}
