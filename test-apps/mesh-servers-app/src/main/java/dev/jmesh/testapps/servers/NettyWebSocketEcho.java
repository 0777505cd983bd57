package dev.jmesh.testapps.servers;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;

/** Netty's {@code /ws}: answers each text frame with {@code echo:} and its text. */
final class NettyWebSocketEcho extends SimpleChannelInboundHandler<TextWebSocketFrame> {

  @Override
  protected void channelRead0(ChannelHandlerContext ctx, TextWebSocketFrame frame) {
    ctx.writeAndFlush(new TextWebSocketFrame("echo:" + frame.text()));
  }
}
