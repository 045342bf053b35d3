package org.asyncparallel.internal.cluster;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.jar.Attributes;
import java.util.jar.JarFile;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import org.asyncparallel.ParallelException;
import org.asyncparallel.internal.launch.CodeCache;

/**
 * This process's class path as content-addressed jars, for shipping to worker machines: each jar
 * as it is, each class directory packed into a deterministic jar (sorted entries, fixed times), and
 * jars named by a manifest {@code Class-Path} (as Maven Surefire's launcher jar does) followed.
 * Each piece is named {@code <sha256>.jar}, so a machine that has it already needs nothing sent.
 */
public final class ClassPathBundle {
  /** One piece of the class path. */
  public record Piece(String origin, String name, Path file, byte[] packed) implements CodeCache.Piece {
    /** The bytes to send. */
    @Override
    public byte[] bytes() {
      try {
        return packed != null ? packed : Files.readAllBytes(file);
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read class path entry " + origin, e);
      }
    }
  }

  private static volatile ClassPathBundle ofThisProcess;
  private final List<Piece> pieces;

  private ClassPathBundle(List<Piece> pieces) {
    this.pieces = List.copyOf(pieces);
  }

  /**
   * The bundle of {@code java.class.path}.
   *
   * @throws ParallelException naming an entry that cannot be read
   */
  public static ClassPathBundle ofThisProcess() {
    ClassPathBundle bundle = ofThisProcess;
    if (bundle == null) {
      bundle = build(); // the class path of a JVM does not change: once is enough
      ofThisProcess = bundle;
    }
    return bundle;
  }

  private static ClassPathBundle build() {
    Set<Path> entries = new LinkedHashSet<>();
    for (String entry : System.getProperty("java.class.path").split(java.io.File.pathSeparator)) {
      if (!entry.isEmpty()) {
        collect(Path.of(entry).toAbsolutePath().normalize(), entries);
      }
    }
    List<Piece> pieces = new ArrayList<>();
    for (Path entry : entries) {
      try {
        if (Files.isDirectory(entry)) {
          byte[] jar = packDirectory(entry);
          pieces.add(new Piece(entry.toString(), CodeCache.sha256(jar) + ".jar", null, jar));
        } else if (Files.isRegularFile(entry)) {
          pieces.add(new Piece(entry.toString(), CodeCache.sha256(Files.readAllBytes(entry)) + ".jar", entry, null));
        }
        // a missing entry is skipped, as the JVM itself does
      } catch (IOException e) {
        throw new ParallelException("cannot read class path entry " + entry + " to ship it: " + e, e);
      }
    }
    return new ClassPathBundle(pieces);
  }

  public List<Piece> pieces() {
    return pieces;
  }

  private static void collect(Path entry, Set<Path> into) {
    if (!into.add(entry) || !Files.isRegularFile(entry)) {
      return;
    }
    try (JarFile jar = new JarFile(entry.toFile())) {
      var manifest = jar.getManifest();
      String classPath = manifest == null ? null : manifest.getMainAttributes().getValue(Attributes.Name.CLASS_PATH);
      if (classPath == null) {
        return;
      }
      for (String ref : classPath.trim().split("\\s+")) {
        if (ref.isEmpty()) {
          continue;
        }
        Path target = ref.startsWith("file:") ? Path.of(URI.create(ref)) : entry.resolveSibling(ref);
        collect(target.toAbsolutePath().normalize(), into);
      }
    } catch (IOException | RuntimeException e) {
      // not a jar, or a bad manifest: shipped as it is, references not followed
    }
  }

  private static byte[] packDirectory(Path dir) throws IOException {
    var bytes = new ByteArrayOutputStream();
    List<Path> files;
    try (Stream<Path> walk = Files.walk(dir)) {
      files = walk.filter(Files::isRegularFile).sorted().toList();
    }
    try (var jar = new JarOutputStream(bytes)) {
      for (Path file : files) {
        String name = dir.relativize(file).toString().replace(java.io.File.separatorChar, '/');
        var entry = new ZipEntry(name);
        entry.setTime(0L);
        jar.putNextEntry(entry);
        jar.write(Files.readAllBytes(file));
        jar.closeEntry();
      }
    }
    return bytes.toByteArray();
  }
}
