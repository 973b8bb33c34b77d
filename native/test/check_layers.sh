#!/usr/bin/env bash
# The native layers point one way: core <- devices <- machine <- addon. binding.gyp and
# the test, fuzz and bdtrace Makefiles give each layer only its own and lower layers'
# include roots (native/include/<layer>/), so `#include "machine/board.h"` in a device
# does not compile. A relative include ("../machine/board.h") would get around that, so
# this check allows none: every project header is named from its layer root.
#   native/src/<layer>/...    may include <layer>/ and the layers below it
#   native/test, native/tools  may include any layer, never through a "src/" path
# Prints one line per offending include and exits 1. Run by `make -C native/test` and
# `npm run lint`.
set -euo pipefail
cd "$(dirname "$0")/.."

allowed() {
  case "$1" in
    core) echo "core" ;;
    devices) echo "core devices" ;;
    machine) echo "core devices machine" ;;
    addon) echo "core devices machine addon" ;;
    *) echo "" ;;
  esac
}

bad=0
report() {
  echo "native/$1: $2" >&2
  bad=1
}

# file:line:path for every #include "..." and #include <...> of the given files.
includes() {
  grep -HnE '^[[:space:]]*#[[:space:]]*include[[:space:]]*["<][^">]+[">]' "$@" |
    sed -E 's/^([^:]+:[0-9]+):[[:space:]]*#[[:space:]]*include[[:space:]]*["<]([^">]+)[">].*/\1:\2/'
}

while IFS= read -r hit; do
  loc=${hit%:*}
  path=${hit##*:}
  file=${loc%:*}
  layer=$(echo "$file" | cut -d/ -f2)
  first=${path%%/*}
  case "/$path/" in
    */../*) report "$loc" "includes \"$path\": name project headers from their layer root (\"core/...\", \"devices/...\"), not with ../"; continue ;;
  esac
  if [ "$first" = "$path" ]; then
    # A plain name is a system header or one beside the file; neither crosses a layer.
    continue
  fi
  case " core devices machine addon " in
    *" $first "*) ;;
    *) continue ;;  # <sys/ioctl.h>, <linux/kvm.h>, ...
  esac
  case " $(allowed "$layer") " in
    *" $first "*) ;;
    *) report "$loc" "a $layer file includes \"$path\": $layer may include only $(allowed "$layer" | sed 's/ /, /g') (layers: core <- devices <- machine <- addon)" ;;
  esac
done < <(cd src && includes $(find . -name '*.h' -o -name '*.cc' | sed 's|^\./||' | sort) | sed 's|^|src/|')

while IFS= read -r hit; do
  loc=${hit%:*}
  path=${hit##*:}
  case "/$path/" in
    */src/*) report "$loc" "includes \"$path\": name native/src headers from their layer root (\"core/bus.h\", \"devices/legacy/i8042.h\")" ;;
  esac
done < <(includes $(find test tools \( -name build -o -name corpus \) -prune -o \( -name '*.h' -o -name '*.cc' \) -print | sort))

if [ "$bad" != 0 ]; then
  echo "native layer check failed: see native/test/check_layers.sh" >&2
  exit 1
fi
