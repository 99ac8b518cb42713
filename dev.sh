#!/usr/bin/env bash
# xmpaudit developer entry point.
#   ./dev.sh run    open JupyterLab on the notebooks against the embedded demo DAM (or XMPAUDIT_URL if set)
#   ./dev.sh test   install everything into .venv and run all tests (what CI runs): parallel workers, cores + 1
#                   (XMPAUDIT_TEST_WORKERS=N to choose, 0 for one process), the 25 slowest tests listed at the end
#   ./dev.sh test-fast  the inner loop: ruff, the import contracts and the tests without a server, a notebook, a
#                   browser, Sling, the ACS jar or external tools (markers e2e, notebooks, contract, browser, acs, slow)
#   ./dev.sh lint   ruff and the import contracts (layers, no circles)
set -euo pipefail
cd "$(dirname "$0")"
VENV=${XMPAUDIT_VENV:-.venv}
PYTHON=${PYTHON:-python3}
# the fast tier leaves out every test that needs a server, a notebook kernel, a browser, Sling, Maven or a corpus
FAST_TIER="not (e2e or notebooks or contract or browser or acs or slow)"
# the whole suite on parallel workers, one more than cores (a test waits on servers, kernels and browsers about half
# of its time), each test file on one worker (module fixtures such as the 100k-asset DAM are built once), the
# heaviest files first (tests/conftest.py orders them), the slowest durations printed
parallel_options() {
  local workers=${XMPAUDIT_TEST_WORKERS:-$("$VENV/bin/python" -c 'import os; print((os.cpu_count() or 1) + 1)')}
  PARALLEL=(-n "$workers" --dist loadfile --no-loadscope-reorder --durations=25)
}

# True when the venv already has this checkout's xmpaudit (at pyproject's version, installed by this script or by the
# README's own pip command) and a distribution for every requirement in pyproject.toml ($1 = dev: the dev extra too).
installed() {
  "$VENV/bin/python" -I - "${1:-}" <<'PY' 2>/dev/null
import importlib.metadata as metadata, importlib.util, pathlib, re, sys
text = pathlib.Path("pyproject.toml").read_text(encoding="utf-8")
def listed(key):  # the quoted requirements of one list in pyproject.toml ("dependencies", "dev")
    block = re.search(rf"^{key} = \[(.*?)^\]", text, re.S | re.M)
    return re.findall(r'^\s*"([A-Za-z0-9_.-]+)', block.group(1), re.M) if block else []
spec = importlib.util.find_spec("xmpaudit")
assert spec and pathlib.Path(spec.origin).resolve().parent == pathlib.Path("xmpaudit").resolve()
assert metadata.version("xmpaudit") == re.search(r'^version = "(.+)"', text, re.M).group(1)
for name in listed("dependencies") + (listed("dev") if sys.argv[1] == "dev" else []):
    metadata.version(name)  # raises when the distribution is not installed
PY
}

ensure_venv() {  # $1 = dev for the verbs that test
  if [ ! -x "$VENV/bin/python" ]; then
    "$PYTHON" -m venv "$VENV"
  fi
  if ! installed "${1:-}"; then
    echo "Installing xmpaudit into $VENV (pip install -e \".[dev]\")…"
    "$VENV/bin/python" -m pip install --quiet --upgrade pip
    "$VENV/bin/python" -m pip install --quiet -e ".[dev]"
  fi
}

ensure_system_tools() {
  # Debian tools the tests use: exiftool (cross-checks the XMP reader), exempi (Adobe XMP Toolkit) and imagemagick
  # (independent XMP writers for the reader's test corpus), chromium (widgets in a real browser),
  # java + maven (tests/acs runs the released ACS process on Oak).
  local missing=()
  command -v exiftool >/dev/null || missing+=(libimage-exiftool-perl)
  command -v exempi >/dev/null || missing+=(exempi)
  command -v convert-im6.q16 >/dev/null || command -v magick >/dev/null || missing+=(imagemagick)
  command -v chromium >/dev/null || missing+=(chromium)
  command -v java >/dev/null || missing+=(default-jdk-headless)
  command -v mvn >/dev/null || missing+=(maven)
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "Installing ${missing[*]} (Debian packages)…"
    apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}" >/dev/null
  else
    echo "Note: ${missing[*]} not installed; the tests that need them are skipped." >&2
  fi
}

case "${1:-}" in
  run)
    shift
    ensure_venv
    exec "$VENV/bin/xmpaudit" lab "$@"
    ;;
  test)
    shift
    ensure_venv dev
    ensure_system_tools
    export MPLBACKEND=Agg
    "$VENV/bin/ruff" check xmpaudit tests benchmarks
    "$VENV/bin/lint-imports" --no-cache
    parallel_options
    exec "$VENV/bin/pytest" "${PARALLEL[@]}" "$@"  # the bare entry point: pyproject.toml alone makes tests importable
    ;;
  test-fast)
    shift
    ensure_venv dev
    export MPLBACKEND=Agg
    "$VENV/bin/ruff" check xmpaudit tests benchmarks
    "$VENV/bin/lint-imports" --no-cache
    exec "$VENV/bin/python" -m pytest -m "$FAST_TIER" "$@"
    ;;
  lint)
    ensure_venv dev
    "$VENV/bin/ruff" check xmpaudit tests benchmarks
    exec "$VENV/bin/lint-imports" --no-cache
    ;;
  *)
    echo "usage: ./dev.sh run|test|test-fast|lint" >&2
    exit 2
    ;;
esac
