#!/bin/sh
# ExecCondition of roost-boot-check.service: start the Node boot check (`roost image mark-good`)
# only when a boot entry carries a boot counter (`+N` or `+N-M` in its name: a slot on trial, or
# one that failed its trial). An ordinary boot has none, and the check would then only say
# "nothing to mark" after starting a second Node process beside the gateway's own start (under
# emulation that is as long as the gateway's; on a box it is CPU the gateway's start competes for).
# Exit 0: run the check; exit 1: skip it. When the ESP cannot be read, run it (it reports why).
esp=${ROOST_IMAGE_ESP:-/dev/disk/by-partlabel/roost-esp}
cmdline=${ROOST_IMAGE_CMDLINE:-/proc/cmdline}
if ! entries=$(MTOOLS_SKIP_CHECK=1 mdir -b -i "$esp" ::/loader/entries 2>&1); then
  echo "roost-boot-check: cannot list the boot entries on $esp ($entries); checking"
  exit 0
fi
case "$entries" in
  *+*) exit 0 ;;
esac
slot=$(sed -n 's/.*roost\.slot=\([ab]\).*/\1/p' "$cmdline")
echo "roost image: slot ${slot:-?} is good; nothing to check (no boot entry on trial or failed)"
exit 1
