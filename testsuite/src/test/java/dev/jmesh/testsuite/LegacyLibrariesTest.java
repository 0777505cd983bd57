package dev.jmesh.testsuite;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jmesh.testing.ForkedJvms;
import dev.jmesh.testing.Jdk;
import dev.jmesh.testing.MeshedJvm;
import java.util.EnumMap;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * An application with its own Netty 4.1, protobuf 3, grpc-java 1.68 and ByteBuddy 1.14 keeps
 * them: the agent's relocated copies never leak into its class loader.
 */
class LegacyLibrariesTest {

  @RegisterExtension static final ForkedJvms jvms = new ForkedJvms();

  private static final Map<Jdk, MeshedJvm> apps = new EnumMap<>(Jdk.class);

  @BeforeAll
  static void startApps() {
    for (Jdk jdk : Jdk.values()) {
      apps.put(
          jdk,
          jvms.start(
              MeshedJvm.java("legacy-libs-app-" + jdk.name().toLowerCase())
                  .jdk(jdk)
                  .testApp("legacy-libs-app")
                  .withAgent()));
    }
  }

  @ParameterizedTest
  @EnumSource(Jdk.class)
  void grpcOverItsOwnNettyWorksWithItsOwnVersions(Jdk jdk) {
    MeshedJvm app = apps.get(jdk);
    String result = app.awaitOutput("^RESULT .*", Timeouts.STARTUP.plus(Timeouts.WORK)).group();
    assertThat(result)
        .startsWith("RESULT ok health=SERVING")
        .contains(" netty=4.1.")
        .contains(" protobuf=3.")
        .contains(" grpc=1.68.")
        .contains(" bytebuddy=1.14.")
        .contains(" generated=bytebuddy-generated")
        .contains(" nettyFrom=legacy-libs-app.jar")
        .contains(" protobufFrom=legacy-libs-app.jar");
  }

  @ParameterizedTest
  @EnumSource(Jdk.class)
  void theAgentIsReady(Jdk jdk) {
    apps.get(jdk).awaitReady(Timeouts.STARTUP);
  }
}
