#!/usr/bin/env bash
# Prints the home of a JDK >= 21 on this machine, or exits 1 naming what it looked at.
# Order: $JAVA_HOME if it is >= 21, then the newest JDK under /usr/lib/jvm, then `java` on PATH.
set -u
version_of() { # major version of the JDK at $1, or 0
  local v
  v=$("$1/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p')
  echo "${v:-0}"
}
candidates=()
[ -n "${JAVA_HOME:-}" ] && candidates+=("$JAVA_HOME")
for d in $(ls -d /usr/lib/jvm/*/ 2>/dev/null | sort -rV); do candidates+=("${d%/}"); done
if command -v java >/dev/null 2>&1; then
  candidates+=("$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")")
fi
for home in "${candidates[@]}"; do
  [ -x "$home/bin/javac" ] || continue
  if [ "$(version_of "$home")" -ge 21 ] 2>/dev/null; then echo "$home"; exit 0; fi
done
echo "no JDK >= 21 found (looked at: ${candidates[*]:-nothing}); install one or set JAVA_HOME" >&2
exit 1
