#!/usr/bin/env bash
# Run a command and print its wall time and how busy the whole machine was meanwhile (from
# /proc/stat, so processes that `time` does not count - Chromium's, started by Playwright's driver and
# never waited for by the test process - are counted too). Not a test: run it by hand, on an otherwise
# idle machine, e.g.
#
#     bench/busy.sh .venv/bin/python -m pytest -n 2 --dist worksteal -q tests/e2e
#
# Near 100 % busy, more workers cannot make the command faster on this machine; well below it, they can.
set -u
if [ $# -eq 0 ]; then
    echo "usage: bench/busy.sh COMMAND [ARGUMENT ...]" >&2
    exit 2
fi
busy_and_total() {
    read -r _cpu user nice system idle iowait irq softirq steal _rest < /proc/stat
    echo "$((user + nice + system + irq + softirq + steal)) $((user + nice + system + idle + iowait + irq + softirq + steal))"
}
read -r busy0 total0 <<< "$(busy_and_total)"
start=$(date +%s.%N)
"$@"
status=$?
read -r busy1 total1 <<< "$(busy_and_total)"
end=$(date +%s.%N)
python3 - "$start" "$end" "$busy0" "$busy1" "$total0" "$total1" "$(getconf CLK_TCK)" <<'PY'
import sys
start, end, busy0, busy1, total0, total1, hertz = map(float, sys.argv[1:])
ticks = busy1 - busy0
print(f"wall {end - start:.0f} s; machine busy {ticks / max(total1 - total0, 1):.0%} of its cores "
      f"({ticks / hertz:.0f} core-seconds)")
PY
exit "$status"
