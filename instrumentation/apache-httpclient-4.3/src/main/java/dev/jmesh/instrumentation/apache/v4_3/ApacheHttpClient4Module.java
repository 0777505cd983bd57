package dev.jmesh.instrumentation.apache.v4_3;

import dev.jmesh.instrumentation.api.InstrumentationModule;
import dev.jmesh.instrumentation.api.TypeInstrumentation;
import java.util.List;

/**
 * Apache HttpClient 4.3 and later on the direct path: each call of the classic client is decided
 * once and re-targeted to the mesh's endpoint on the client's own pool, with the mesh's retries,
 * timeouts, fault delays, local replies and mTLS. The re-targeted host needs httpcore 4.4's {@code
 * HttpHost(InetAddress, String, int, String)}; with an older core the reference check keeps the
 * module out. The asynchronous 4.x client (httpasyncclient) stays on the engine.
 */
public final class ApacheHttpClient4Module implements InstrumentationModule {

  private static final String PACKAGE = "dev.jmesh.instrumentation.apache.v4_3.";

  @Override
  public String name() {
    return "apache-httpclient-4.3";
  }

  @Override
  public List<String> knownTargetNames() {
    return List.of(
        "org.apache.http.impl.client.InternalHttpClient",
        "org.apache.http.impl.client.MinimalHttpClient",
        "org.apache.http.impl.conn.DefaultHttpClientConnectionOperator");
  }

  @Override
  public List<TypeInstrumentation> typeInstrumentations() {
    return List.of(new ClassicClientInstrumentation(), new ClassicConnectInstrumentation());
  }

  @Override
  public List<String> helperClassNames() {
    // By name: loading them here, in the agent's class loader, would need HttpClient.
    return List.of(
        PACKAGE + "ApacheRequestView",
        PACKAGE + "ApacheHeaders",
        PACKAGE + "AttemptFailures",
        PACKAGE + "AttemptRequest",
        PACKAGE + "AttemptEntityRequest",
        PACKAGE + "AttemptContext",
        PACKAGE + "DirectHosts",
        PACKAGE + "LocalReply",
        PACKAGE + "ConnectionTls",
        PACKAGE + "ClassicDirectCall");
  }
}
