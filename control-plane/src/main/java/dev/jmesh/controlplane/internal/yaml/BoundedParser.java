package dev.jmesh.controlplane.internal.yaml;

import org.snakeyaml.engine.v2.events.Event;
import org.snakeyaml.engine.v2.parser.Parser;

/**
 * Counts the events the composer takes and refuses a stream nested deeper than {@link
 * YamlLimits#MAX_DEPTH} or holding more than {@link YamlLimits#MAX_VALUES} values, before the
 * composer builds them: its recursion would end in a stack overflow at a few thousand levels, and
 * its nodes are what fills the heap.
 */
final class BoundedParser implements Parser {

  /** A limit was crossed at {@code line}; {@link YamlDocuments} turns it into a syntax error. */
  static final class LimitExceeded extends RuntimeException {
    private static final long serialVersionUID = 1L;
    final int line;

    LimitExceeded(int line, String message) {
      super(message, null, false, false);
      this.line = line;
    }
  }

  private final Parser parser;
  private int depth;
  private int values;

  BoundedParser(Parser parser) {
    this.parser = parser;
  }

  @Override
  public boolean checkEvent(Event.ID choice) {
    return parser.checkEvent(choice);
  }

  @Override
  public Event peekEvent() {
    return parser.peekEvent();
  }

  @Override
  public boolean hasNext() {
    return parser.hasNext();
  }

  @Override
  public Event next() {
    Event event = parser.next();
    switch (event.getEventId()) {
      case MappingStart:
      case SequenceStart:
        if (++depth > YamlLimits.MAX_DEPTH) {
          throw new LimitExceeded(
              line(event), "maps and lists are nested more than " + YamlLimits.MAX_DEPTH + " deep");
        }
        counted(event);
        break;
      case MappingEnd:
      case SequenceEnd:
        depth--;
        break;
      case Scalar:
      case Alias:
        counted(event);
        break;
      default:
        break;
    }
    return event;
  }

  private void counted(Event event) {
    if (++values > YamlLimits.MAX_VALUES) {
      throw new LimitExceeded(line(event), tooManyValues());
    }
  }

  static String tooManyValues() {
    return "the file holds more than "
        + YamlLimits.MAX_VALUES
        + " values (counting what aliases expand to); split it into several files";
  }

  static int line(Event event) {
    return event.getStartMark().map(m -> m.getLine() + 1).orElse(1);
  }
}
