package dev.jmesh.controlplane.internal.yaml;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class YamlDocumentsTest {

  @Test
  void keepsLineNumbersAcrossDocuments() throws Exception {
    List<YamlNode> docs = YamlDocuments.parse("a: 1\n---\n\nkind: X\nspec:\n  hosts:\n  - reviews\n");
    assertThat(docs).hasSize(2);
    assertThat(docs.get(0).get("a").line()).isEqualTo(1);
    assertThat(docs.get(1).get("kind").text("kind")).isEqualTo("X");
    assertThat(docs.get(1).path("spec", "hosts").items("hosts").get(0).line()).isEqualTo(7);
  }

  @Test
  void skipsEmptyDocuments() throws Exception {
    assertThat(YamlDocuments.parse("---\n---\na: b\n---\n")).hasSize(1);
  }

  @Test
  void reportsSyntaxErrorsWithLine() {
    assertThatThrownBy(() -> YamlDocuments.parse("a: b\nc: [unclosed\nd: e\n"))
        .isInstanceOf(YamlDocuments.SyntaxException.class)
        .satisfies(e -> assertThat(((YamlDocuments.SyntaxException) e).line()).isGreaterThan(1));
  }

  @Test
  void rejectsDuplicateKeys() {
    assertThatThrownBy(() -> YamlDocuments.parse("a: 1\na: 2\n"))
        .isInstanceOf(YamlDocuments.SyntaxException.class);
  }

  @Test
  void typeErrorsNameTheLine() throws Exception {
    YamlNode doc = YamlDocuments.parse("x:\n  y: [1]\n").get(0);
    assertThatThrownBy(() -> doc.path("x", "y").text("x.y"))
        .isInstanceOf(YamlTypeException.class)
        .hasMessageContaining("x.y: expected a value")
        .satisfies(e -> assertThat(((YamlTypeException) e).line()).isEqualTo(2));
  }

  @Test
  void nullAndMissingAreAlike() throws Exception {
    YamlNode doc = YamlDocuments.parse("a: ~\nb: null\n").get(0);
    assertThat(doc.get("a").isMissing()).isTrue();
    assertThat(doc.get("b").isMissing()).isTrue();
    assertThat(doc.get("c").isMissing()).isTrue();
    assertThat(doc.get("c").items("c")).isEmpty();
  }
}
