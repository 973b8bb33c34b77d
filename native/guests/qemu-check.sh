#!/bin/sh
# qemu-check.sh <name>...: runs each guest under QEMU/KVM (qemu-run.sh), prints one
# line per guest with its exit code and wall time, and fails if any guest failed.
here=$(dirname "$0")
failed=0
for name in "$@"; do
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
