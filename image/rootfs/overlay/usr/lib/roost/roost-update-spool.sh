#!/bin/sh
# Root side of POST /update (cli/image-update-handoff.ts), started by roost-update-spool.path when
# the gateway leaves a request in its spool: installs each <id>.roostupd with the USB path's own
# installer, which checks its signature against the image's trusted keys (the spool is written by
# the unprivileged gateway and trusted for nothing), answering in root's own folder; then a
# requested reboot. Paths can be moved for tests (test/cli/image-update-handoff.test.ts).
set -u
spool=${ROOST_UPDATE_SPOOL:-/var/lib/roost/gateway/update-spool}
results=${ROOST_UPDATE_RESULTS:-/run/roost-update}
roost=${ROOST_BIN:-/usr/bin/roost}
reboot=${ROOST_REBOOT:-systemctl reboot}
mkdir -p "$results"
chmod 0755 "$results"
# Every entry, hidden ones too: anything left behind would start the path unit again and again.
for f in "$spool"/* "$spool"/.[!.]* "$spool"/..?*; do
  [ -e "$f" ] || [ -L "$f" ] || continue
  case "$f" in *.roostupd) ;; */reboot) continue ;; *) rm -f "$f"; continue ;; esac
  id=$(basename "$f" .roostupd)
  # Only files named as the gateway names them; no symlinks (root would follow them).
  case "$id" in *[!0-9a-f-]*|'') rm -f "$f"; continue ;; esac
  if [ -L "$f" ] || [ ! -f "$f" ]; then rm -f "$f"; continue; fi
  $roost image update "$f" --no-reboot > "$results/$id.log" 2>&1
  echo $? > "$results/$id.status.tmp"
  mv "$results/$id.status.tmp" "$results/$id.status"
  rm -f "$f"
done
if [ -e "$spool/reboot" ]; then
  rm -f "$spool/reboot"
  exec $reboot
fi
