#!/bin/sh
# mmdebstrap --customize-hook: ROOT OVERLAY STAGE. Installs the staged gateway (STAGE/app,
# STAGE/node, STAGE/update-keys, STAGE/config.yaml, STAGE/doc), the overlay, the gateway user
# and the units; leaves the tree ready to be squashed read-only.
set -eu
root=$1 overlay=$2 stage=$3

cp -a "$overlay/." "$root/"
mkdir -p "$root/usr/lib/roost" "$root/usr/share/roost" "$root/usr/share/doc/roost" "$root/var/lib/roost"
cp -a "$stage/app" "$stage/node" "$root/usr/lib/roost/"
cp -a "$stage/update-keys" "$root/usr/share/roost/"
cp "$stage/config.yaml" "$root/usr/share/roost/config.yaml"
cp -a "$stage/doc/." "$root/usr/share/doc/roost/"
chmod 0755 "$root/usr/bin/roost" "$root/usr/lib/roost/roost-data.sh" "$root/usr/lib/roost/roost-update-media.sh"

chroot "$root" systemd-sysusers
systemctl --root="$root" enable roost.service roost-firstboot.service roost-boot-check.service \
  systemd-networkd.service systemd-timesyncd.service
# No one answers prompts on an appliance; the machine id is transient (read-only root).
systemctl --root="$root" mask systemd-firstboot.service
: > "$root/etc/machine-id"
ln -sf /usr/share/zoneinfo/Etc/UTC "$root/etc/localtime"
rm -f "$root/etc/resolv.conf"
# Nothing below is needed at run time, and the root never changes after the build.
rm -rf "$root/var/cache/apt/"* "$root/var/lib/apt/lists/"* "$root/var/log/"*
