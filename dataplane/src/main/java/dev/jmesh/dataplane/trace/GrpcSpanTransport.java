package dev.jmesh.dataplane.trace;

import dev.jmesh.dataplane.MeshThreads;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.NettyChannelBuilder;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.TraceServiceGrpc;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * OTLP/gRPC ({@code opentelemetry.proto.collector.trace.v1.TraceService/Export}), plaintext, one
 * channel per endpoint and authority. The channel's threads are the mesh's own ({@link
 * MeshThreads}), so in an agent its sockets never reach the hooks, and it is built with {@link
 * NettyChannelBuilder} directly, as the xDS channel is (no provider lookup in the agent's loader).
 */
final class GrpcSpanTransport implements SpanTransport {

  /** Where a target's spans go now: {@code host:port}. */
  @FunctionalInterface
  interface Resolver {
    String resolve(SpanTarget target) throws ExportFailure;
  }

  /** Endpoints kept open; past this many, all are closed and reopened on demand. */
  private static final int MAX_CHANNELS = 16;

  private final Resolver resolver;
  private final Map<String, ManagedChannel> channels = new HashMap<>();
  private EventLoopGroup eventLoop;

  GrpcSpanTransport(Resolver resolver) {
    this.resolver = resolver;
  }

  @Override
  public void export(SpanTarget target, ExportTraceServiceRequest request) throws ExportFailure {
    String endpoint = resolver.resolve(target);
    ManagedChannel channel = channel(endpoint, target.authority());
    try {
      TraceServiceGrpc.newBlockingStub(channel)
          .withDeadlineAfter(target.timeoutMillis(), TimeUnit.MILLISECONDS)
          .export(request);
    } catch (StatusRuntimeException e) {
      throw new ExportFailure(
          e.getStatus().getCode().name(),
          "OTLP export to " + endpoint + " failed: " + e.getStatus());
    }
  }

  private ManagedChannel channel(String endpoint, String authority) throws ExportFailure {
    String key = authority == null ? endpoint : endpoint + "|" + authority;
    ManagedChannel channel = channels.get(key);
    if (channel != null) {
      return channel;
    }
    if (channels.size() >= MAX_CHANNELS) {
      channels.values().forEach(ManagedChannel::shutdownNow);
      channels.clear();
    }
    int colon = endpoint.lastIndexOf(':');
    int port;
    try {
      port = Integer.parseInt(endpoint.substring(colon + 1));
    } catch (RuntimeException e) {
      throw new ExportFailure("bad-endpoint", "endpoint " + endpoint + " is not host:port");
    }
    String host = endpoint.substring(0, colon);
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    if (eventLoop == null) {
      eventLoop =
          new MultiThreadIoEventLoopGroup(
              1, MeshThreads.factory("trace-net"), NioIoHandler.newFactory());
    }
    NettyChannelBuilder b =
        NettyChannelBuilder.forAddress(host, port)
            .eventLoopGroup(eventLoop)
            .channelType(NioSocketChannel.class)
            .directExecutor()
            .usePlaintext();
    if (authority != null && !authority.isEmpty()) {
      b.overrideAuthority(authority);
    }
    channel = b.build();
    channels.put(key, channel);
    return channel;
  }
}
