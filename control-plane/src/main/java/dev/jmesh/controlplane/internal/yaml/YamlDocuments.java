package dev.jmesh.controlplane.internal.yaml;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.api.lowlevel.Compose;
import org.snakeyaml.engine.v2.exceptions.MarkedYamlEngineException;
import org.snakeyaml.engine.v2.exceptions.YamlEngineException;
import org.snakeyaml.engine.v2.nodes.MappingNode;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.NodeTuple;
import org.snakeyaml.engine.v2.nodes.ScalarNode;
import org.snakeyaml.engine.v2.nodes.SequenceNode;
import org.snakeyaml.engine.v2.nodes.Tag;
import org.snakeyaml.engine.v2.schema.CoreSchema;

/**
 * Reads a multi-document YAML stream ({@code ---} separated) into {@link YamlNode} trees that
 * keep line numbers. Scalars are kept as text; typing happens when a field is read, so that the
 * error can say which field was wrong.
 */
public final class YamlDocuments {
  private YamlDocuments() {}

  /** Thrown when the text is not YAML at all. */
  public static final class SyntaxException extends Exception {
    private static final long serialVersionUID = 1L;
    private final int line;

    SyntaxException(int line, String message) {
      super(message);
      this.line = line;
    }

    public int line() {
      return line;
    }
  }

  /** Parses every document of {@code text}; empty documents are skipped. */
  public static List<YamlNode> parse(String text) throws SyntaxException {
    LoadSettings settings =
        LoadSettings.builder()
            .setSchema(new CoreSchema())
            .setMaxAliasesForCollections(50)
            .setCodePointLimit(16 * 1024 * 1024)
            .build();
    List<YamlNode> documents = new ArrayList<>();
    try {
      for (Node node : new Compose(settings).composeAllFromString(text)) {
        if (node == null) {
          continue;
        }
        YamlNode converted = convert(node, 0);
        if (converted.isPresent()) {
          documents.add(converted);
        }
      }
    } catch (MarkedYamlEngineException e) {
      int line = e.getProblemMark().map(m -> m.getLine() + 1).orElse(1);
      throw new SyntaxException(line, firstLine(e.getProblem()));
    } catch (YamlEngineException e) {
      throw new SyntaxException(1, firstLine(e.getMessage()));
    }
    return documents;
  }

  private static String firstLine(String message) {
    if (message == null) {
      return "not valid YAML";
    }
    int nl = message.indexOf('\n');
    return nl < 0 ? message : message.substring(0, nl);
  }

  private static YamlNode convert(Node node, int depth) throws SyntaxException {
    int line = node.getStartMark().map(m -> m.getLine() + 1).orElse(1);
    if (depth > 64) {
      throw new SyntaxException(line, "document is nested too deeply");
    }
    if (node instanceof ScalarNode) {
      ScalarNode scalar = (ScalarNode) node;
      if (Tag.NULL.equals(scalar.getTag())) {
        return YamlNode.nullNode(line);
      }
      return YamlNode.scalar(line, scalar.getValue());
    }
    if (node instanceof SequenceNode) {
      List<YamlNode> items = new ArrayList<>();
      for (Node item : ((SequenceNode) node).getValue()) {
        items.add(convert(item, depth + 1));
      }
      return YamlNode.list(line, items);
    }
    if (node instanceof MappingNode) {
      LinkedHashMap<String, YamlNode> entries = new LinkedHashMap<>();
      for (NodeTuple tuple : ((MappingNode) node).getValue()) {
        Node key = tuple.getKeyNode();
        if (!(key instanceof ScalarNode)) {
          throw new SyntaxException(line, "map keys must be plain values");
        }
        String name = ((ScalarNode) key).getValue();
        if (entries.containsKey(name)) {
          int keyLine = key.getStartMark().map(m -> m.getLine() + 1).orElse(line);
          throw new SyntaxException(keyLine, "key '" + name + "' appears twice in the same map");
        }
        entries.put(name, convert(tuple.getValueNode(), depth + 1));
      }
      return YamlNode.map(line, entries);
    }
    throw new SyntaxException(line, "unsupported YAML node");
  }
}
