package org.asyncparallel.internal.codec;

import java.io.ObjectInputFilter;
import java.lang.invoke.SerializedLambda;
import java.security.CodeSource;
import java.util.Objects;

/**
 * The runtime's class filter ({@code Config.deserializationFilter}): an {@link ObjectInputFilter}
 * pattern that {@link Codec} applies to every value it decodes, in every process of the runtime.
 *
 * <p>Whatever the pattern says about classes, a few are always allowed, because the library
 * cannot work without them: its own serializable classes (the serialized forms of channels and
 * hubs, the {@code Where} records), {@link SerializedLambda} (the serialized form of every task and
 * body) and {@code Object[]} (the array of a lambda's captured arguments: each argument is still
 * checked). The pattern's limits ({@code maxdepth}, {@code maxrefs}, {@code maxbytes},
 * {@code maxarray}) apply to those too. A JVM-wide filter ({@code jdk.serialFilter}) still
 * applies: either one rejecting rejects.
 *
 * <p>Thread-safe: the compiled pattern is immutable; {@link #forOneStream()} makes the small
 * per-stream object that remembers what was rejected, for the error message.
 */
final class DeserializationFilter {
  private static final CodeSource LIBRARY = codeSourceOf(Codec.class);

  private final String pattern;
  private final ObjectInputFilter patternFilter;

  private DeserializationFilter(String pattern, ObjectInputFilter patternFilter) {
    this.pattern = pattern;
    this.patternFilter = patternFilter;
  }

  /**
   * The filter for a pattern, or null for the empty pattern (no filter).
   *
   * @throws IllegalArgumentException if the pattern does not compile
   */
  static DeserializationFilter of(String pattern) {
    if (pattern == null || pattern.isEmpty()) {
      return null;
    }
    ObjectInputFilter compiled = ObjectInputFilter.Config.createFilter(pattern);
    if (compiled == null) {
      throw new IllegalArgumentException("the deserialization filter \"" + pattern + "\" has no rule");
    }
    return new DeserializationFilter(pattern, compiled);
  }

  String pattern() {
    return pattern;
  }

  /** A filter for one stream; after a rejection, {@link OneStream#rejected()} says what it was. */
  OneStream forOneStream() {
    return forOneStream(0);
  }

  /**
   * A filter for one stream whose top object lies {@code depthOffset} levels below the top of the
   * value it belongs to (a lambda's captured argument: 2), so that {@code maxdepth} counts from there.
   */
  OneStream forOneStream(int depthOffset) {
    ObjectInputFilter jvmWide = ObjectInputFilter.Config.getSerialFilter();
    ObjectInputFilter ours = this::check;
    return new OneStream(jvmWide == null ? ours : ObjectInputFilter.merge(ours, jvmWide), depthOffset);
  }

  /**
   * What the filter refuses in a value that travelled in the short encoding ({@link SmallValues}),
   * as Java serialization would have shown it to the filter: a boxed number or boolean as an
   * object of its class, a {@code byte[]} as an array of its length; a string or null not at all.
   * Null if it passes.
   */
  String refusal(Object value, long bytes) {
    return refusal(value, bytes, 0);
  }

  /** As {@link #refusal(Object, long)}, for a value {@code depthOffset} levels below the top. */
  String refusal(Object value, long bytes, int depthOffset) {
    if (value == null || value instanceof String) {
      return null;
    }
    long length = value instanceof byte[] array ? array.length : -1;
    return refusal(value.getClass(), length, 1 + depthOffset, bytes);
  }

  /**
   * What the filter refuses about a class that a value of {@code bytes} bytes names (a lambda's
   * capturing class, as Java serialization shows it to the filter), or null if it passes.
   */
  String refusal(Class<?> type, long arrayLength, long depth, long bytes) {
    OneStream one = forOneStream();
    one.checkInput(new Single(type, arrayLength, depth, bytes));
    return one.rejected();
  }

