#!/bin/sh
# Rebuilds profiles/FOGRA39-reportpress.icc from Fogra's FOGRA39L characterisation data with
# ArgyllCMS. Needs Debian's icc-profiles-free (the data) and argyll (colprof):
#   apt-get install -y icc-profiles-free argyll
# Takes about two minutes on two cores. See README.md beside this file.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
out=${1:-$here/FOGRA39-reportpress.icc}
data=/usr/share/color/icc/FOGRA39L.ti3
source=/usr/share/color/argyll/ref/sRGB.icm
for need in "$data" "$source"; do
  [ -f "$need" ] || { echo "missing $need: apt-get install -y icc-profiles-free argyll" >&2; exit 1; }
done
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp "$data" "$work/FOGRA39L.ti3"
colprof -v -qm -kr -l 300 -L 95 -S "$source" -c mt -d pp \
  -A "reportpress" -D "Coated FOGRA39 (reportpress build)" \
  -C "Built with ArgyllCMS colprof from FOGRA39L characterization data (Fogra; icc-profiles-free, zlib licence). No warranty." \
  -O "$work/out.icc" "$work/FOGRA39L" > "$work/colprof.log" 2>&1 || { cat "$work/colprof.log" >&2; exit 1; }
grep -E "ink limit|Profile check" "$work/colprof.log"
cp "$work/out.icc" "$out"
echo "wrote $out"
