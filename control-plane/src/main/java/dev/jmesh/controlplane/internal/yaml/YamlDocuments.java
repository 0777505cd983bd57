package dev.jmesh.controlplane.internal.yaml;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Set;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.composer.Composer;
import org.snakeyaml.engine.v2.exceptions.MarkedYamlEngineException;
import org.snakeyaml.engine.v2.exceptions.ReaderException;
import org.snakeyaml.engine.v2.exceptions.YamlEngineException;
import org.snakeyaml.engine.v2.nodes.MappingNode;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.NodeTuple;
import org.snakeyaml.engine.v2.nodes.ScalarNode;
import org.snakeyaml.engine.v2.nodes.SequenceNode;
import org.snakeyaml.engine.v2.nodes.Tag;
import org.snakeyaml.engine.v2.parser.ParserImpl;
import org.snakeyaml.engine.v2.scanner.StreamReader;
import org.snakeyaml.engine.v2.schema.CoreSchema;

/**
 * Reads a multi-document YAML stream ({@code ---} separated) into {@link YamlNode} trees that keep
 * line numbers. Scalars are kept as text; typing happens when a field is read, so that the error
 * can say which field was wrong.
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

  /** Tags plain YAML resolves to; any other is refused, never constructed. */
  private static final Set<Tag> PLAIN_TAGS =
      Set.of(Tag.STR, Tag.INT, Tag.FLOAT, Tag.BOOL, Tag.NULL, Tag.SEQ, Tag.MAP);

  /**
   * Parses every document of {@code text}; empty documents are skipped. Text over {@link
   * YamlLimits} is refused with the line where the limit was crossed.
   */
  public static List<YamlNode> parse(String text) throws SyntaxException {
    LoadSettings settings =
        LoadSettings.builder()
            .setSchema(new CoreSchema())
            .setMaxAliasesForCollections(YamlLimits.MAX_COLLECTION_ALIASES)
            .setCodePointLimit(YamlLimits.MAX_FILE_BYTES)
            .setAllowRecursiveKeys(false)
            .build();
    List<YamlNode> documents = new ArrayList<>();
    Converter converter = new Converter();
    try {
      Composer composer =
          new Composer(
              settings,
              new BoundedParser(new ParserImpl(settings, new StreamReader(settings, text))));
      while (composer.hasNext()) {
        Node node = composer.next();
        if (node == null) {
          continue;
        }
        YamlNode converted = converter.convert(node, 0);
        if (converted.isPresent()) {
          documents.add(converted);
        }
      }
    } catch (BoundedParser.LimitExceeded e) {
      throw new SyntaxException(e.line, e.getMessage());
    } catch (MarkedYamlEngineException e) {
      int line = e.getProblemMark().map(m -> m.getLine() + 1).orElse(1);
      throw new SyntaxException(line, firstLine(e.getProblem()));
    } catch (ReaderException e) {
      // A character YAML does not allow (a control character, a lone surrogate): the reader
      // knows only its position in the text.
      throw new SyntaxException(
          lineAt(text, e.getPosition()),
          "character 0x" + Integer.toHexString(e.getCodePoint()) + " is not allowed in YAML");
    } catch (YamlEngineException e) {
      throw new SyntaxException(1, firstLine(e.getMessage()));
    } catch (RuntimeException | StackOverflowError e) {
      // The limits above should leave nothing here; if the YAML library still fails on some
      // input, the file is refused like any other bad file instead of failing the whole reload.
      throw new SyntaxException(1, "the YAML reader failed on this file (" + e + ")");
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

  private static int lineAt(String text, int codePoints) {
    int end;
    try {
      end = text.offsetByCodePoints(0, Math.min(codePoints, text.codePointCount(0, text.length())));
    } catch (IndexOutOfBoundsException e) {
      end = text.length();
    }
    int line = 1;
    for (int i = 0; i < end; i++) {
      if (text.charAt(i) == '\n') {
        line++;
      }
    }
    return line;
  }

  private static int line(Node node) {
    return node.getStartMark().map(m -> m.getLine() + 1).orElse(1);
  }

  /** Turns composed nodes into {@link YamlNode}s, counting what aliases expand to. */
  private static final class Converter {
    private int values;

    YamlNode convert(Node node, int depth) throws SyntaxException {
      int line = line(node);
      if (depth > YamlLimits.MAX_DEPTH) {
        // Only an alias can get here (the parser bounds the text's own nesting): one that
        // refers to the collection it is in.
        throw new SyntaxException(
            line, "document is nested too deeply (an alias refers to itself?)");
      }
      if (++values > YamlLimits.MAX_VALUES) {
        throw new SyntaxException(line, BoundedParser.tooManyValues());
      }
      Tag tag = node.getTag();
      if (!PLAIN_TAGS.contains(tag)) {
        String name = tag.getValue();
        if (name.startsWith(Tag.PREFIX)) {
          name = "!!" + name.substring(Tag.PREFIX.length());
        }
        throw new SyntaxException(
            line,
            "tag "
                + name
                + " is not allowed: config is plain YAML (text, numbers, true/false, lists, maps);"
                + " remove the tag");
      }
      if (node instanceof ScalarNode) {
        ScalarNode scalar = (ScalarNode) node;
        if (Tag.NULL.equals(tag)) {
          return YamlNode.nullNode(line);
        }
        if (scalar.getValue().length() > YamlLimits.MAX_SCALAR_CHARS) {
          throw new SyntaxException(
              line,
              "a value of "
                  + scalar.getValue().length()
                  + " characters is over the limit of "
                  + YamlLimits.MAX_SCALAR_CHARS);
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
            throw new SyntaxException(
                line(key), "key '" + name + "' appears twice in the same map");
          }
          entries.put(name, convert(tuple.getValueNode(), depth + 1));
        }
        return YamlNode.map(line, entries);
      }
      throw new SyntaxException(line, "unsupported YAML node");
    }
  }
}
