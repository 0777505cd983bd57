package dev.jmesh.testapps.httpclients;

import java.util.concurrent.CompletableFuture;
import org.apache.hc.client5.http.async.methods.SimpleHttpResponse;
import org.apache.hc.client5.http.async.methods.SimpleRequestBuilder;
import org.apache.hc.client5.http.async.methods.SimpleResponseConsumer;
import org.apache.hc.client5.http.config.ConnectionConfig;
import org.apache.hc.client5.http.impl.async.CloseableHttpAsyncClient;
import org.apache.hc.client5.http.impl.async.HttpAsyncClients;
import org.apache.hc.client5.http.impl.nio.PoolingAsyncClientConnectionManagerBuilder;
import org.apache.hc.core5.concurrent.FutureCallback;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.nio.AsyncEntityProducer;
import org.apache.hc.core5.http.nio.entity.BasicAsyncEntityProducer;
import org.apache.hc.core5.http.nio.support.BasicRequestProducer;
import org.apache.hc.core5.reactor.IOReactorConfig;
import org.apache.hc.core5.util.Timeout;

/**
 * Apache HttpClient 5, async API on its I/O reactor, one pooled client. {@code send} is the async
 * call awaited, which is how blocking code uses this client.
 */
final class ApacheAsync5Library implements ClientLibrary {

  private final CloseableHttpAsyncClient client =
      HttpAsyncClients.custom()
          .setConnectionManager(
              PoolingAsyncClientConnectionManagerBuilder.create()
                  .setMaxConnTotal(256)
                  .setMaxConnPerRoute(256)
                  .setDefaultConnectionConfig(
                      ConnectionConfig.custom()
                          .setConnectTimeout(Timeout.of(ClientTimeouts.CONNECT))
                          .setSocketTimeout(Timeout.of(ClientTimeouts.REQUEST))
                          .build())
                  .build())
          .setIOReactorConfig(
              IOReactorConfig.custom().setSoTimeout(Timeout.of(ClientTimeouts.REQUEST)).build())
          .disableAutomaticRetries()
          .disableRedirectHandling()
          .build();

  ApacheAsync5Library() {
    client.start();
  }

  @Override
  public Outcome send(Exchange exchange) throws Exception {
    return sendAsync(exchange).get();
  }

  @Override
  public CompletableFuture<Outcome> sendAsync(Exchange exchange) {
    SimpleRequestBuilder request =
        SimpleRequestBuilder.create(exchange.method()).setUri(exchange.uri());
    for (String[] header : exchange.headers()) {
      request.addHeader(header[0], header[1]);
    }
    AsyncEntityProducer body = null;
    if (exchange.hasBody()) {
      body =
          exchange.streamBody()
              ? new OneShotProducer(exchange.body())
              : new BasicAsyncEntityProducer(exchange.body(), ContentType.APPLICATION_OCTET_STREAM);
    }
    CompletableFuture<Outcome> outcome = new CompletableFuture<>();
    client.execute(
        new BasicRequestProducer(request.build(), body),
        SimpleResponseConsumer.create(),
        new FutureCallback<SimpleHttpResponse>() {
          @Override
          public void completed(SimpleHttpResponse response) {
            byte[] body = response.getBodyBytes();
            outcome.complete(
                Outcome.of(
                    response.getCode(),
                    ApacheClassic5Library.version(response.getVersion()),
                    body == null ? new byte[0] : body));
          }

          @Override
          public void failed(Exception e) {
            outcome.completeExceptionally(e);
          }

          @Override
          public void cancelled() {
            outcome.cancel(false);
          }
        });
    return outcome;
  }

  @Override
  public boolean hasAsync() {
    return true;
  }

  /** A body the client must not send twice, as a streamed upload would be. */
  private static final class OneShotProducer extends BasicAsyncEntityProducer {

    OneShotProducer(byte[] bytes) {
      super(bytes, ContentType.APPLICATION_OCTET_STREAM);
    }

    @Override
    public boolean isRepeatable() {
      return false;
    }
  }
}
