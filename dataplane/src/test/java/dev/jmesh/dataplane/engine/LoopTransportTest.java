package dev.jmesh.dataplane.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class LoopTransportTest {

  @Test
  void withNoNameTheFirstTransportOfTheHostsOrderThatRunsHereIsChosen() {
    // These machines run Linux x86-64 with io_uring allowed: each order's first choice runs.
    assertThat(LoopTransport.IO_URING.unavailability()).isNull();
    assertThat(LoopTransport.choose(null, LoopTransport.LATENCY_FIRST))
        .isEqualTo(LoopTransport.EPOLL);
    assertThat(LoopTransport.choose(" ", LoopTransport.THROUGHPUT_FIRST))
        .isEqualTo(LoopTransport.IO_URING);
  }

  @Test
  void anApplicationsJvmRunsItsEngineOnEpoll() {
    // Nothing in this JVM called preferThroughput, as in an application's JVM with the agent; the
    // build's second pass over the engine's tests names io_uring, which this test is not about.
    assumeTrue(System.getProperty(LoopTransport.PROPERTY) == null);
    assertThat(LoopTransport.selected()).isEqualTo(LoopTransport.EPOLL);
  }

  @Test
  void aNamedTransportThatRunsHereIsTaken() {
    assertThat(LoopTransport.choose("epoll", LoopTransport.THROUGHPUT_FIRST))
        .isEqualTo(LoopTransport.EPOLL);
    assertThat(LoopTransport.choose("NIO", LoopTransport.THROUGHPUT_FIRST))
        .isEqualTo(LoopTransport.NIO);
    assertThat(LoopTransport.choose(" io_uring ", LoopTransport.LATENCY_FIRST))
        .isEqualTo(LoopTransport.IO_URING);
  }

  @Test
  void anUnknownNameFallsBackToTheDefaultAndSaysWhichNamesExist() {
    PrintStream err = System.err;
    ByteArrayOutputStream said = new ByteArrayOutputStream();
    System.setErr(new PrintStream(said, true, StandardCharsets.UTF_8));
    try {
      assertThat(LoopTransport.choose("kqueue", LoopTransport.THROUGHPUT_FIRST))
          .isEqualTo(LoopTransport.IO_URING);
      assertThat(LoopTransport.choose("kqueue", LoopTransport.LATENCY_FIRST))
          .isEqualTo(LoopTransport.EPOLL);
    } finally {
      System.setErr(err);
    }
    // Once, naming the setting, the bad value and the good ones.
    assertThat(said.toString(StandardCharsets.UTF_8))
        .containsOnlyOnce("-Djmesh.engine.transport=kqueue names no transport")
        .contains("use io_uring, epoll or nio");
  }

  @Test
  void everyTransportOpensAListenerAndConnectsThroughIt() throws Exception {
    for (LoopTransport transport : LoopTransport.values()) {
      EventLoopGroup group =
          new MultiThreadIoEventLoopGroup(1, transport.ioHandler());
      try {
        Channel server =
            new ServerBootstrap()
                .group(group)
                .channel(transport.serverChannel())
                .childHandler(new ChannelInboundHandlerAdapter())
                .bind(new InetSocketAddress("127.0.0.1", 0))
                .sync()
                .channel();
        Channel client =
            new Bootstrap()
                .group(group)
                .channel(transport.channel())
                .handler(new ChannelInboundHandlerAdapter())
                .connect(server.localAddress())
                .sync()
                .channel();
        assertThat(client.isActive()).as(transport.label()).isTrue();
        assertThat(client.getClass()).isEqualTo(transport.channel());
        client.close().sync();
        server.close().sync();
      } finally {
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
      }
    }
  }
}
