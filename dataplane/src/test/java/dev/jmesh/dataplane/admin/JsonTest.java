package dev.jmesh.dataplane.admin;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JsonTest {

  @Test
  void scalars() {
    assertThat(Json.write(null)).isEqualTo("null\n");
    assertThat(Json.write(42)).isEqualTo("42\n");
    assertThat(Json.write(1.5)).isEqualTo("1.5\n");
    assertThat(Json.write(true)).isEqualTo("true\n");
    assertThat(Json.write("reviews")).isEqualTo("\"reviews\"\n");
  }

  @Test
  void otherObjectsAreWrittenAsTheirString() {
    assertThat(Json.write(java.util.Optional.of("x"))).isEqualTo("\"Optional[x]\"\n");
  }

  @Test
  void escapesStrings() {
    assertThat(Json.write("a\"b\\c\nd\re\tf\u0001g\u001fh/é"))
        .isEqualTo("\"a\\\"b\\\\c\\nd\\re\\tf\\u0001g\\u001fh/é\"\n");
  }

  @Test
  void escapesMapKeys() {
    assertThat(Json.write(Map.of("k\"1", 1))).isEqualTo("{\n  \"k\\\"1\": 1\n}\n");
  }

  @Test
  void emptyContainers() {
    assertThat(Json.write(Map.of())).isEqualTo("{}\n");
    assertThat(Json.write(List.of())).isEqualTo("[]\n");
  }

  @Test
  void nestedMapsAreIndentedAndListsInline() {
    Map<String, Object> inner = new LinkedHashMap<>();
    inner.put("ports", List.of(80, 443));
    inner.put("labels", Map.of("version", "v2"));
    Map<String, Object> outer = new LinkedHashMap<>();
    outer.put("service", "reviews");
    outer.put("settings", inner);
    outer.put("token", null);
    assertThat(Json.write(outer))
        .isEqualTo(
            "{\n"
                + "  \"service\": \"reviews\",\n"
                + "  \"settings\": {\n"
                + "    \"ports\": [80, 443],\n"
                + "    \"labels\": {\n"
                + "      \"version\": \"v2\"\n"
                + "    }\n"
                + "  },\n"
                + "  \"token\": null\n"
                + "}\n");
  }

  @Test
  void mapsInsideLists() {
    assertThat(Json.write(List.of(Map.of("a", 1), "b")))
        .isEqualTo("[{\n    \"a\": 1\n  }, \"b\"]\n");
  }
}
