#!/usr/bin/env bash
# A fixture directory added after the build shows up in `ctest -R fixture_`
# with no CMake edit and no rebuild, runs, and lands in the merged junit.xml.
# Usage: ctest_discovery_test.sh <build-dir> <probe-suite-dir> <fixture-to-copy> <junit.xsd>
set -euo pipefail
build=$1 suite=$2 template=$3 xsd=$4
name="probe_$$_${RANDOM}"
trap 'rm -rf "${suite:?}/${name}"' EXIT
cp -r "$template" "$suite/$name"

listed=$(ctest --test-dir "$build" -N -R "^fixture_${name}\$")
grep -q "fixture_${name}" <<<"$listed" || { echo "not discovered:"; echo "$listed"; exit 1; }

ctest --test-dir "$build" -R "^fixture_${name}\$" --output-on-failure
junit="$build/agent-replay-report/discovery_probe/junit.xml"
grep -q "fixture_${name}" "$junit" || { echo "fixture_${name} missing from $junit"; exit 1; }
xmllint --noout --schema "$xsd" "$junit"
echo "discovered, ran and reported fixture_${name} without a rebuild"
