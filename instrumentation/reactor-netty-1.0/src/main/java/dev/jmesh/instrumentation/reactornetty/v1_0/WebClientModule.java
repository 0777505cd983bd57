package dev.jmesh.instrumentation.reactornetty.v1_0;

import dev.jmesh.instrumentation.api.InstrumentationModule;
import dev.jmesh.instrumentation.api.TypeInstrumentation;
import java.util.List;

/**
 * Spring's {@code WebClient} over Reactor Netty: hands the request's headers to {@link
 * ReactorNettyModule}'s decision, which would otherwise not see them (WebClient writes them only
 * with the request). A module of its own so that Reactor Netty without Spring is still meshed.
 */
public final class WebClientModule implements InstrumentationModule {

  private static final String PACKAGE = "dev.jmesh.instrumentation.reactornetty.v1_0.";

  @Override
  public String name() {
    return "spring-webclient-6.0";
  }

  @Override
  public List<String> knownTargetNames() {
    return List.of(
        "org.springframework.web.reactive.function.client.ExchangeFunctions$DefaultExchangeFunction");
  }

  @Override
  public List<TypeInstrumentation> typeInstrumentations() {
    return List.of(new ExchangeFunctionInstrumentation());
  }

  @Override
  public List<String> helperClassNames() {
    // The same classes as ReactorNettyModule's: whichever module links first defines them.
    return List.of(PACKAGE + "PendingHeaders");
  }
}
