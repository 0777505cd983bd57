package dev.jmesh.controlplane.internal.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Holds docs/configuration.md to the parsers, so the field tables cannot drift from the code.
 *
 * <p>The parsers read a field by name ({@code node.get("timeout")}, {@code path("port", "number")},
 * a {@code *_FIELDS} set of accepted names); an Istio field no parser names is never read. So the
 * names a parser source mentions are the fields it accepts or refuses, and each must appear in the
 * doc's table of a kind that parser reads; each field the doc calls supported, partly supported or
 * refused must be one of those names; and a field the doc calls ignored must not be. A new field in
 * a parser, or a doc row for a field nobody reads, fails here.
 */
class ConfigurationDocTest {

  private static final String SRC = "src/main/java/dev/jmesh/controlplane/internal/config/";

  /** Which parser reads which kinds; {@code Fields} holds the readers they share. */
  private static final Map<String, List<String>> PARSER_KINDS = new LinkedHashMap<>();

  static {
    PARSER_KINDS.put("VirtualServiceParser", List.of("VirtualService"));
    PARSER_KINDS.put(
        "NetworkingParser", List.of("ServiceEntry", "WorkloadEntry", "DestinationRule", "Sidecar"));
    PARSER_KINDS.put("SecurityParser", List.of("PeerAuthentication", "AuthorizationPolicy"));
    PARSER_KINDS.put("TelemetryParser", List.of("RequestAuthentication", "Telemetry"));
    PARSER_KINDS.put("KubernetesParser", List.of("Service", "EndpointSlice"));
    PARSER_KINDS.put("EnvoyFilterParser", List.of("EnvoyFilter"));
    PARSER_KINDS.put("MeshConfigParser", List.of("MeshConfig"));
  }

  private static final Set<String> STATUSES = Set.of("supported", "partly", "refused", "ignored");

  private static final Pattern KEY_CALL =
      Pattern.compile("\\.(?:get|path)\\(((?:\"[^\"]*\"\\s*,?\\s*)+)\\)");
  private static final Pattern LABELS_CALL = Pattern.compile("labels\\([^;]*?,\\s*\"([^\"]+)\"");
  private static final Pattern FIELD_SET =
      Pattern.compile("[A-Z_]+_FIELDS\\s*=\\s*Set\\.of\\(([^;]*)\\);", Pattern.DOTALL);
  private static final Pattern CASE_LABEL = Pattern.compile("case \"([^\"]+)\":");
  private static final Pattern LITERAL = Pattern.compile("\"([^\"]*)\"");
  private static final Pattern CODE = Pattern.compile("`([^`]+)`");
  private static final Pattern SEGMENT = Pattern.compile("\"([^\"]*)\"|<[^>]*>|[^.\"<]+");

  record Row(String kind, List<String> fields, String status, int line) {}

  @Test
  void everyFieldAParserReadsIsInTheTableOfAKindItReads() throws IOException {
    Map<String, List<Row>> doc = rowsByKind();
    Set<String> shared = keys("Fields");
    List<String> missing = new ArrayList<>();
    for (Map.Entry<String, List<String>> parser : PARSER_KINDS.entrySet()) {
      Set<String> documented = new TreeSet<>();
      for (String kind : parser.getValue()) {
        doc.getOrDefault(kind, List.of())
            .forEach(r -> r.fields().forEach(f -> documented.addAll(segments(f))));
      }
      for (String key : keys(parser.getKey())) {
        if (!documented.contains(key)) {
          missing.add(
              parser.getKey()
                  + " reads '"
                  + key
                  + "', which no row of "
                  + parser.getValue()
                  + " in docs/configuration.md names");
        }
      }
    }
    Set<String> anywhere = new TreeSet<>();
    doc.values()
        .forEach(rows -> rows.forEach(r -> r.fields().forEach(f -> anywhere.addAll(segments(f)))));
    for (String key : shared) {
      if (!anywhere.contains(key)) {
        missing.add("Fields reads '" + key + "', which no row of docs/configuration.md names");
      }
    }
    assertThat(missing).as("add each to the kind's table in docs/configuration.md").isEmpty();
  }

  @Test
  void everyFieldTheDocSaysIsReadIsReadAndEveryIgnoredOneIsNot() throws IOException {
    Set<String> shared = keys("Fields");
    List<String> wrong = new ArrayList<>();
    for (Map.Entry<String, List<Row>> kind : rowsByKind().entrySet()) {
      Set<String> read = new TreeSet<>(shared);
      read.addAll(keys(parserOf(kind.getKey())));
      for (Row row : kind.getValue()) {
        for (String field : row.fields()) {
          List<String> segments = segments(field);
          if (row.status().equals("ignored")) {
            String leaf = segments.get(segments.size() - 1);
            if (read.contains(leaf)) {
              wrong.add(
                  "configuration.md:"
                      + row.line()
                      + ": "
                      + kind.getKey()
                      + " "
                      + field
                      + " is marked ignored, but "
                      + parserOf(kind.getKey())
                      + " reads '"
                      + leaf
                      + "'");
            }
          } else {
            for (String segment : segments) {
              if (!read.contains(segment)) {
                wrong.add(
                    "configuration.md:"
                        + row.line()
                        + ": "
                        + kind.getKey()
                        + " "
                        + field
                        + " is marked "
                        + row.status()
                        + ", but "
                        + parserOf(kind.getKey())
                        + " never reads '"
                        + segment
                        + "'");
              }
            }
          }
        }
      }
    }
    assertThat(wrong).isEmpty();
  }

