package dev.jmesh.instrumentation.okhttp.v3_9;

import dev.jmesh.instrumentation.api.InstrumentationModule;
import dev.jmesh.instrumentation.api.TypeInstrumentation;
import java.util.List;

/**
 * OkHttp 3.9 and later (4.x, 5.x) on the direct path: every client's requests to mesh destinations
 * are routed, retried, timed and answered by the mesh in its own interceptor, sent to the chosen
 * endpoint over the client's own pool, and secured by the mesh socket factory. 3.9 is the floor
 * because the interceptor needs {@code Interceptor.Chain.call()} and the per-chain timeouts that
 * arrived with it; on an older OkHttp the reference check keeps the module out.
 */
public final class OkHttpModule implements InstrumentationModule {

  @Override
  public String name() {
    return "okhttp-3.9";
  }

  @Override
  public List<String> knownTargetNames() {
    return List.of(
        "okhttp3.OkHttpClient$Builder", "okhttp3.RealCall", "okhttp3.internal.connection.RealCall");
  }

  @Override
  public List<TypeInstrumentation> typeInstrumentations() {
    return List.of(new OkHttpClientBuilderInstrumentation(), new RealCallInstrumentation());
  }

  @Override
  public List<String> helperClassNames() {
    // By name: loading the classes here, in the agent's class loader, would need OkHttp.
    String p = "dev.jmesh.instrumentation.okhttp.v3_9.";
    return List.of(
        p + "OkHttpMeshRequest",
        p + "HeadersView",
        p + "BuilderHeaders",
        p + "RequestBodies",
        p + "LocalReply",
        p + "RedirectFollowUp",
        p + "CallDeadline",
        p + "DirectEndpoints",
        p + "RetargetedUrls",
        p + "RetargetedUrls$Entry",
        p + "MeshSocket",
        p + "MeshSocketFactory",
        p + "DirectExchange",
        p + "MeshInterceptor",
        p + "EnqueuedDecisions");
  }
}
