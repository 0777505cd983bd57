package dev.jmesh.instrumentation.netty.server.v4_1;

import dev.jmesh.instrumentation.api.InstrumentationModule;
import dev.jmesh.instrumentation.api.TypeInstrumentation;
import java.util.List;

/**
 * HTTP/2 on Netty servers served directly ({@link NettyServerModule}): per-stream policy behind the
 * application's {@code Http2FrameCodec}. A module of its own because it needs {@code
 * netty-codec-http2}, which many HTTP/1 servers do not have: without it this module stays out and
 * the HTTP/1 module still applies.
 */
public final class NettyServerHttp2Module implements InstrumentationModule {

  @Override
  public String name() {
    return "netty-server-http2-4.1";
  }

  @Override
  public List<String> knownTargetNames() {
    return List.of(
        Http2FrameCodecInstrumentation.FRAME_CODEC,
        Http2ConnectionInstrumentation.HANDLER,
        Http2ConnectionInstrumentation.ENCODER);
  }

  @Override
  public List<TypeInstrumentation> typeInstrumentations() {
    return List.of(new Http2FrameCodecInstrumentation(), new Http2ConnectionInstrumentation());
  }

  @Override
  public List<String> helperClassNames() {
    String p = "dev.jmesh.instrumentation.netty.server.v4_1.";
    return List.of(
        p + "InboundFailures",
        p + "Http2HeadersView",
        p + "MeshHttp2Policy$Exchange",
        p + "MeshHttp2Policy",
        p + "MeshHttp2Listener");
  }
}
