package dev.jmesh.instrumentation.apache.v5_0;

import dev.jmesh.instrumentation.api.InstrumentationModule;
import dev.jmesh.instrumentation.api.TypeInstrumentation;
import java.util.List;

/**
 * Apache HttpClient 5 on the direct path: each call of the classic client and of the asynchronous
 * ones (HTTP/1.1 and HTTP/2) is decided once and re-targeted to the mesh's endpoint on the client's
 * own pool, with the mesh's retries, timeouts, fault delays and local replies, and the mesh's mTLS
 * on classic and asynchronous HTTP/1.1 connections (HTTP/2 mTLS routes go through the engine).
 */
public final class ApacheHttpClient5Module implements InstrumentationModule {

  private static final String PACKAGE = "dev.jmesh.instrumentation.apache.v5_0.";

  @Override
  public String name() {
    return "apache-httpclient-5.0";
  }

  @Override
  public List<String> knownTargetNames() {
    return List.of(
        "org.apache.hc.client5.http.impl.classic.InternalHttpClient",
        "org.apache.hc.client5.http.impl.classic.MinimalHttpClient",
        "org.apache.hc.client5.http.impl.io.DefaultHttpClientConnectionOperator",
        "org.apache.hc.client5.http.impl.async.InternalAbstractHttpAsyncClient",
        "org.apache.hc.core5.reactor.SingleCoreIOReactor",
        "org.apache.hc.client5.http.impl.nio.DefaultManagedAsyncClientConnection");
  }

  @Override
  public List<TypeInstrumentation> typeInstrumentations() {
    return List.of(
        new ClassicClientInstrumentation(),
        new ClassicConnectInstrumentation(),
        new AsyncClientInstrumentation(),
        new ReactorConnectInstrumentation(),
        new AsyncConnectionInstrumentation());
  }

  @Override
  public List<String> helperClassNames() {
    // By name: loading them here, in the agent's class loader, would need HttpClient.
    return List.of(
        PACKAGE + "ApacheRequestView",
        PACKAGE + "ApacheHeaders",
        PACKAGE + "AttemptFailures",
        PACKAGE + "ClassicLocalReply",
        PACKAGE + "ClassicConnectionTls",
        PACKAGE + "AttemptContext",
        PACKAGE + "ClassicDirectCall",
        PACKAGE + "DirectEndpoints",
        PACKAGE + "AsyncConnectionTls",
        PACKAGE + "CapturedRequest",
        PACKAGE + "AttemptRequestProducer",
        PACKAGE + "AttemptResponseConsumer",
        PACKAGE + "AsyncLocalReply",
        PACKAGE + "AsyncDirectCall$AttemptCallback",
        PACKAGE + "AsyncDirectCall$1",
        PACKAGE + "AsyncDirectCall");
  }
}
