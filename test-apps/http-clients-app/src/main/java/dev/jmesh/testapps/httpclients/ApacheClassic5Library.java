package dev.jmesh.testapps.httpclients;

import java.io.ByteArrayInputStream;
import org.apache.hc.client5.http.config.ConnectionConfig;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.client5.http.impl.classic.HttpClients;
import org.apache.hc.client5.http.impl.io.PoolingHttpClientConnectionManagerBuilder;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.HttpEntity;
import org.apache.hc.core5.http.ProtocolVersion;
import org.apache.hc.core5.http.io.entity.ByteArrayEntity;
import org.apache.hc.core5.http.io.entity.EntityUtils;
import org.apache.hc.core5.http.io.entity.InputStreamEntity;
import org.apache.hc.core5.http.io.support.ClassicRequestBuilder;
import org.apache.hc.core5.util.Timeout;

/**
 * Apache HttpClient 5, classic (blocking) API, one pooled client. Its own retries (which resend on
 * 503 after a second) are off, so what the application sees is what the mesh did.
 */
final class ApacheClassic5Library implements ClientLibrary {

  private final CloseableHttpClient client =
      HttpClients.custom()
          .setConnectionManager(
              PoolingHttpClientConnectionManagerBuilder.create()
                  .setMaxConnTotal(256)
                  .setMaxConnPerRoute(256)
                  .setDefaultConnectionConfig(
                      ConnectionConfig.custom()
                          .setConnectTimeout(Timeout.of(ClientTimeouts.CONNECT))
                          .setSocketTimeout(Timeout.of(ClientTimeouts.REQUEST))
                          .build())
                  .build())
          .disableAutomaticRetries()
          .disableRedirectHandling()
          .build();

  @Override
  public Outcome send(Exchange exchange) throws Exception {
    ClassicRequestBuilder request =
        ClassicRequestBuilder.create(exchange.method()).setUri(exchange.uri());
    for (String[] header : exchange.headers()) {
      request.addHeader(header[0], header[1]);
    }
    if (exchange.hasBody()) {
      byte[] bytes = exchange.body();
      request.setEntity(
          exchange.streamBody()
              ? new InputStreamEntity(
                  new ByteArrayInputStream(bytes),
                  bytes.length,
                  ContentType.APPLICATION_OCTET_STREAM)
              : new ByteArrayEntity(bytes, ContentType.APPLICATION_OCTET_STREAM));
    }
    return client.execute(
        request.build(),
        response -> {
          HttpEntity entity = response.getEntity();
          byte[] body = entity == null ? new byte[0] : EntityUtils.toByteArray(entity);
          return Outcome.of(response.getCode(), version(response.getVersion()), body);
        });
  }

  static String version(ProtocolVersion version) {
    return version == null ? "HTTP_1_1" : version.format().replace('/', '_').replace('.', '_');
  }
}
