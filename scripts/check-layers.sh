#!/bin/sh
# SPDX-License-Identifier: MIT
# Enforces the one-way layer dependencies of docs/ARCHITECTURE.md: a file in
# src/<layer>/ may only include headers of the layers listed for it.
set -eu
src=${1:-$(dirname "$0")/../src}

allowed() {
    case $1 in
    lib)    echo "lib" ;;
    net)    echo "lib net" ;;
    config) echo "lib config" ;;
    mime)   echo "lib mime" ;;
    store)  echo "lib config mime store" ;;
    auth)   echo "lib net config auth" ;;
    proto)  echo "lib net config mime store auth proto" ;;
    daemon) echo "lib net config mime store auth proto daemon" ;;
    tools)  echo "lib net config mime store auth tools" ;;
    *)      echo "" ;;
    esac
}

status=0
for dir in "$src"/*/; do
    layer=$(basename "$dir")
    ok=$(allowed "$layer")
    [ -n "$ok" ] || { echo "unknown layer: $layer"; status=1; continue; }
    for f in $(find "$dir" -name '*.[ch]' -o -name '*.h.in'); do
        grep -o '^#include "[a-z]*/' "$f" | sed 's/#include "//; s|/$||' |
        sort -u | while read -r dep; do
            case " $ok " in
            *" $dep "*) ;;
            *) echo "layer violation: $f includes $dep/ (allowed: $ok)"
               exit 1 ;;
            esac
        done || status=1
    done
done
[ $status -eq 0 ] && echo "layer dependencies OK"
exit $status
