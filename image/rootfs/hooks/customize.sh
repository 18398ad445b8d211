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
chmod 0755 "$root/usr/bin/roost" "$root/usr/lib/roost/"*.sh

chroot "$root" systemd-sysusers
systemctl --root="$root" enable roost.service roost-firstboot.service roost-boot-check.service roost-boot-report.service roost-update-spool.path roost-hostname.service \
  systemd-networkd.service systemd-timesyncd.service
# No one answers prompts on an appliance; the machine id is transient (read-only root).
systemctl --root="$root" mask systemd-firstboot.service
# Units the appliance has no use for, each a little work at every boot: LVM scrubbing, dpkg and utmp
# writes on a read-only root, pstore archives and binfmt, kernel-command-line network config
# (networkd's own files configure it), and the wait for network-online (nothing here needs it:
# the gateway listens on all addresses and takes interfaces as they come).
systemctl --root="$root" mask e2scrub_reap.service e2scrub_all.timer dpkg-db-backup.timer \
  systemd-update-utmp.service systemd-update-utmp-runlevel.service systemd-journal-flush.service \
  systemd-pstore.service systemd-binfmt.service proc-sys-fs-binfmt_misc.automount \
  sys-kernel-debug.mount sys-kernel-tracing.mount systemd-network-generator.service \
  systemd-networkd-wait-online.service
# Started at every boot for nothing a gateway uses, in parallel with (and under emulation taking
# CPU from) the path to the gateway: logins (root is locked and no user has a password, so gettys
# and logind serve no one; getty-static alone took 2.9 s), the module loads that systemd-repart
# (no repart.d), the FUSE and configfs mounts pull in (modprobe@loop, dm_mod, fuse, configfs: 2-3.7 s
# each under emulation), huge pages and POSIX message queues, the static /dev nodes of modules
# (fuse, loop-control, tun...: kmod-static-nodes sat on the critical chain), and a random seed
# saved to a tmpfs that does not outlive the boot.
systemctl --root="$root" mask getty.target systemd-logind.service systemd-user-sessions.service \
  systemd-ask-password-wall.path systemd-ask-password-console.path systemd-repart.service \
  sys-fs-fuse-connections.mount sys-kernel-config.mount dev-hugepages.mount dev-mqueue.mount \
  kmod-static-nodes.service systemd-random-seed.service
# Generators systemd runs at every boot (and daemon-reload), each a process, for what this box
# does not have: encrypted, integrity and verity volumes, hibernation, GPT auto-mounts (off on the
# kernel command line too), SysV and rc.local scripts, offline system updates, gettys (masked
# above) and systemd.run=. Kept: fstab (the data partition and tmpfs mounts) and debug
# (systemd.mask=, systemd.debug_shell on the kernel command line, for a field engineer).
mkdir -p "$root/etc/systemd/system-generators"
for g in cryptsetup integritysetup veritysetup hibernate-resume gpt-auto sysv rc-local system-update getty run; do
  ln -sf /dev/null "$root/etc/systemd/system-generators/systemd-$g-generator"
done
: > "$root/etc/machine-id"
ln -sf /usr/share/zoneinfo/Etc/UTC "$root/etc/localtime"
rm -f "$root/etc/resolv.conf"
# Nothing below is needed at run time, and the root never changes after the build.
rm -rf "$root/var/cache/apt/"* "$root/var/lib/apt/lists/"* "$root/var/log/"*
# Kernel modules for hardware and features a gateway does not have (image/rootfs/kernel-modules.drop).
# depmod from the build machine (-b): it reads either architecture's modules.
kernel_dir=$(ls -d "$root"/usr/lib/modules/*)
grep -v '^#' "$(dirname "$0")/../kernel-modules.drop" | while read -r glob; do
  [ -n "$glob" ] && for d in "$kernel_dir"/kernel/$glob; do rm -rf "$d"; done
done
depmod -b "$root" "$(basename "$kernel_dir")"
# /usr never changes after this: no ldconfig, hwdb, sysusers or catalog rebuild at boot
# (ConditionNeedsUpdate compares these stamps with /usr's time).
touch "$root/etc/.updated" "$root/var/.updated"
