package dev.jmesh.instrumentation.okhttp.v3_9;

import dev.jmesh.instrumentation.api.InstrumentationModule;
import dev.jmesh.instrumentation.api.TypeInstrumentation;
import java.util.List;

/**
 * OkHttp 3.9 and later (4.x, 5.x): every client gets the mesh's interceptor. 3.9 is the floor
 * because the interceptor needs {@code Interceptor.Chain.call()} and the per-call timeouts that
 * arrived with it; on an older OkHttp the reference check keeps the module out.
 */
public final class OkHttpModule implements InstrumentationModule {

  @Override
  public String name() {
    return "okhttp-3.9";
  }

  @Override
  public List<String> knownTargetNames() {
    return List.of("okhttp3.OkHttpClient$Builder");
  }

  @Override
  public List<TypeInstrumentation> typeInstrumentations() {
    return List.of(new OkHttpClientBuilderInstrumentation());
  }

  @Override
  public List<String> helperClassNames() {
    // By name: loading the class here, in the agent's class loader, would need OkHttp.
    return List.of("dev.jmesh.instrumentation.okhttp.v3_9.MeshInterceptor");
  }
}
