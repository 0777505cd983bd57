package dev.jmesh.dataplane.settings;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class SettingSourceTest {

  @ParameterizedTest
  @CsvSource({
    "service, MESH_SERVICE",
    "serviceAccount, MESH_SERVICE_ACCOUNT",
    "adminPort, MESH_ADMIN_PORT",
    "excludeOutboundIPRanges, MESH_EXCLUDE_OUTBOUND_IP_RANGES",
    "excludeMainClasses, MESH_EXCLUDE_MAIN_CLASSES",
    "startUnmeshedOnError, MESH_START_UNMESHED_ON_ERROR",
    "workloadAddress, MESH_WORKLOAD_ADDRESS",
  })
  void envName(String key, String env) {
    assertThat(SettingSource.envName(key)).isEqualTo(env);
  }

  @ParameterizedTest
  @CsvSource({
    "service, service",
    "controlPlane, control-plane",
    "tokenFile, token-file",
    "excludeOutboundIPRanges, exclude-outbound-ip-ranges",
  })
  void optionName(String key, String option) {
    assertThat(SettingSource.optionName(key)).isEqualTo(option);
  }

  @Test
  void commandLineOptionsWinOverVariablesAndAreNamedAsOptions() {
    SettingSource source =
        SettingSource.commandLine(
            Map.of("controlPlane", "a:15012"),
            Map.of("MESH_CONTROL_PLANE", "b:15012", "MESH_SERVICE", "ratings"));
    assertThat(source.get("controlPlane"))
        .isEqualTo(new SettingSource.Raw("a:15012", "--control-plane"));
    assertThat(source.get("service")).isEqualTo(new SettingSource.Raw("ratings", "MESH_SERVICE"));
  }

  @Test
  void everyKeyHasAnEnvironmentVariableAndOrigin() {
    for (String key : SettingsParser.KEYS) {
      String env = SettingSource.envName(key);
      SettingSource source = new SettingSource(Map.of(), Map.of(), Map.of(env, "v"));
      assertThat(source.get(key)).isEqualTo(new SettingSource.Raw("v", env));
    }
  }

  @Test
  void originsNameWhereTheValueCameFrom() {
    SettingSource all = new SettingSource(Map.of("service", "a"), Map.of("jmesh.service", "b"),
        Map.of("MESH_SERVICE", "c"));
    assertThat(all.get("service")).isEqualTo(new SettingSource.Raw("a", "-javaagent argument service"));
    SettingSource noArg = new SettingSource(Map.of(), Map.of("jmesh.service", "b"),
        Map.of("MESH_SERVICE", "c"));
    assertThat(noArg.get("service")).isEqualTo(new SettingSource.Raw("b", "-Djmesh.service"));
    assertThat(new SettingSource(Map.of(), Map.of(), Map.of()).get("service")).isNull();
  }
}
