#!/bin/sh
# roost-update-media.sh DEVICE-NAME: mount the update media read-only, install the first
# *.roostupd that is new (not running, not failed before), reboot into it.
set -eu
dev=/dev/$1
dir=/run/roost-media/$1
mkdir -p "$dir"
mount -o ro,nosuid,nodev,noexec "$dev" "$dir"
installed=no
for f in "$dir"/*.roostupd; do
  [ -e "$f" ] || continue
  rc=0
  /usr/bin/roost image update --if-new --no-reboot "$f" || rc=$?
  # 0: installed; 10: nothing new in this file (already running, or it failed its trial before)
  if [ "$rc" -eq 0 ]; then installed=yes; break; fi
  if [ "$rc" -ne 10 ]; then echo "roost-update-media: $f was not installed (exit $rc)"; fi
done
umount "$dir"
if [ "$installed" = yes ]; then
  echo "roost-update-media: rebooting into the new slot"
  systemctl reboot
fi
