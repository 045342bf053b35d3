package org.asyncparallel.internal.cluster;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
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
 *
 * <p>A missing entry is skipped, as the JVM skips it, unless it was there when this JVM started
 * ({@link VanishedEntries}): that one is {@linkplain #gone() gone}, and the bundle cannot be used.
 */
public final class ClassPathBundle {
  /** One piece of the class path. */
  public record Piece(String origin, String name, Path file, byte[] packed) implements CodeCache.Piece {
    /**
     * The bytes to send: a jar is read again, and checked against its name.
     *
     * @throws ParallelException naming the entry if it is gone, unreadable, or changed since it
     *     was hashed (so no machine gets code other than what this process runs)
     */
    @Override
    public byte[] bytes() {
      if (packed != null) {
        return packed;
      }
      byte[] bytes;
      try {
        bytes = Files.readAllBytes(file);
      } catch (NoSuchFileException e) {
        throw new ParallelException(VanishedEntries.goneMessage(origin), e);
      } catch (IOException e) {
        throw new ParallelException("cannot read the class path entry " + origin + ": " + e, e);
      }
      if (!name.equals(CodeCache.sha256(bytes) + ".jar")) {
        throw new ParallelException("the class path entry " + origin + " changed after this program first"
            + " read it (Parallel.init), so other processes would run other code than it does: restart the"
            + " program to run the new version");
      }
      return bytes;
    }
  }

  private static volatile ClassPathBundle ofThisProcess;
  private final List<Piece> pieces;
  private final List<Path> gone;

  private ClassPathBundle(List<Piece> pieces, List<Path> gone) {
    this.pieces = List.copyOf(pieces);
    this.gone = List.copyOf(gone);
  }

  /**
   * The bundle of {@code java.class.path}, made at the first call and kept (the class path of a
   * JVM does not change), unless an entry was {@linkplain #gone() gone}: then the next call looks
   * again. Reads every entry at its first call; blocks meanwhile.
   *
   * @throws ParallelException naming an entry that cannot be read
   */
  public static ClassPathBundle ofThisProcess() {
    ClassPathBundle bundle = ofThisProcess;
    if (bundle == null) {
      bundle = build();
      if (bundle.gone.isEmpty()) {
        ofThisProcess = bundle;
      }
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
    List<Path> gone = new ArrayList<>();
    VanishedEntries vanished = null;
    for (Path entry : entries) {
      try {
        if (Files.isDirectory(entry)) {
          byte[] jar = packDirectory(entry);
          pieces.add(new Piece(entry.toString(), CodeCache.sha256(jar) + ".jar", null, jar));
        } else if (Files.isRegularFile(entry)) {
          pieces.add(new Piece(entry.toString(), CodeCache.sha256(Files.readAllBytes(entry)) + ".jar", entry, null));
        } else {
          vanished = vanished != null ? vanished : VanishedEntries.ofThisThread();
          if (vanished.wasThere(entry)) {
            gone.add(entry);
          } // else it never was: skipped, as the JVM itself does
        }
      } catch (IOException e) {
        throw new ParallelException("cannot read the class path entry " + entry + " to copy it: " + e
            + " (if it is being rebuilt or deleted, start the program again once it is in place)", e);
      }
    }
    return new ClassPathBundle(pieces, gone);
  }

  public List<Piece> pieces() {
    return pieces;
  }

  /** Entries missing now that this JVM had when it started (a jar deleted, a directory removed). */
  public List<Path> gone() {
    return gone;
  }

  /**
   * Checks that no entry is {@linkplain #gone() gone}.
   *
   * @throws ParallelException naming the first entry that is gone and saying what to do
   */
  public ClassPathBundle requireComplete() {
    if (!gone.isEmpty()) {
      throw new ParallelException(VanishedEntries.goneMessage(gone.get(0).toString())
          + (gone.size() > 1 ? " (and " + (gone.size() - 1) + " more: " + gone.subList(1, gone.size()) + ")" : ""));
    }
    return this;
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
