package dev.jmesh.dataplane.engine.inbound;

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

  ByteBuf content(ByteBufAllocator alloc) {
    return ByteBufUtil.writeUtf8(alloc, body);
  }
}
