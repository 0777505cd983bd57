package dev.jmesh.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JsonReaderTest {

  @Test
  void readsTheControlPlanesShapesAndWritesThemBack() {
    String json =
        "[{\"proxyID\":\"sidecar~1.2.3.4~a-1.ns~ns.svc.cluster.local\",\"stream\":1,"
            + "\"ok\":true,\"none\":null,\"w\":0.5,\"e\":\"tab\\there \\u00e9\\\"q\\\"\","
            + "\"LDS\":{\"status\":\"SYNCED\",\"list\":[]}}]";
    Object parsed = JsonReader.parse(json);
    assertThat(parsed).isInstanceOf(List.class);
    @SuppressWarnings("unchecked")
    Map<String, Object> p = (Map<String, Object>) ((List<Object>) parsed).get(0);
    assertThat(p.get("stream")).isEqualTo(1L);
    assertThat(p.get("ok")).isEqualTo(true);
    assertThat(p).containsEntry("none", null);
    assertThat(p.get("w")).isEqualTo(0.5);
    assertThat(p.get("e")).isEqualTo("tab\there é\"q\"");
    assertThat(JsonReader.parse(Json.write(parsed))).isEqualTo(parsed);
  }

  @Test
  void badJsonSaysWhere() {
    assertThatThrownBy(() -> JsonReader.parse("{\"a\": 1,}"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("offset 8");
    assertThatThrownBy(() -> JsonReader.parse("[1] x")).hasMessageContaining("after");
  }

  @Test
  void yamlQuotesWhatYamlWouldReadAsSomethingElse() {
    Object parsed =
        JsonReader.parse(
            "{\"name\":\"outbound|80||r.default\",\"timeout\":\"10s\",\"b\":\"true\",\"e\":{},\"l\":[1]}");
    assertThat(YamlWriter.write(parsed))
        .isEqualTo(
            "name: outbound|80||r.default\ntimeout: \"10s\"\nb: \"true\"\ne: {}\nl:\n  - 1\n");
  }
}
