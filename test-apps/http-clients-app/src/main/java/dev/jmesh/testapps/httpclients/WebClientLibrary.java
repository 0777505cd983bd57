package dev.jmesh.testapps.httpclients;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DefaultDataBufferFactory;
import org.springframework.http.HttpMethod;
import org.springframework.http.MediaType;
import org.springframework.http.client.reactive.ReactorClientHttpConnector;
import org.springframework.web.reactive.function.client.WebClient;
import org.springframework.web.reactive.function.client.WebClientRequestException;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.http.client.HttpClient;
import reactor.netty.resources.ConnectionProvider;

/**
 * Spring WebClient on Reactor Netty: one {@link WebClient} over one {@link HttpClient} and its
 * connection pool (sized like the other libraries' for the suite's bursts). {@code send} blocks on
 * the request's {@code Mono}, {@code sendAsync} is the {@code Mono} as a future. Reactor Netty uses
 * epoll on Linux ({@code webclient}); {@code webclient-nio} makes it use NIO. The application
 * catches {@link WebClientRequestException}'s cause, as WebClient users test for a timeout.
 */
final class WebClientLibrary implements ClientLibrary {

  private static final Duration BOUND = Duration.ofSeconds(60);

  private final WebClient client;

  WebClientLibrary(boolean nativeTransport) {
    // Read when Reactor Netty first makes its event loops, which happens below.
    System.setProperty("reactor.netty.native", Boolean.toString(nativeTransport));
    ConnectionProvider pool =
        ConnectionProvider.builder("http-clients")
            .maxConnections(256)
            .pendingAcquireMaxCount(-1)
            .build();
    HttpClient http = HttpClient.create(pool).followRedirect(false);
    client = WebClient.builder().clientConnector(new ReactorClientHttpConnector(http)).build();
  }

  @Override
  public Outcome send(Exchange exchange) throws Exception {
    try {
      return request(exchange).block(BOUND);
    } catch (WebClientRequestException e) {
      throw unwrapped(e);
    }
  }

  @Override
  public CompletableFuture<Outcome> sendAsync(Exchange exchange) {
    return request(exchange)
        .onErrorMap(WebClientRequestException.class, WebClientLibrary::unwrapped)
        .toFuture();
  }

  @Override
  public boolean hasAsync() {
    return true;
  }

  private Mono<Outcome> request(Exchange exchange) {
    WebClient.RequestBodySpec request =
        client.method(HttpMethod.valueOf(exchange.method())).uri(exchange.uri());
    for (String[] header : exchange.headers()) {
      request.header(header[0], header[1]);
    }
    WebClient.RequestHeadersSpec<?> ready = request;
    if (exchange.hasBody()) {
      byte[] bytes = exchange.body();
      request.contentType(MediaType.APPLICATION_OCTET_STREAM);
      ready =
          exchange.streamBody()
              ? request.body(oneShot(bytes), DataBuffer.class)
              : request.bodyValue(bytes);
    }
    return ready.exchangeToMono(
        response ->
            response
                .bodyToMono(byte[].class)
                .defaultIfEmpty(new byte[0])
                .map(body -> Outcome.of(response.statusCode().value(), "HTTP/1.1", body)));
  }

  /** A body that can be read once, as an upload from a stream would be. */
  private static Flux<DataBuffer> oneShot(byte[] bytes) {
    AtomicBoolean read = new AtomicBoolean();
    return Flux.defer(
        () ->
            read.compareAndSet(false, true)
                ? Flux.just(DefaultDataBufferFactory.sharedInstance.wrap(bytes))
                : Flux.error(new IllegalStateException("the stream was read already")));
  }

  private static Exception unwrapped(WebClientRequestException e) {
    Throwable cause = e.getCause();
    return cause instanceof Exception ? (Exception) cause : e;
  }
}
