package org.asyncparallel.internal.cluster;

import java.util.List;
import java.util.stream.Collectors;

/**
 * The POSIX shell scripts run on a worker machine. The code cache is a private directory,
 * {@code ${TMPDIR:-/tmp}/asyncparallel-cache-<uid>}, of files named by their SHA-256; an upload
 * is unpacked aside, each file's hash is checked against its name, and only then is it moved in.
 */
final class RemoteScripts {
  private static final String CACHE = "C=\"${TMPDIR:-/tmp}/asyncparallel-cache-$(id -u)\"\n"
      + "mkdir -p \"$C\" && chmod 700 \"$C\" || { echo \"ERROR cannot create the code cache $C\"; exit 3; }\n";

  private RemoteScripts() {}

  /** Reports the java version and the cache's contents: JAVA n, CACHE dir, HAVE file... */
  static String probe() {
    return CACHE
        + "command -v java >/dev/null 2>&1 || { echo \"ERROR no java on the PATH of a non-interactive ssh session\"; exit 4; }\n"
        + "V=$(java -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p')\n"
        + "echo \"JAVA $V\"\n"
        + "echo \"CACHE $C\"\n"
        + "for f in \"$C\"/*.jar; do [ -f \"$f\" ] && echo \"HAVE ${f##*/}\"; done\n"
        + "exit 0\n";
  }

  /** Unpacks a tar from stdin into the cache, checking every file's hash; prints OK. */
  static String upload() {
    return CACHE
        + "D=$(mktemp -d \"$C/incoming.XXXXXX\") || { echo \"ERROR cannot write in $C\"; exit 5; }\n"
        + "if ! tar -x -f - -C \"$D\"; then rm -rf \"$D\"; echo \"ERROR cannot unpack into $C (disk full?)\"; exit 5; fi\n"
        + "for f in \"$D\"/*.jar; do\n"
        + "  h=$(sha256sum \"$f\" | cut -d' ' -f1)\n"
        + "  if [ \"$h.jar\" != \"${f##*/}\" ]; then echo \"MISMATCH ${f##*/} has hash $h\"; rm -rf \"$D\"; exit 6; fi\n"
        + "done\n"
        + "mv -f \"$D\"/*.jar \"$C\"/ && rmdir \"$D\" || { echo \"ERROR cannot move files into $C\"; exit 5; }\n"
        + "echo OK\n";
  }

  /** Starts the agent JVM from the cache, with these jars (in class path order). */
  static String agent(List<String> jars) {
    String classPath = jars.stream().map(j -> "$C/" + j).collect(Collectors.joining(":"));
    return CACHE
        + "exec java -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -XX:-UsePerfData -Xss512k"
        + " -XX:+ExitOnOutOfMemoryError -cp \"" + classPath + "\" org.asyncparallel.internal.cluster.AgentMain\n";
  }
}