  @Test
  void everyKindTheControlPlaneReadsOrSkipsHasASection() throws IOException {
    Map<String, List<Row>> doc = rowsByKind();
    Set<String> kinds = new TreeSet<>();
    PARSER_KINDS.values().forEach(kinds::addAll);
    for (String kind : kinds) {
      assertThat(doc.get(kind)).as("a '## %s' section with a field table", kind).isNotEmpty();
    }
    String source = Files.readString(Path.of(SRC + "ResourceParser.java"));
    Matcher later =
        Pattern.compile("LATER_KINDS\\s*=\\s*Set\\.of\\(([^;]*)\\);", Pattern.DOTALL)
            .matcher(source);
    assertThat(later.find()).isTrue();
    String text = Files.readString(configurationMd());
    Matcher kind = LITERAL.matcher(later.group(1));
    while (kind.find()) {
      assertThat(text)
          .as("the ignored kind %s is named", kind.group(1))
          .contains("`" + kind.group(1) + "`");
    }
  }

  private static String parserOf(String kind) {
    return PARSER_KINDS.entrySet().stream()
        .filter(e -> e.getValue().contains(kind))
        .map(Map.Entry::getKey)
        .findFirst()
        .orElseThrow();
  }

  /** The field names one parser source mentions. */
  static Set<String> keys(String parser) throws IOException {
    String source = Files.readString(Path.of(SRC + parser + ".java"));
    Set<String> out = new TreeSet<>();
    Matcher call = KEY_CALL.matcher(source);
    while (call.find()) {
      Matcher literal = LITERAL.matcher(call.group(1));
      while (literal.find()) {
        out.add(literal.group(1));
      }
    }
    Matcher labels = LABELS_CALL.matcher(source);
    while (labels.find()) {
      out.add(labels.group(1));
    }
    Matcher set = FIELD_SET.matcher(source);
    while (set.find()) {
      Matcher literal = LITERAL.matcher(set.group(1));
      while (literal.find()) {
        out.add(literal.group(1));
      }
    }
    if (parser.equals("Fields")) {
      Matcher label = CASE_LABEL.matcher(source);
      while (label.find()) {
        out.add(label.group(1));
      }
    }
    return out;
  }

  /**
   * A field path's names: {@code http[].match[].headers.<name>.exact} gives http, match, headers,
   * exact; a {@code <placeholder>} stands for a map key the user chooses and is skipped; a quoted
   * {@code "kubernetes.io/service-name"} is one name with dots in it.
   */
  static List<String> segments(String field) {
    List<String> out = new ArrayList<>();
    Matcher segment = SEGMENT.matcher(field.replace("[]", ""));
    while (segment.find()) {
      if (segment.group(1) != null) {
        out.add(segment.group(1));
      } else if (!segment.group().startsWith("<")) {
        out.add(segment.group());
      }
    }
    return out;
  }

  /** Rows of the field tables under each {@code ## Kind} heading of docs/configuration.md. */
  static Map<String, List<Row>> rowsByKind() throws IOException {
    List<String> lines = Files.readAllLines(configurationMd());
    Map<String, List<Row>> out = new LinkedHashMap<>();
    String kind = null;
    for (int i = 0; i < lines.size(); i++) {
      String line = lines.get(i);
      if (line.startsWith("## ")) {
        String first = line.substring(3).trim().split("[ (]")[0].replace("`", "");
        kind = parserKinds().contains(first) ? first : null;
        continue;
      }
      if (kind == null || !line.startsWith("| `")) {
        continue;
      }
      String[] cells = line.split("\\|");
      String status = cells[2].trim();
      assertThat(STATUSES)
          .as("configuration.md:%d: status '%s' (the second column)", i + 1, status)
          .contains(status);
      List<String> fields = new ArrayList<>();
      Matcher code = CODE.matcher(cells[1]);
      while (code.find()) {
        fields.add(code.group(1));
      }
      out.computeIfAbsent(kind, k -> new ArrayList<>()).add(new Row(kind, fields, status, i + 1));
    }
    return out;
  }

  private static Set<String> parserKinds() {
    Set<String> kinds = new LinkedHashSet<>();
    PARSER_KINDS.values().forEach(kinds::addAll);
    return kinds;
  }

  private static Path configurationMd() {
    Path dir = Path.of("").toAbsolutePath();
    while (dir != null && !Files.exists(dir.resolve("docs/configuration.md"))) {
      dir = dir.getParent();
    }
    assertThat(dir).as("docs/configuration.md above the working directory").isNotNull();
    return dir.resolve("docs/configuration.md");
  }
}
