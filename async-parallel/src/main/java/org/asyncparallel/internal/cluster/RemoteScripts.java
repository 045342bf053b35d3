package org.asyncparallel.internal.cluster;

import java.util.List;
import java.util.stream.Collectors;

/**
 * The POSIX shell scripts run on a worker machine, and what their answers mean. The code cache is
 * a private directory, {@code ${TMPDIR:-/tmp}/asyncparallel-cache-<uid>}, of files named by their
 * SHA-256; an upload is unpacked aside, each file's hash is checked against its name, and only then
 * is it moved in. Whatever ends an upload early, the files unpacked aside are removed.
 *
 * <p>The probe and the upload print {@code CACHE <dir>} first. When they fail, they print one line
 * {@code ERROR <kind> <what the failing command said>} (or {@code MISMATCH <file> has hash <h>})
 * and exit with a non-zero status; {@link #explain} turns that line into words for the user.
 *
 * <ul>
 *   <li>{@code CACHE} (probe, upload): the cache directory cannot be made, or made private;
 *   <li>{@code NOJAVA} (probe): no {@code java} on the session's PATH; the detail is the PATH;
 *   <li>{@code FULL} (upload): the cache's file system has less room than the upload (KiB);
 *   <li>{@code WRITE} (upload): unpacking or moving the files failed.
 * </ul>
 */
final class RemoteScripts {
  /** Prints its arguments as one line, whatever newlines a command's message holds. */
  private static final String SAY = "say() { printf '%s\\n' \"$*\" | tr '\\n' ' '; echo; }\n";
  private static final String CACHE_DIR = "C=\"${TMPDIR:-/tmp}/asyncparallel-cache-$(id -u)\"\n";
  private static final String CACHE = SAY + CACHE_DIR
      + "echo \"CACHE $C\"\n"
      + "E=$( { mkdir -p \"$C\" && chmod 700 \"$C\"; } 2>&1) || { say \"ERROR CACHE $E\"; exit 3; }\n";

  private RemoteScripts() {}

  /** Reports the cache, the java version and the cache's contents: CACHE dir, JAVA n, HAVE file... */
  static String probe() {
    return CACHE
        + "command -v java >/dev/null 2>&1 || { say \"ERROR NOJAVA $PATH\"; exit 4; }\n"
        + "V=$(java -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p')\n"
        + "echo \"JAVA $V\"\n"
        + "for f in \"$C\"/*.jar; do [ -f \"$f\" ] && echo \"HAVE ${f##*/}\"; done\n"
        + "exit 0\n";
  }

  /**
   * Unpacks a tar of {@code bytes} bytes from stdin into the cache, checking every file's hash;
   * prints OK. Refuses at once, writing nothing, if the cache's file system has less room.
   */
  static String upload(long bytes) {
    long needKiB = bytes / 1024 + 1;
    return CACHE
        + "F=$(df -Pk \"$C\" 2>/dev/null | awk 'NR==2 {print $4}')\n"
        + "case \"$F\" in ''|*[!0-9]*) F=unknown;; esac\n"
        + "echo \"FREE $F\"\n"
        + "if [ \"$F\" != unknown ] && [ \"$F\" -lt " + needKiB + " ]; then\n"
        + "  say \"ERROR FULL " + needKiB + "\"; exit 7\n"
        + "fi\n"
        + "D=$(mktemp -d \"$C/incoming.XXXXXX\" 2>&1) || { say \"ERROR WRITE $D\"; exit 5; }\n"
        + "trap 'rm -rf \"$D\"' EXIT\n"
        + "trap 'exit 1' HUP INT TERM PIPE\n"
        + "E=$(tar -x -f - -C \"$D\" 2>&1) || { say \"ERROR WRITE $E\"; exit 5; }\n"
        + "for f in \"$D\"/*.jar; do\n"
        + "  h=$(sha256sum \"$f\" | cut -d' ' -f1)\n"
        + "  if [ \"$h.jar\" != \"${f##*/}\" ]; then echo \"MISMATCH ${f##*/} has hash $h\"; exit 6; fi\n"
        + "done\n"
        + "E=$(mv -f \"$D\"/*.jar \"$C\"/ 2>&1) || { say \"ERROR WRITE $E\"; exit 5; }\n"
        + "echo OK\n";
  }

  /**
   * Starts the agent JVM from the cache (which the probe made), with these jars (in class path
   * order), first marking them used (their modification time: see {@code CodeCache.evictUnused}).
   */
  static String agent(List<String> jars) {
    String classPath = jars.stream().map(j -> "$C/" + j).collect(Collectors.joining(":"));
    String files = jars.stream().map(j -> "\"$C/" + j + "\"").collect(Collectors.joining(" "));
    return CACHE_DIR
        + "touch -c " + files + " 2>/dev/null\n" // in use: kept by the cache's eviction of unused files
        + "exec java -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -XX:-UsePerfData -Xss512k"
        + " -XX:+ExitOnOutOfMemoryError -cp \"" + classPath + "\" org.asyncparallel.internal.cluster.AgentMain\n";
  }

  /**
   * What went wrong and what to do, from a failed script's output, for a message that already
   * names the machine; null if the output has no error line (ssh itself failed, say).
   */
  static String explain(String machine, String output) {
    String dir = valueOf(output, "CACHE ", "the code cache");
    String free = valueOf(output, "FREE ", "unknown");
    String mismatch = valueOf(output, "MISMATCH ", null);
    if (mismatch != null) {
      return "a file of the class path arrived damaged (" + mismatch + "); try again";
    }
    String error = valueOf(output, "ERROR ", null);
    if (error == null) {
      return null;
    }
    int space = error.indexOf(' ');
    String kind = space < 0 ? error : error.substring(0, space);
    String detail = space < 0 ? "" : error.substring(space + 1).trim();
    String tmp = "or set TMPDIR, for ssh sessions on that machine, to a directory that can hold it";
    return switch (kind) {
      case "CACHE" -> "its code cache " + dir + " cannot be made a private directory that the ssh user can write ("
          + detail + "). Remove what is in its way, or fix its owner or its file system, " + tmp;
      case "NOJAVA" -> "it has no java on the PATH of a non-interactive ssh session (PATH=" + detail + "). Install a"
          + " JDK 21 or newer there, or put the bin directory of one on that PATH; check with: ssh " + machine
          + " java -version";
      case "FULL" -> "its code cache " + dir + " has no room for the code: " + detail + " KiB to copy, " + free
          + " KiB free there. Free space on that file system (see: ssh " + machine + " df -h " + dir + "), " + tmp;
      case "WRITE" -> "the code could not be written into its code cache " + dir + " (" + free + " KiB free there): "
          + detail + ". Check that the ssh user can write there and that its file system has room and inodes (see: ssh "
          + machine + " 'df -h " + dir + "; df -i " + dir + "'), " + tmp;
      default -> "its script failed: " + error;
    };
  }

  /** The rest of the first line that starts with {@code prefix}, or {@code otherwise}. */
  private static String valueOf(String output, String prefix, String otherwise) {
    for (String line : output.split("\n")) {
      if (line.startsWith(prefix)) {
        return line.substring(prefix.length()).trim();
      }
    }
    return otherwise;
  }
}
