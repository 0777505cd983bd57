package dev.jmesh.dataplane.engine.inbound;

import dev.jmesh.dataplane.record.ResponseFlag;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import java.util.List;
import java.util.Map;

/**
 * A response the engine gives itself, Envoy-style: a status, a short text body ({@code RBAC: access
 * denied}) and the headers policy asked for.
 */
record LocalReply(int status, String body, List<Map.Entry<String, String>> headers, int flags) {

  LocalReply {
    body = body == null ? "" : body;
    headers = headers == null ? List.of() : List.copyOf(headers);
  }

  static LocalReply of(int status, String body, int flags) {
    return new LocalReply(status, body, List.of(), flags);
  }

  /**
   * Envoy's 503 for an application that failed the request before any of its response, with the
   * reset reason ({@code connection failure}, {@code connection termination}, {@code protocol
   * error}) and its flag.
   */
  static LocalReply upstreamReset(String resetReason, ResponseFlag flag) {
    return of(
        503,
        "upstream connect error or disconnect/reset before headers. reset reason: " + resetReason,
        flag.bit());
  }

  ByteBuf content(ByteBufAllocator alloc) {
    return ByteBufUtil.writeUtf8(alloc, body);
  }
}
