package org.asyncparallel.internal.cluster;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.CodeSource;
import java.util.HashSet;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Evidence that a class path entry that is missing now was there when this JVM started, so that
 * its loss is an error rather than an entry that never existed (which the JVM, and the bundle,
 * skip). Either this JVM still holds the file open (a jar its class loader opened and someone
 * deleted since: Linux shows it in {@code /proc/self/fd} as {@code "<path> (deleted)"}), or a class
 * on the calling thread's stack was loaded from it (a program's own class directory, removed by a
 * clean build while the program ran). Without such evidence a missing entry counts as never there.
 */
final class VanishedEntries {
  private static final String DELETED = " (deleted)";
  private final Set<Path> stackSources;
  private final Set<String> openButDeleted;

  private VanishedEntries(Set<Path> stackSources, Set<String> openButDeleted) {
    this.stackSources = stackSources;
    this.openButDeleted = openButDeleted;
  }

  /** The evidence as it stands now, seen from the calling thread. */
  static VanishedEntries ofThisThread() {
    Set<Path> sources = StackWalker.getInstance(StackWalker.Option.RETAIN_CLASS_REFERENCE)
        .walk(frames -> frames.map(f -> sourceOf(f.getDeclaringClass())).filter(Objects::nonNull)
            .collect(Collectors.toSet()));
    return new VanishedEntries(sources, openButDeleted());
  }

  /** True if the (missing) entry was there when this JVM started. */
  boolean wasThere(Path entry) {
    if (stackSources.contains(entry) || openButDeleted.contains(entry.toString())) {
      return true;
    }
    try { // the kernel names an open file by its real path: the entry's directory may be a link
      Path real = entry.getParent().toRealPath().resolve(entry.getFileName());
      return openButDeleted.contains(real.toString());
    } catch (IOException | RuntimeException e) {
      return false;
    }
  }

  /** The error message for an entry that is gone, with what to do. */
  static String goneMessage(String entry) {
    return "the class path entry " + entry + " is gone: it was deleted or moved after this program started."
        + " The program still runs the code it loaded from there, but worker processes cannot get it."
        + " Put it back, or start the program again";
  }

  private static Path sourceOf(Class<?> type) {
    try {
      CodeSource source = type.getProtectionDomain().getCodeSource();
      return source == null || source.getLocation() == null ? null
          : Path.of(source.getLocation().toURI()).toAbsolutePath().normalize();
    } catch (Exception e) { // not a file (jrt:, a custom loader's URL): no evidence
      return null;
    }
  }

  private static Set<String> openButDeleted() {
    Set<String> files = new HashSet<>();
    try (DirectoryStream<Path> descriptors = Files.newDirectoryStream(Path.of("/proc/self/fd"))) {
      for (Path descriptor : descriptors) {
        try {
          String target = Files.readSymbolicLink(descriptor).toString();
          if (target.endsWith(DELETED)) {
            files.add(target.substring(0, target.length() - DELETED.length()));
          }
        } catch (IOException | RuntimeException e) {
          // closed meanwhile
        }
      }
    } catch (IOException | RuntimeException e) {
      // no /proc (not Linux): no evidence from open files
    }
    return files;
  }
}
