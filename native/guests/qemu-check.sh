#!/bin/sh
# qemu-check.sh <name>...: runs each guest under QEMU/KVM (qemu-run.sh), prints one
# line per guest with its exit code and wall time, and fails if any guest failed.
# A guest whose source contains the marker "qemu-check: skip <reason>" (for instance one
# that needs a device QEMU does not have) is listed as skipped with that reason.
here=$(dirname "$0")
failed=0
for name in "$@"; do
	skip=$(cat "$here/$name.c" "$here/$name.S" 2>/dev/null | sed -n '/qemu-check: skip/{s/.*qemu-check: skip *//; s/ *\*\/.*//; p;}' | head -n 1)
	if [ -n "$skip" ]; then
		printf 'skip  %-12s %s\n' "$name" "$skip"
		continue
	fi
	start=$(date +%s.%N)
	"$here/qemu-run.sh" "$name" >"$here/build/$name.qemu.log" 2>&1
	rc=$?
	secs=$(echo "$(date +%s.%N) - $start" | bc)
	if [ $rc -eq 0 ]; then
		printf 'ok    %-12s %6.2fs\n' "$name" "$secs"
	else
		printf 'FAIL  %-12s %6.2fs exit %d (see build/%s.qemu.log)\n' "$name" "$secs" $rc "$name"
		failed=1
	fi
done
exit $failed
