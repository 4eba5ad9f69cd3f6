#!/usr/bin/env bats
# After every other suite (tests/run-all runs it last, as its own suite):
# nothing the bats suites made with barco may remain on the host. Each
# suite records its name tag and scratch directory in $BARCO_MADE
# (setup_suite_rootfs in ../bats/helpers.bash); only those count, since
# other test runs on the same host may be busy meanwhile.

load ../bats/helpers

setup_file() {
	MADE=$(barco_made_list)
	export MADE
}

setup() {
	[ -s "$MADE" ] || skip "no suite ran before this one in this bats run"
}

# Alternatives of a regular expression: the tags, or the scratch directories.
made_tags() {
	awk '{ print $1 }' "$MADE" | paste -sd'|'
}

made_roots() {
	awk '{ print $2 }' "$MADE" | sed 's/\./\\./g' | paste -sd'|'
}

@test "no cgroups of the suites remain under barco/" {
	run bash -c 'find /sys/fs/cgroup/barco /sys/fs/cgroup/*/barco -mindepth 1 -maxdepth 1 \
		-type d 2>/dev/null'
	run grep -E "/($(made_tags))-" <<<"$output"
	assert_output ""
}

@test "no state of the suites remains under /run/barco" {
	run bash -c 'find /run/barco -mindepth 1 -maxdepth 1 2>/dev/null'
	run grep -E "/($(made_tags))-" <<<"$output"
	assert_output ""
}

@test "no mounts of the suites' rootfs remain on the host" {
	run grep -E "$(made_roots)" /proc/self/mountinfo
	assert_output ""
}

# /tmp/barco.* that appeared after tests/run-all started (BARCO_TMP_BEFORE).
new_tmp_entries() {
	comm -13 <(printf '%s\n' "${BARCO_TMP_BEFORE:-}" | sed '/^$/d') \
		<(compgen -G '/tmp/barco.*' | sort)
}

@test "no /tmp/barco.* directories were left" {
	run new_tmp_entries
	assert_output ""
}

@test "the suites' scratch directories were removed" {
	local dir
	for dir in $(awk '{ print $2 }' "$MADE"); do
		[ ! -e "$dir" ] || fail "$dir was left"
	done
}

@test "no barco or container processes of the suites remain" {
	run pgrep -a -f -- "$(made_roots)|--name ($(made_tags))-"
	assert_output ""
}
