package dev.jmesh.dataplane.engine;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Any;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import dev.jmesh.dataplane.record.WorkloadLabels;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class TcpPeerExchangeTest {

  private static final String PROVEN = "spiffe://cluster.local/ns/shop/sa/proven";

  private static final WorkloadLabels MONGO_CLIENT =
      WorkloadLabels.builder()
          .workload("orders-v1")
          .namespace("shop")
          .app("orders")
          .version("v1")
          .canonicalService("orders")
          .canonicalRevision("v1")
          .cluster("Kubernetes")
          .principal("spiffe://cluster.local/ns/shop/sa/claimed")
          .build();

  private static final String ID = "sidecar~10.0.0.7~orders-v1.shop~shop.svc.cluster.local";

  @Test
  void prefixIsIstiosHeaderThenAnAnyPackingTheStruct() throws Exception {
    byte[] prefix = TcpPeerExchange.prefix(MONGO_CLIENT, ID);

    ByteBuffer b = ByteBuffer.wrap(prefix);
    assertThat(b.getInt()).isEqualTo(0x3D230467);
    assertThat(b.getInt()).isEqualTo(prefix.length - 8);
    Any any = Any.parseFrom(Arrays.copyOfRange(prefix, 8, prefix.length));
    assertThat(any.getTypeUrl()).isEqualTo("type.googleapis.com/google.protobuf.Struct");
    Struct data = Struct.parseFrom(any.getValue());
    assertThat(data.getFieldsOrThrow("x-envoy-peer-metadata-id").getStringValue()).isEqualTo(ID);
    Struct node = data.getFieldsOrThrow("x-envoy-peer-metadata").getStructValue();
    assertThat(node.getFieldsOrThrow("WORKLOAD_NAME").getStringValue()).isEqualTo("orders-v1");
    assertThat(node.getFieldsOrThrow("NAMESPACE").getStringValue()).isEqualTo("shop");
  }

  @Test
  void roundTripKeepsTheLabelsTakesThePrincipalFromTlsAndLeavesTheApplicationBytes() {
    ByteBuf in = Unpooled.buffer();
    in.writeBytes(TcpPeerExchange.prefix(MONGO_CLIENT, ID));
    in.writeBytes("hello".getBytes(StandardCharsets.US_ASCII));

    TcpPeerExchange.Outcome o = new TcpPeerExchange.Reader(PROVEN).read(in);

    assertThat(o.status()).isEqualTo(TcpPeerExchange.Status.DONE);
    assertThat(o.problem()).isNull();
    WorkloadLabels peer = o.peer();
    assertThat(peer.workload()).isEqualTo("orders-v1");
    assertThat(peer.namespace()).isEqualTo("shop");
    assertThat(peer.app()).isEqualTo("orders");
    assertThat(peer.version()).isEqualTo("v1");
    assertThat(peer.canonicalService()).isEqualTo("orders");
    assertThat(peer.canonicalRevision()).isEqualTo("v1");
    assertThat(peer.cluster()).isEqualTo("Kubernetes");
    // The payload may claim any principal; only the verified certificate proves one.
    assertThat(peer.principal()).isEqualTo(PROVEN);
    assertThat(in.toString(StandardCharsets.US_ASCII)).isEqualTo("hello");
    in.release();
  }

  @Test
  void prefixSplitAcrossReadsOneByteAtATimeIsReadWhole() {
    byte[] prefix = TcpPeerExchange.prefix(MONGO_CLIENT, ID);
    TcpPeerExchange.Reader reader = new TcpPeerExchange.Reader(PROVEN);
    ByteBuf cumulated = Unpooled.buffer();
    TcpPeerExchange.Outcome o = null;
    for (int i = 0; i < prefix.length; i++) {
      cumulated.writeByte(prefix[i]);
      o = reader.read(cumulated);
      if (i < prefix.length - 1) {
        assertThat(o.status())
            .as("after %d bytes", i + 1)
            .isEqualTo(TcpPeerExchange.Status.NEED_MORE);
      }
    }
    assertThat(o.status()).isEqualTo(TcpPeerExchange.Status.DONE);
    assertThat(o.peer().workload()).isEqualTo("orders-v1");
    assertThat(cumulated.readableBytes()).isZero();
    cumulated.release();
  }

  @Test
  void wrongMagicIsNotAnExchangeAndConsumesNothing() {
    ByteBuf in = Unpooled.copiedBuffer("GET / HTTP/1.1\r\n", StandardCharsets.US_ASCII);

    TcpPeerExchange.Outcome o = new TcpPeerExchange.Reader(PROVEN).read(in);

    assertThat(o.status()).isEqualTo(TcpPeerExchange.Status.NOT_EXCHANGE);
    assertThat(o.problem()).contains("0x3D230467").contains("0x47455420");
    assertThat(in.readerIndex()).isZero();
    in.release();
  }

  @Test
  void oversizedPayloadIsSkippedAcrossReadsAndLeavesThePeerUnknownWithItsPrincipal() {
    int length = TcpPeerExchange.MAX_PAYLOAD + 1;
    TcpPeerExchange.Reader reader = new TcpPeerExchange.Reader(PROVEN);
    ByteBuf in = Unpooled.buffer();
    in.writeInt(0x3D230467).writeInt(length).writeZero(1000);

    assertThat(reader.read(in).status()).isEqualTo(TcpPeerExchange.Status.NEED_MORE);
    // Skipped, not held: memory stays bounded whatever the peer claims.
    assertThat(in.readableBytes()).isZero();
    in.writeZero(length - 1000).writeBytes("after".getBytes(StandardCharsets.US_ASCII));
    TcpPeerExchange.Outcome o = reader.read(in);

    assertThat(o.status()).isEqualTo(TcpPeerExchange.Status.DONE);
    assertThat(o.problem()).contains("larger than 8192");
    assertThat(o.peer().workload()).isEqualTo(WorkloadLabels.UNKNOWN);
    assertThat(o.peer().principal()).isEqualTo(PROVEN);
    assertThat(in.toString(StandardCharsets.US_ASCII)).isEqualTo("after");
    in.release();
  }

  @Test
  void payloadThatIsNotAnAnyOfAStructLeavesThePeerUnknownButTheStreamInStep() {
    byte[] notStruct =
        Any.newBuilder()
            .setTypeUrl("type.googleapis.com/google.protobuf.Value")
            .setValue(Value.newBuilder().setStringValue("x").build().toByteString())
            .build()
            .toByteArray();
    byte[] garbage = {(byte) 0xff, (byte) 0xff, (byte) 0xff};
    for (byte[] payload : List.of(notStruct, garbage)) {
      ByteBuf in = Unpooled.buffer();
      in.writeInt(0x3D230467).writeInt(payload.length).writeBytes(payload).writeByte('!');

      TcpPeerExchange.Outcome o = new TcpPeerExchange.Reader(PROVEN).read(in);

      assertThat(o.status()).isEqualTo(TcpPeerExchange.Status.DONE);
      assertThat(o.problem()).isNotNull();
      assertThat(o.peer().workload()).isEqualTo(WorkloadLabels.UNKNOWN);
      assertThat(o.peer().principal()).isEqualTo(PROVEN);
      assertThat(in.readableBytes()).isEqualTo(1);
      in.release();
    }
  }

  @Test
  void truncatedPrefixNeedsMoreAndConsumesNothing() {
    byte[] prefix = TcpPeerExchange.prefix(MONGO_CLIENT, ID);
    ByteBuf in = Unpooled.wrappedBuffer(Arrays.copyOf(prefix, prefix.length - 1));

    TcpPeerExchange.Outcome o = new TcpPeerExchange.Reader(PROVEN).read(in);

    assertThat(o.status()).isEqualTo(TcpPeerExchange.Status.NEED_MORE);
    assertThat(in.readerIndex()).isZero();
    in.release();
  }

  @Test
  void handlerStripsThePrefixHandsThePeerOnAndPassesTheRestThrough() {
    List<WorkloadLabels> peers = new ArrayList<>();
    EmbeddedChannel ch =
        new EmbeddedChannel(new TcpPeerExchangeHandler(PROVEN, "inbound test", peers::add));
    byte[] prefix = TcpPeerExchange.prefix(MONGO_CLIENT, ID);

    ch.writeInbound(Unpooled.wrappedBuffer(Arrays.copyOf(prefix, 5)));
    assertThat(peers).isEmpty();
    ByteBuf rest = Unpooled.buffer();
    rest.writeBytes(prefix, 5, prefix.length - 5)
        .writeBytes("ping".getBytes(StandardCharsets.US_ASCII));
    ch.writeInbound(rest);

    assertThat(peers).extracting(WorkloadLabels::workload).containsExactly("orders-v1");
    ByteBuf passed = ch.readInbound();
    assertThat(passed.toString(StandardCharsets.US_ASCII)).isEqualTo("ping");
    passed.release();
    assertThat(ch.pipeline().get(TcpPeerExchangeHandler.class)).isNull();
    ch.finishAndReleaseAll();
  }

  @Test
  void handlerClosesAPeerThatNegotiatedTheExchangeButSendsSomethingElse() {
    List<WorkloadLabels> peers = new ArrayList<>();
    EmbeddedChannel ch =
        new EmbeddedChannel(new TcpPeerExchangeHandler(PROVEN, "inbound test", peers::add));

    ch.writeInbound(Unpooled.copiedBuffer("not a prefix", StandardCharsets.US_ASCII));

    assertThat(ch.isOpen()).isFalse();
    assertThat(peers).isEmpty();
    assertThat((Object) ch.readInbound()).isNull();
    ch.finishAndReleaseAll();
  }

  @Test
  void handlerClosesAPeerThatNegotiatedTheExchangeButSendsNothingInTime() {
    List<WorkloadLabels> peers = new ArrayList<>();
    EmbeddedChannel ch =
        new EmbeddedChannel(new TcpPeerExchangeHandler(PROVEN, "inbound test", peers::add));

    ch.advanceTimeBy(TcpPeerExchangeHandler.TIMEOUT_SECONDS - 1, TimeUnit.SECONDS);
    ch.runScheduledPendingTasks();
    assertThat(ch.isOpen()).isTrue();
    ch.advanceTimeBy(1, TimeUnit.SECONDS);
    ch.runScheduledPendingTasks();

    assertThat(ch.isOpen()).isFalse();
    assertThat(peers).isEmpty();
    ch.finishAndReleaseAll();
  }

  @Test
  void handlerThatFinishedInTimeIsNotClosedByTheTimeout() {
    EmbeddedChannel ch =
        new EmbeddedChannel(new TcpPeerExchangeHandler(PROVEN, "inbound test", peer -> {}));
    ch.writeInbound(Unpooled.wrappedBuffer(TcpPeerExchange.prefix(MONGO_CLIENT, ID)));

    ch.advanceTimeBy(TcpPeerExchangeHandler.TIMEOUT_SECONDS + 1, TimeUnit.SECONDS);
    ch.runScheduledPendingTasks();

    assertThat(ch.isOpen()).isTrue();
    ch.finishAndReleaseAll();
  }
}
