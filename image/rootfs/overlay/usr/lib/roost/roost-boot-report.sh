#!/bin/sh
# roost-boot-report.sh: which slot booted (at once, early in the boot), then, once systemd says
# the boot has finished, its timing between markers the boot test parses: the phases, when the
# gateway's process started, the slowest units and the gateway's critical chain.
cmdline=$(cat /proc/cmdline)
# printf, not echo: dash's echo turns the backslashes of systemd-boot's initrd=\roost\a\... into control characters.
slot=$(printf '%s\n' "$cmdline" | sed -n 's/.*roost\.slot=\([ab]\).*/\1/p')
printf 'roost-boot: slot=%s cmdline=%s\n' "$slot" "$cmdline"
n=0
until t=$(systemd-analyze time 2>/dev/null); do
  n=$((n + 1))
  [ "$n" -gt 300 ] && { echo "roost-boot-report: the boot did not finish in 300 s"; exit 0; }
  sleep 1
done
{
  echo "roost-boot-report: begin"
  printf '%s\n' "$t" | sed -n 's/^Startup finished in /startup: /p'
  echo "gateway-started-us: $(systemctl show -P ExecMainStartTimestampMonotonic roost.service)"
  echo "blame:"
  systemd-analyze blame --no-pager 2>/dev/null | head -n 15
  echo "critical-chain:"
  SYSTEMD_UTF8=0 systemd-analyze critical-chain --no-pager roost.service 2>/dev/null | sed -n '3,$p'
  echo "roost-boot-report: end"
} | sed 's/^/roost-boot-report| /'
