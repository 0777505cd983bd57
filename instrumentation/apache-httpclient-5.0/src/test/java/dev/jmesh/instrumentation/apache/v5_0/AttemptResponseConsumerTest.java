package dev.jmesh.instrumentation.apache.v5_0;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jmesh.instrumentation.testing.ScriptedCall;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.apache.hc.client5.http.async.methods.SimpleHttpResponse;
import org.apache.hc.client5.http.async.methods.SimpleResponseConsumer;
import org.apache.hc.core5.concurrent.FutureCallback;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.EntityDetails;
import org.apache.hc.core5.http.Header;
import org.apache.hc.core5.http.HttpResponse;
import org.apache.hc.core5.http.impl.BasicEntityDetails;
import org.apache.hc.core5.http.message.BasicHttpResponse;
import org.apache.hc.core5.http.nio.AsyncResponseConsumer;
import org.apache.hc.core5.http.nio.CapacityChannel;
import org.apache.hc.core5.http.protocol.BasicHttpContext;
import org.apache.hc.core5.http.protocol.HttpContext;
import org.junit.jupiter.api.Test;

/**
 * The attempts of one call share the application's response consumer. Apache tears a cancelled
 * attempt down on its reactor, under load after the next attempt has started: these tests play
 * that order out by hand, which a test over sockets only hits now and then.
 */
class AttemptResponseConsumerTest {

  private final ScriptedCall call =
      new ScriptedCall().endpoints(new InetSocketAddress("127.0.0.2", 9080));

  @Test
  void aCancelledAttemptsLateTeardownLeavesTheConsumerToTheNextAttempt() throws Exception {
    SimpleResponseConsumer application = SimpleResponseConsumer.create();
    AttemptResponseConsumer<SimpleHttpResponse> cancelled =
        new AttemptResponseConsumer<>(application, call);
    AttemptResponseConsumer<SimpleHttpResponse> next =
        new AttemptResponseConsumer<>(application, call);
    CompletableFuture<SimpleHttpResponse> result = new CompletableFuture<>();

    next.consumeResponse(ok(5), body(5), new BasicHttpContext(), into(result));
    // The per-try timer cancelled the first attempt; Apache gets round to it only now.
    cancelled.failed(new SocketTimeoutException("per-try timeout"));
    cancelled.releaseResources();
    next.updateCapacity(increment -> {});
    next.consume(ByteBuffer.wrap("hello".getBytes(StandardCharsets.US_ASCII)));
    next.streamEnd(null);

    assertThat(result).isCompleted();
    assertThat(result.get().getBodyText()).isEqualTo("hello");
    assertThat(next.headKept()).isTrue();
  }

  @Test
  void onlyTheAttemptThatKeptTheHeadPassesOnFailureAndRelease() throws Exception {
    RecordingConsumer application = new RecordingConsumer();
    AttemptResponseConsumer<String> failed = new AttemptResponseConsumer<>(application, call);
    AttemptResponseConsumer<String> kept = new AttemptResponseConsumer<>(application, call);

    failed.failed(new SocketTimeoutException("per-try timeout"));
    failed.releaseResources();
    assertThat(application.events).isEmpty();

    kept.consumeResponse(ok(0), null, new BasicHttpContext(), into(new CompletableFuture<>()));
    kept.failed(new SocketTimeoutException("reset after the head"));
    kept.releaseResources();
    assertThat(application.events)
        .containsExactly("head 200", "failed reset after the head", "released");
  }

  @Test
  void aHeadAfterTheCallEndedIsDrainedAndNeverReachesTheApplication() throws Exception {
    RecordingConsumer application = new RecordingConsumer();
    AttemptResponseConsumer<String> late = new AttemptResponseConsumer<>(application, call);
    assertThat(late.abandon()).isTrue();
    CompletableFuture<String> result = new CompletableFuture<>();

    late.consumeResponse(ok(3), body(3), new BasicHttpContext(), into(result));
    late.consume(ByteBuffer.wrap(new byte[3]));
    late.streamEnd(null);
    late.releaseResources();

    assertThat(result).isCompletedWithValue(null);
    assertThat(late.headKept()).isFalse();
    assertThat(late.discarded()).isTrue();
    assertThat(application.events).isEmpty();
    assertThat(call.attempts()).as("the call had ended: no attempt to report").isEmpty();
  }

  @Test
  void aKeptHeadCannotBeAbandoned() throws Exception {
    RecordingConsumer application = new RecordingConsumer();
    AttemptResponseConsumer<String> kept = new AttemptResponseConsumer<>(application, call);
    kept.consumeResponse(ok(0), null, new BasicHttpContext(), into(new CompletableFuture<>()));

    assertThat(kept.abandon()).isFalse();
    assertThat(kept.headKept()).isTrue();
  }

  private static HttpResponse ok(int length) {
    BasicHttpResponse response = new BasicHttpResponse(200);
    response.setHeader("content-length", Integer.toString(length));
    return response;
  }

  private static EntityDetails body(int length) {
    return new BasicEntityDetails(length, ContentType.TEXT_PLAIN);
  }

  private static <T> FutureCallback<T> into(CompletableFuture<T> result) {
    return new FutureCallback<T>() {
      @Override
      public void completed(T value) {
        result.complete(value);
      }

      @Override
      public void failed(Exception cause) {
        result.completeExceptionally(cause);
      }

      @Override
      public void cancelled() {
        result.cancel(false);
      }
    };
  }

  /** An application consumer that writes down what it was told. */
  private static final class RecordingConsumer implements AsyncResponseConsumer<String> {

    final List<String> events = new ArrayList<>();

    @Override
    public void consumeResponse(
        HttpResponse response,
        EntityDetails entity,
        HttpContext context,
        FutureCallback<String> result) {
      events.add("head " + response.getCode());
      if (entity == null) {
        result.completed("");
      }
    }

    @Override
    public void informationResponse(HttpResponse response, HttpContext context) {}

    @Override
    public void updateCapacity(CapacityChannel channel) {}

    @Override
    public void consume(ByteBuffer data) {
      data.position(data.limit());
    }

    @Override
    public void streamEnd(List<? extends Header> trailers) {}

    @Override
    public void failed(Exception cause) {
      events.add("failed " + cause.getMessage());
    }

    @Override
    public void releaseResources() {
      events.add("released");
    }
  }
}
