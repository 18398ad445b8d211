#!/bin/sh
# mmdebstrap --essential-hook: ROOT OVERLAY. Before the kernel is installed, so its one
# initramfs already holds only the listed drivers and the squashfs module, and uses zstd.
set -eu
root=$1 overlay=$2
mkdir -p "$root/etc/initramfs-tools/hooks" "$root/etc/initramfs-tools/conf.d"
cp "$overlay/etc/initramfs-tools/hooks/roost-squashfs" "$root/etc/initramfs-tools/hooks/"
cp "$overlay/etc/initramfs-tools/conf.d/roost.conf" "$root/etc/initramfs-tools/conf.d/"
cp "$overlay/etc/initramfs-tools/modules" "$root/etc/initramfs-tools/modules"
