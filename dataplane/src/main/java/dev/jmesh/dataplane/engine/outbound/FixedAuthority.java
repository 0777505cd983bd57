package dev.jmesh.dataplane.engine.outbound;

import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;
import java.net.URI;
import java.net.URISyntaxException;

/**
 * Names one mesh destination as the authority of every request on an adopted connection whose
 * client addressed a local port, not the service (mesh-proxy's {@code --outbound
 * reviews:9080=127.0.0.1:19080}: the requests carry {@code Host: 127.0.0.1:19080}, which no route
 * matches). Sits between the HTTP codec and {@link HttpExchange}; holds no state, so one instance
 * serves every connection and stream of a port.
 */
@Sharable
final class FixedAuthority extends ChannelInboundHandlerAdapter {

  private final String authority;

  FixedAuthority(String authority) {
    this.authority = authority;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (msg instanceof HttpRequest request && request.decoderResult().isSuccess()) {
      request.headers().set(HttpHeaderNames.HOST, authority);
      // Hop-by-hop headers a client sends to a proxy, meant for it and not for the service.
      request.headers().remove("proxy-connection");
      request.headers().remove(HttpHeaderNames.PROXY_AUTHORIZATION);
      String uri = request.uri();
      if (uri.startsWith("http://") || uri.startsWith("https://")) {
        request.setUri(originForm(uri));
      }
    }
    ctx.fireChannelRead(msg);
  }

  /** {@code http://host:port/p?q} as {@code /p?q}; left as it is when it does not parse. */
  static String originForm(String absolute) {
    try {
      URI uri = new URI(absolute);
      String path = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
      return uri.getRawQuery() == null ? path : path + "?" + uri.getRawQuery();
    } catch (URISyntaxException e) {
      return absolute;
    }
  }
}
