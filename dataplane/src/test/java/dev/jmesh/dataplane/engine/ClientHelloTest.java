package dev.jmesh.dataplane.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import org.junit.jupiter.api.Test;

/** ClientHellos as the JDK and BoringSSL really send them, then broken ones. */
class ClientHelloTest {

  private static final String SNI = "reviews.default.svc.cluster.local";

  /** The first flight of a JDK client engine with SNI and ALPN. */
  private static byte[] jdkHello() throws Exception {
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(null, null, null);
    SSLEngine engine = context.createSSLEngine(SNI, 443);
    engine.setUseClientMode(true);
    SSLParameters params = engine.getSSLParameters();
    params.setServerNames(List.of(new SNIHostName(SNI)));
    params.setApplicationProtocols(new String[] {"h2", "http/1.1"});
    engine.setSSLParameters(params);
    return firstFlight(engine);
  }

  /** The first flight of a Netty BoringSSL client engine with SNI and ALPN. */
  private static byte[] boringSslHello() throws Exception {
    SSLEngine engine =
        SslContextBuilder.forClient()
            .sslProvider(SslProvider.OPENSSL)
            .applicationProtocolConfig(
                new ApplicationProtocolConfig(
                    ApplicationProtocolConfig.Protocol.ALPN,
                    ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                    ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT,
                    "h2",
                    "http/1.1"))
            .build()
            .newEngine(ByteBufAllocator.DEFAULT, SNI, 443);
    try {
      return firstFlight(engine);
    } finally {
      io.netty.util.ReferenceCountUtil.release(engine);
    }
  }

  private static byte[] firstFlight(SSLEngine engine) throws Exception {
    engine.beginHandshake();
    ByteBuffer out = ByteBuffer.allocate(1 << 15);
    engine.wrap(ByteBuffer.allocate(0), out);
    out.flip();
    byte[] b = new byte[out.remaining()];
    out.get(b);
    return b;
  }

  @Test
  void readsSniAndAlpnFromTheJdksClientHello() throws Exception {
    byte[] hello = jdkHello();
    assertThat(FirstBytes.classify(hello, 0, hello.length)).isEqualTo(FirstBytes.Protocol.TLS);
    ClientHello.Result r = ClientHello.parse(hello, 0, hello.length);
    assertThat(r.status()).isEqualTo(ClientHello.Status.OK);
    assertThat(r.serverName()).isEqualTo(SNI);
    assertThat(r.alpn()).containsExactly("h2", "http/1.1");
  }

  @Test
  void readsSniAndAlpnFromBoringSslsClientHello() throws Exception {
    byte[] hello = boringSslHello();
    ClientHello.Result r = ClientHello.parse(hello, 0, hello.length);
    assertThat(r.status()).isEqualTo(ClientHello.Status.OK);
    assertThat(r.serverName()).isEqualTo(SNI);
    assertThat(r.alpn()).containsExactly("h2", "http/1.1");
  }

  @Test
  void everyTruncationAsksForMore() throws Exception {
    byte[] hello = jdkHello();
    for (int n = 0; n < hello.length; n++) {
      assertThat(ClientHello.parse(hello, 0, n).status())
          .as("first %d bytes", n)
          .isEqualTo(ClientHello.Status.NEED_MORE);
    }
  }

  @Test
  void corruptedHellosAreRefusedNeverThrown() throws Exception {
    byte[] hello = jdkHello();
    SplittableRandom random = new SplittableRandom(11);
    int refused = 0;
    for (int i = 0; i < 20_000; i++) {
      byte[] bad = Arrays.copyOf(hello, hello.length);
      for (int flips = 1 + random.nextInt(4); flips > 0; flips--) {
        bad[random.nextInt(bad.length)] = (byte) random.nextInt(256);
      }
      ClientHello.Result r = ClientHello.parse(bad, 0, bad.length);
      refused += r.status() == ClientHello.Status.NOT_CLIENT_HELLO ? 1 : 0;
    }
    // Many flips land in random bytes and still parse; the ones that break a length are refused.
    assertThat(refused).isGreaterThan(100);
    assertThat(ClientHello.parse("GET / HTTP/1.1".getBytes(), 0, 14).status())
        .isEqualTo(ClientHello.Status.NOT_CLIENT_HELLO);
  }
}
