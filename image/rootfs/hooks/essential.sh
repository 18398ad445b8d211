#!/bin/sh
# mmdebstrap --essential-hook: ROOT OVERLAY. Before the kernel is installed, so its one
# initramfs already holds only the root's drivers (roost-root-drivers) and the squashfs module,
# loads only squashfs by name (modules), and uses zstd.
set -eu
root=$1 overlay=$2
mkdir -p "$root/etc/initramfs-tools/hooks" "$root/etc/initramfs-tools/conf.d"
cp "$overlay/etc/initramfs-tools/hooks/roost-root-drivers" "$root/etc/initramfs-tools/hooks/"
cp "$overlay/etc/initramfs-tools/roost-root-drivers" "$root/etc/initramfs-tools/roost-root-drivers"
cp "$overlay/etc/initramfs-tools/conf.d/roost.conf" "$root/etc/initramfs-tools/conf.d/"
cp "$overlay/etc/initramfs-tools/modules" "$root/etc/initramfs-tools/modules"
