#!/bin/bash
# build-initrd.sh OUT_DIR: builds OUT_DIR/initrd.cpio.gz for run.sh: busybox-static, this
# kernel's virtio-fs, dummy and KVM modules, and ./init as /init.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=${1:?usage: build-initrd.sh OUT_DIR}
kver=${KVMVM_KVER:-$(basename /boot/vmlinuz-6.1.0-*-cloud-amd64 | sed 's/^vmlinuz-//' | sort -V | tail -1)}
mods=/lib/modules/$kver
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
mkdir -p "$root"/{bin,proc,sys,dev,mnt,lib/modules}
cp /bin/busybox "$root/bin/busybox"
file -L "$root/bin/busybox" | grep -q 'statically linked' || { echo "busybox is not static: apt-get install busybox-static" >&2; exit 1; }
for m in virtio_ring virtio virtio_pci_modern_dev virtio_pci_legacy_dev virtio_pci fuse virtiofs irqbypass dummy kvm kvm-amd; do
  f=$(find "$mods/kernel" -name "$m.ko" -o -name "$m.ko.xz" -o -name "$m.ko.zst" | head -1)
  [ -n "$f" ] || { echo "module $m not found under $mods" >&2; exit 1; }
  case "$f" in
    *.xz) xz -dc "$f" > "$root/lib/modules/$m.ko" ;;
    *.zst) zstd -dc "$f" > "$root/lib/modules/$m.ko" ;;
    *) cp "$f" "$root/lib/modules/$m.ko" ;;
  esac
done
install -m 755 "$here/init" "$root/init"
mkdir -p "$out"
(cd "$root" && find . | cpio -o -H newc --quiet | gzip -1) > "$out/initrd.cpio.gz.tmp"
mv "$out/initrd.cpio.gz.tmp" "$out/initrd.cpio.gz"
echo "$kver" > "$out/initrd.kver"
echo "built $out/initrd.cpio.gz for $kver"