  private ObjectInputFilter.Status check(ObjectInputFilter.FilterInfo info) {
    Class<?> type = info.serialClass();
    if (type != null && alwaysAllowed(type)) {
      // the class is the library's: only the pattern's limits can reject it
      return patternFilter.checkInput(new LimitsOnly(info)) == ObjectInputFilter.Status.REJECTED
          ? ObjectInputFilter.Status.REJECTED : ObjectInputFilter.Status.ALLOWED;
    }
    return patternFilter.checkInput(info);
  }

  static boolean alwaysAllowed(Class<?> type) {
    if (type == Object[].class || type == SerializedLambda.class) {
      return true;
    }
    Class<?> element = type;
    while (element.isArray()) {
      element = element.getComponentType();
    }
    return element.getName().startsWith("org.asyncparallel.")
        && element.getClassLoader() == Codec.class.getClassLoader()
        && LIBRARY != null && LIBRARY.equals(codeSourceOf(element));
  }

  private static CodeSource codeSourceOf(Class<?> type) {
    var domain = type.getProtectionDomain();
    return domain == null ? null : domain.getCodeSource();
  }

  /** The filter of one stream: remembers the first thing it rejected. Not thread-safe. */
  static final class OneStream implements ObjectInputFilter {
    private final ObjectInputFilter filter;
    private final int depthOffset;
    private String rejected;

    private OneStream(ObjectInputFilter filter, int depthOffset) {
      this.filter = filter;
      this.depthOffset = depthOffset;
    }

    @Override
    public Status checkInput(FilterInfo info) {
      FilterInfo seen = depthOffset == 0 ? info : new Deeper(info, depthOffset);
      Status status = filter.checkInput(seen);
      if (status == Status.REJECTED && rejected == null) {
        rejected = describe(seen);
      }
      return status;
    }

    /** What was rejected ("class com.acme.Evil", ...), or null if nothing was. */
    String rejected() {
      return rejected;
    }

    private static String describe(FilterInfo info) {
      Class<?> type = info.serialClass();
      if (type == null) {
        return "a value past a limit (depth " + info.depth() + ", " + info.references() + " references, "
            + info.streamBytes() + " bytes)";
      }
      return type.isArray() ? "an array " + type.getTypeName() + " of length " + info.arrayLength()
          : "class " + type.getName();
    }
  }

  /** One object at this depth of its value. */
  private record Single(Class<?> serialClass, long arrayLength, long depth, long streamBytes)
      implements ObjectInputFilter.FilterInfo {
    @Override
    public long references() {
      return 1;
    }
  }

  /** What a stream shows, {@code offset} levels deeper (a stream of a lambda's captured argument). */
  private record Deeper(ObjectInputFilter.FilterInfo info, int offset) implements ObjectInputFilter.FilterInfo {
    @Override
    public Class<?> serialClass() {
      return info.serialClass();
    }

    @Override
    public long arrayLength() {
      return info.arrayLength();
    }

    @Override
    public long depth() {
      return info.depth() + offset;
    }

    @Override
    public long references() {
      return info.references();
    }

    @Override
    public long streamBytes() {
      return info.streamBytes();
    }
  }

  /**
   * The same information without the class, so that the pattern judges the limits only: an array
   * passes as an array of a primitive type, whose length the pattern checks ({@code maxarray})
   * and whose element type no pattern names.
   */
  private record LimitsOnly(ObjectInputFilter.FilterInfo info) implements ObjectInputFilter.FilterInfo {
    LimitsOnly {
      Objects.requireNonNull(info);
    }

    @Override
    public Class<?> serialClass() {
      Class<?> type = info.serialClass();
      return type != null && type.isArray() ? byte[].class : null;
    }

    @Override
    public long arrayLength() {
      return info.arrayLength();
    }

    @Override
    public long depth() {
      return info.depth();
    }

    @Override
    public long references() {
      return info.references();
    }

    @Override
    public long streamBytes() {
      return info.streamBytes();
    }
  }
}
