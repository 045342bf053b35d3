package org.asyncparallel.internal.codec;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.NotSerializableException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.ObjectStreamClass;
import org.asyncparallel.ParallelException;

/**
 * Java serialization of user values: tasks, bodies, results and channel messages, with short
 * encodings for the commonest values ({@link SmallValues}) and for serializable lambdas
 * ({@link LambdaValues}). This is the only class of the library that deserializes, and it is only
 * ever handed bytes that arrived on an authenticated connection.
 *
 * <p>Classes are resolved in the class loader given at {@code init} (the context class loader of
 * the thread that called it), so values of the application's own classes decode on any thread.
 */
public final class Codec {
  private static volatile ClassLoader loader = ClassLoader.getSystemClassLoader();
  private static volatile DeserializationFilter filter; // null: none (Config.deserializationFilter)

  private Codec() {}

  /** Sets the loader that resolves classes while decoding. */
  public static void useClassLoader(ClassLoader classLoader) {
    loader = classLoader == null ? ClassLoader.getSystemClassLoader() : classLoader;
  }

  /**
   * Sets the runtime's deserialization filter (see {@link DeserializationFilter}); the empty
   * pattern removes it. Called once at the start of each process of the runtime.
   *
   * @throws IllegalArgumentException if the pattern does not compile
   */
  public static void useFilter(String pattern) {
    filter = DeserializationFilter.of(pattern);
  }

  /**
   * Serializes a value.
   *
   * @param what what the value is, for the error message ("the task", "a message")
   * @throws ParallelException naming the class that is not serializable, with the
   *     {@link NotSerializableException} as its cause
   */
  public static byte[] encode(Object value, String what) {
    byte[] small = SmallValues.encode(value);
    if (small != null) {
      return small;
    }
    byte[] lambda = LambdaValues.encode(value, what);
    if (lambda != null) {
      return lambda;
    }
    var bytes = new ByteArrayOutputStream(256);
    try (var out = new ObjectOutputStream(bytes)) {
      out.writeObject(value);
    } catch (NotSerializableException e) {
      throw new ParallelException(what + " cannot be serialized: it refers to an instance of "
          + e.getMessage() + ", which is not Serializable" + LambdaCaptures.describe(value), e);
    } catch (IOException | RuntimeException e) {
      throw new ParallelException(what + " cannot be serialized: " + e, e);
    }
    return bytes.toByteArray();
  }

  /**
   * Serializes a value that must fit in one frame of at most {@code maxFrameBytes}.
   *
   * @throws ParallelException if it cannot be serialized, or is too large (naming the limit)
   */
  public static byte[] encode(Object value, String what, int maxFrameBytes) {
    byte[] bytes = encode(value, what);
    checkFits(bytes.length, what, maxFrameBytes);
    return bytes;
  }

  /**
   * Checks that {@code length} bytes of a value fit in one frame of at most {@code maxFrameBytes}.
   *
   * @throws ParallelException if they do not, naming the limit
   */
  public static void checkFits(int length, String what, int maxFrameBytes) {
    // the largest body: a frame's type byte, and a message header of at most 64 bytes
    int limit = maxFrameBytes - 65;
    if (length > limit) {
      throw new ParallelException(what + " is " + length + " bytes serialized, more than the "
          + limit + " that fit in one message (Config.maxMessageBytes = " + maxFrameBytes + ")");
    }
  }

  /**
   * Deserializes a value made by {@link #encode}.
   *
   * @param what what the value is, for the error message
   * @throws ParallelException if the bytes do not decode here (a missing class, a class the
   *     deserialization filter rejects, a value nested too deeply for this thread's stack...)
   */
  public static Object decode(byte[] bytes, String what) {
    return decode(bytes, what, 0);
  }

  /** As {@link #decode(byte[], String)}, for a value {@code depth} levels inside another (the filter's maxdepth). */
  static Object decode(byte[] bytes, String what, int depth) {
    DeserializationFilter current = filter;
    if (SmallValues.isSmall(bytes)) {
      Object value;
      try {
        value = SmallValues.decode(bytes);
      } catch (RuntimeException e) {
        throw new ParallelException(what + " cannot be decoded: " + e.getMessage(), e);
      }
      String refused = current == null ? null : current.refusal(value, bytes.length, depth);
      if (refused != null) {
        throw new ParallelException(what + " cannot be deserialized in this process: " + refused
            + " is rejected by the deserialization filter \"" + current.pattern() + "\" (Config.deserializationFilter)");
      }
      return value;
    }
    if (LambdaValues.isLambda(bytes)) {
      try {
        return LambdaValues.decode(bytes, what, loader, current, depth);
      } catch (StackOverflowError e) {
        throw new ParallelException(what + " cannot be deserialized in this process: it is nested too"
            + " deeply for the stack of thread " + Thread.currentThread().getName(), e);
      }
    }
    DeserializationFilter.OneStream checked = current == null ? null : current.forOneStream(depth);
    try (var in = new LoaderObjectInputStream(new ByteArrayInputStream(bytes), loader)) {
      if (checked != null) {
        in.setObjectInputFilter(checked);
      }
      return in.readObject();
    } catch (ClassNotFoundException e) {
      throw new ParallelException(what + " cannot be deserialized in this process: class "
          + e.getMessage() + " is not on its class path", e);
    } catch (IOException | RuntimeException e) {
      if (checked != null && checked.rejected() != null) {
        throw new ParallelException(what + " cannot be deserialized in this process: " + checked.rejected()
            + " is rejected by the deserialization filter \"" + current.pattern()
            + "\" (Config.deserializationFilter)", e);
      }
      throw new ParallelException(what + " cannot be deserialized in this process: " + e, e);
    } catch (StackOverflowError e) {
      // a value nested more deeply than this thread's stack: the caller must still get an answer
      throw new ParallelException(what + " cannot be deserialized in this process: it is nested too"
          + " deeply for the stack of thread " + Thread.currentThread().getName(), e);
    }
  }

  private static final class LoaderObjectInputStream extends ObjectInputStream {
    private final ClassLoader loader;

    LoaderObjectInputStream(InputStream in, ClassLoader loader) throws IOException {
      super(in);
      this.loader = loader;
    }

    @Override
    protected Class<?> resolveClass(ObjectStreamClass desc) throws IOException, ClassNotFoundException {
      try {
        return Class.forName(desc.getName(), false, loader);
      } catch (ClassNotFoundException e) {
        return super.resolveClass(desc);
      }
    }
  }
}
