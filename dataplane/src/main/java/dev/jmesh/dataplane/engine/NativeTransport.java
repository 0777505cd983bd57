package dev.jmesh.dataplane.engine;

import dev.jmesh.dataplane.identity.MeshTls;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Which transport the engine's loops run on, and whether Netty's native transports and BoringSSL
 * load here. Inside mesh.jar Netty is relocated and its native libraries renamed to match, so this
 * is also the proof, shown on {@code /config_dump}, that the renamed libraries load.
 */
public final class NativeTransport {

  private NativeTransport() {}

  /**
   * {@code {"loops": "io_uring", "io_uring": true, "epoll": true, ...}}, with a reason beside each
   * native library that does not load; loads Netty on first use.
   */
  public static Map<String, Object> describe() {
    Map<String, Object> transport = new LinkedHashMap<>();
    transport.put("loops", LoopTransport.selected().label());
    Throwable uring = LoopTransport.IO_URING.unavailability();
    transport.put("io_uring", uring == null);
    if (uring != null) {
      transport.put("ioUringReason", String.valueOf(uring));
    }
    Throwable epoll = LoopTransport.EPOLL.unavailability();
    transport.put("epoll", epoll == null);
    if (epoll != null) {
      transport.put("reason", String.valueOf(epoll));
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
