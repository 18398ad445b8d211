#!/bin/sh
# roost-data.sh PARTITION: on first boot (no filesystem yet) grow the data partition to the end
# of the disk and format it; on later boots run a preen check. Runs before the mount.
set -eu
part=$(readlink -f "$1")
name=$(basename "$part")
fstype=$(blkid -p -s TYPE -o value "$part" 2>/dev/null || true)

if [ -n "$fstype" ]; then
  rc=0
  e2fsck -p "$part" || rc=$?
  if [ "$rc" -ge 4 ]; then
    echo "roost-data: $part has errors e2fsck -p cannot repair (exit $rc)" >&2
    exit 1
  fi
  exit 0
fi

num=$(cat "/sys/class/block/$name/partition")
disk=/dev/$(basename "$(readlink -f "/sys/class/block/$name/..")")
echo "roost-data: first boot: growing partition $num of $disk to the end of the disk"
# The image may have been written to a larger disk: move the backup GPT to the real end first.
sfdisk --quiet --relocate gpt-bak-std "$disk"
echo ',+' | sfdisk --quiet --no-reread -N "$num" "$disk"
partx -u --nr "$num" "$disk"
echo "roost-data: formatting $part ($(($(cat "/sys/class/block/$name/size") / 2048)) MiB) as ext4"
mkfs.ext4 -q -L roost-data -E lazy_itable_init=1,lazy_journal_init=1 "$part"
