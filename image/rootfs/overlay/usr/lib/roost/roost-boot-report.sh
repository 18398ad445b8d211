#!/bin/sh
# roost-boot-report.sh: which slot booted (at once, early in the boot), then, once systemd says
# the boot has finished, its timing between markers the boot test parses: the phases, when the
# gateway's process started, the slowest units and the gateway's critical chain.
cmdline=$(cat /proc/cmdline)
# printf, not echo: dash's echo turns the backslashes of systemd-boot's initrd=\roost\a\... into control characters.
slot=$(printf '%s\n' "$cmdline" | sed -n 's/.*roost\.slot=\([ab]\).*/\1/p')
printf 'roost-boot: slot=%s cmdline=%s\n' "$slot" "$cmdline"
# Wait for the end of the boot on systemd's own signal, not by running systemd-analyze every
# second: under emulation each run cost CPU the gateway's start was competing for.
timeout 600 systemctl is-system-running --wait > /dev/null 2>&1
if ! t=$(systemd-analyze time 2>/dev/null); then
  echo "roost-boot-report: the boot did not finish in 600 s"
  exit 0
fi
{
  echo "roost-boot-report: begin"
  printf '%s\n' "$t" | sed -n 's/^Startup finished in /startup: /p'
  echo "gateway-started-us: $(systemctl show -P ExecMainStartTimestampMonotonic roost.service)"
  echo "blame:"
  systemd-analyze blame --no-pager 2>/dev/null | head -n 15
  echo "critical-chain:"
  # The tree in ASCII: systemd 252 draws it in UTF-8 whatever SYSTEMD_UTF8 says, and the boot test reads the console as bytes.
  systemd-analyze critical-chain --no-pager roost.service 2>/dev/null | sed -n '3,$p' | sed 's/\xe2\x94\x94\xe2\x94\x80/`-/g; s/\xe2\x94\x9c\xe2\x94\x80/|-/g; s/\xe2\x94\x82/|/g'
  echo "roost-boot-report: end"
} | sed 's/^/roost-boot-report| /'
