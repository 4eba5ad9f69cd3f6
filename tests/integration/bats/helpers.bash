# Shared helpers for barco's bats suites. Each suite does:
#
#   load helpers
#   setup_file()    { setup_suite_rootfs; }
#   teardown_file() { teardown_suite_rootfs; }
#   teardown()      { stop_background; }
#
# and runs containers on $ROOTFS (a busybox rootfs made by `barco rootfs
# create`, with bin/barco-testhelper installed), naming every container
# with `cname` so that whatever a test leaves behind can be found by name.

bats_require_minimum_version 1.5.0

# bats-support and bats-assert, sourced file by file rather than through
# their load.bash, which runs dirname(1) for each file: fifteen fork+execs
# in every test's process, most of a trivial test's cost under the VM's
# software emulation (about 1 s a test there, 0.1 s on a host).
for lib in /usr/lib/bats/bats-support/src/{output,error,lang}.bash /usr/lib/bats/bats-assert/src/*.bash; do
	# shellcheck source=/dev/null
	source "$lib" || fail "cannot source $lib (bats-support, bats-assert)"
done
unset lib

# This file is tests/integration/bats/helpers.bash, whoever loads it.
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)
# BARCO_BIN: another barco to test, e.g. the one a package installed (vm/init).
BARCO=${BARCO_BIN:-$REPO/bin/barco}
HELPER=$REPO/bin/barco-testhelper
# What both suites compute of this host (cgroup directories, capability mask).
HOST_FACTS=$REPO/tests/integration/host-facts

# The default idmap puts container root at this host uid (and gid).
MAPPED_ROOT=100000
# CapEff/CapBnd of container root with the default allowlist.
DEFAULT_CAPS=00000000a80425fb
# Seconds one barco invocation may take before the test gives up on it.
BARCO_TIMEOUT=${BARCO_TIMEOUT:-30}

# ---- per-file setup -------------------------------------------------------

# The list of what the suites made: $BARCO_MADE, shared with the leftovers
# check that tests/run-all runs last (after-all/), or one per bats run.
barco_made_list() {
	echo "${BARCO_MADE:-$BATS_RUN_TMPDIR/barco-made}"
}

require_binaries() {
	[ -x "$BARCO" ] || fail "no $BARCO: run 'make bin/barco'"
	[ -x "$HELPER" ] || fail "no $HELPER: run 'make bin/barco-testhelper'"
}

# A world-traversable scratch directory (the container's root is an
# unprivileged host uid and must be able to reach the rootfs; bats' own
# temporary directories are 0700), a rootfs with the helper, and a tag that
# prefixes every container name in this file.
setup_suite_rootfs() {
	require_binaries
	TEST_ROOT=$(mktemp -d /tmp/barco-it.XXXXXX)
	chmod 0755 "$TEST_ROOT"
	ROOTFS=$TEST_ROOT/rootfs
	export TEST_ROOT ROOTFS
	export BARCO_HOME=$TEST_ROOT/home
	export TAG="bt${RANDOM}$(basename "$BATS_TEST_FILENAME" .bats | tr -cd 'a-z0-9' | cut -c1-12)"
	# What this file makes, for after-all/leftovers.bats to check at the end of the run.
	printf '%s %s\n' "$TAG" "$TEST_ROOT" >>"$(barco_made_list)"
	"$BARCO" rootfs create "$ROOTFS" >/dev/null || fail "barco rootfs create $ROOTFS failed"
	install_helper "$ROOTFS"
	tmp_barco_snapshot >"$TEST_ROOT/tmp-before"
}

# rootfs_without_name_files [DIR]: a copy of $ROOTFS at DIR (default: one of
# this test's own in $TEST_ROOT) without /etc/hosts, /etc/hostname and
# /etc/resolv.conf, which `barco rootfs create` ships: there --net makes
# the mount points of its binds (stages/net_names.h). Prints DIR. A test
# runs on it with ROOTFS=$(rootfs_without_name_files) (not `local ROOTFS`
# first, which would empty the $ROOTFS it copies).
rootfs_without_name_files() {
	local dir=${1:-$TEST_ROOT/rootfs-nonames-${BATS_TEST_NUMBER:-0}}
	cp -a "$ROOTFS" "$dir" || fail "cp -a $ROOTFS $dir failed"
	rm -f "$dir/etc/hosts" "$dir/etc/hostname" "$dir/etc/resolv.conf"
	echo "$dir"
}

# lists_mount_point NAME PATH: the container's "mountpoints" lists PATH (a root container: its
# state is in /run/barco).
lists_mount_point() {
	grep -q " $2\$" "/run/barco/$1/mountpoints" 2>/dev/null
}

# shared_name_files_case START: --net containers A and B at once on a
# rootfs without the name files, each started by `START NAME CMD...` (in
# the background, its barco last in BG_PIDS). B binds over the mount
# points A made and lists them too; A leaves, and B still reads its own
# hostname, resolv.conf and hosts (after /go appears in the rootfs; 60 s
# at most); once both are gone, so are the mount points.
shared_name_files_case() {
	local start=$1 a b a_pid b_pid f
	a=$(cname a)
	b=$(cname b)
	ROOTFS=$(rootfs_without_name_files)
	"$start" "$a" /bin/sh -c 'trap "exit 0" TERM; sleep 60 & wait'
	a_pid=${BG_PIDS[-1]}
	# A runs its command: its binds, over the mount points it made, are there.
	wait_init_pid "$a" sh
	# shellcheck disable=SC2016 # expanded in the container
	"$start" "$b" /bin/sh -c 'i=0; while [ ! -e /go ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i + 1)); done
		cat /etc/hostname; [ -s /etc/resolv.conf ] && echo resolv.conf bound; grep -c localhost /etc/hosts'
	b_pid=${BG_PIDS[-1]}
	wait_init_pid "$b" sh
	for f in hosts hostname resolv.conf; do
		lists_mount_point "$a" "$ROOTFS/etc/$f" && lists_mount_point "$b" "$ROOTFS/etc/$f" ||
			fail "$a and $b do not both list $ROOTFS/etc/$f: $(cat /run/barco/{"$a","$b"}/mountpoints "$TEST_ROOT/out.$b.err")"
	done
	kill -TERM "$a_pid"
	wait_barco "$a_pid"
	assert_equal "$BG_STATUS" 0
	for f in hosts hostname resolv.conf; do
		[ -e "$ROOTFS/etc/$f" ] || fail "$a took the mount point $f that $b binds over"
	done
	touch "$ROOTFS/go"
	wait_barco "$b_pid"
	BG_PIDS=()
	run cat "$TEST_ROOT/out.$b"
	assert_equal "$BG_STATUS" 0
	assert_line --index 0 "$b"
	assert_line --index 1 "resolv.conf bound"
	assert_line --index 2 2
	for f in hosts hostname resolv.conf; do
		[ ! -e "$ROOTFS/etc/$f" ] || fail "the mount point $ROOTFS/etc/$f was left"
	done
	assert_nothing_left "$a" "$b"
}

# Copies the helper into a rootfs, owned by the uid container root maps to.
install_helper() {
	install -m 0755 -o "$MAPPED_ROOT" -g "$MAPPED_ROOT" "$HELPER" "$1/bin/barco-testhelper"
}

teardown_suite_rootfs() {
	stop_background
	# Only the directory this file made, and only if it looks like one.
	case "${TEST_ROOT:-}" in
	/tmp/barco-it.??????) rm -rf --one-file-system "$TEST_ROOT" ;;
	esac
}

# ---- test users (rootless.bats, slirp.bats) ------------------------------------

# make_test_users PREFIX SUB_BASE: two users of this file's (remove_test_users
# removes them): RANGED with a subordinate range of its own, from SUB_BASE
# on, far from root's default map (100000) and from what useradd hands out
# (each file its own SUB_BASE: the files run in parallel), SINGLE without
# one; a home each in $TEST_ROOT; USER_BARCO, a barco they can run (a tree
# in a home of 0700, CI's fresh root, they cannot reach: then a copy of its
# bin/; an installed barco is used as is).
make_test_users() {
	local u
	RANGED=$1${RANDOM}r
	SINGLE=$1${RANDOM}s
	SUB_START=$(($2 + (RANDOM % 1000) * 65536))
	useradd -M -K SUB_UID_COUNT=0 -K SUB_GID_COUNT=0 -s /usr/sbin/nologin "$RANGED"
	useradd -M -K SUB_UID_COUNT=0 -K SUB_GID_COUNT=0 -s /usr/sbin/nologin "$SINGLE"
	usermod --add-subuids "$SUB_START-$((SUB_START + 65535))" \
		--add-subgids "$SUB_START-$((SUB_START + 65535))" "$RANGED"
	RANGED_UID=$(id -u "$RANGED")
	SINGLE_UID=$(id -u "$SINGLE")
	export RANGED SINGLE SUB_START RANGED_UID SINGLE_UID
	printf '%s %s\n' "$RANGED" "$SINGLE" >"$TEST_ROOT/users"
	for u in "$RANGED" "$SINGLE"; do
		install -d -m 0700 -o "$u" -g "$u" "$TEST_ROOT/home-$u"
	done
	export USER_BARCO="$BARCO"
	if ! runuser -u "$SINGLE" -- test -x "$BARCO"; then
		cp -a "$(dirname "$BARCO")" "$TEST_ROOT/bin"
		chmod 755 "$TEST_ROOT/bin"
		USER_BARCO="$TEST_ROOT/bin/barco"
	fi
}

no_process_of() {
	! pgrep -u "$1" >/dev/null
}

# remove_test_users: what make_test_users made, with the users' processes and state.
remove_test_users() {
	local u
	for u in ${RANGED:-} ${SINGLE:-}; do
		pkill -KILL -u "$u" 2>/dev/null || true
		rm -rf --one-file-system "/tmp/barco-$(id -u "$u")"
		# userdel(8) refuses a user with processes, zombies included.
		wait_until 20 no_process_of "$u" || true
		userdel "$u" || echo "# userdel $u failed: remove it by hand" >&3
	done
}

# fetch URL: an HTTP GET from the test's network namespace, $TEST_NETNS (bounded: 3 s).
fetch() {
	nsenter --net="/run/netns/$TEST_NETNS" /usr/bin/python3 -c \
		"import urllib.request, sys; print(urllib.request.urlopen(sys.argv[1], timeout=3).read().decode().strip())" "$1"
}

# assert_served NAME HOST:PORT...: each answers with NAME's page (HTTPD_CMD's).
assert_served() {
	local n=$1 at
	shift
	for at in "$@"; do
		run fetch "http://$at/"
		[ "$status" = 0 ] && [ "$output" = "hello from $n" ] ||
			fail "http://$at/: status $status, '$output', not 'hello from $n'"
	done
}

# refute_served HOST:PORT...: nothing answers at any of them.
refute_served() {
	local at
	for at in "$@"; do
		run fetch "http://$at/"
		[ "$status" != 0 ] || fail "http://$at/ answered: $output"
	done
}

# A container's pid 1 that serves "hello from HOSTNAME" on port 80 until SIGTERM.
# shellcheck disable=SC2016 # expanded in the container
HTTPD_CMD='trap "exit 0" TERM; mkdir -p /tmp/www && echo "hello from $HOSTNAME" >/tmp/www/index.html && httpd -f -p 80 -h /tmp/www & wait'

# A container name unique to this file and test: cname [SUFFIX].
cname() {
	echo "${TAG}-${BATS_TEST_NUMBER}${1:+-$1}"
}

# ---- running barco ----------------------------------------------------------

# run_barco [-N] ARGS...: runs barco with a timeout; $output is stdout,
# $stderr and $stderr_lines hold stderr. -N: the status expected (as bats'
# run -N), which tells bats that 127 is meant, not a missing command.
run_barco() {
	local expect=()
	if [[ ${1:-} =~ ^-[0-9]+$ ]]; then
		expect=("$1")
		shift
	fi
	run "${expect[@]}" --separate-stderr timeout -k 5 "$BARCO_TIMEOUT" "$BARCO" "$@"
}

# run_in [-N] ARGS... -- CMD...: `barco run --rootfs $ROOTFS ARGS -- CMD`.
run_in() {
	local expect=()
	if [[ ${1:-} =~ ^-[0-9]+$ ]]; then
		expect=("$1")
		shift
	fi
	run_barco "${expect[@]}" run --rootfs "$ROOTFS" "$@"
}

# Prints stderr when a test fails, next to bats' own report of $output.
show_stderr() {
	[ -n "${stderr:-}" ] && printf 'stderr: %s\n' "$stderr" >&2
	return 0
}

BG_PIDS=()

# start_barco OUT ARGS...: barco in the background, stdout in OUT, stderr in
# OUT.err; sets BG_PID. fd 3 is closed so bats does not wait for it.
start_barco() {
	local out=$1
	shift
	"$BARCO" "$@" >"$out" 2>"$out.err" 3>&- &
	BG_PID=$!
	BG_PIDS+=("$BG_PID")
}

# start_sleeper NAME [RUN OPTIONS...]: `barco run` in the background (BG_PID)
# of a container whose command sleeps (SLEEPER_SECONDS, default 300: the
# test ends it); returns once its pid 1 runs, with its host pid in INIT_PID.
start_sleeper() {
	local n=$1
	shift
	start_barco "$TEST_ROOT/out.$n" run --rootfs "$ROOTFS" --name "$n" "$@" -- \
		barco-testhelper sleep "${SLEEPER_SECONDS:-300}"
	wait_init_pid "$n" barco-testhelper
}

# Waits for a background barco; sets BG_STATUS.
wait_barco() {
	local pid=$1
	BG_STATUS=0
	wait "$pid" || BG_STATUS=$?
}

# forward_case SIGNAL NUMBER [RUN OPTIONS...]: sigwait in a container,
# SIGNAL sent to barco; the command must get it (signals.bats, init.bats).
forward_case() {
	local sig=$1 num=$2 n out
	shift 2
	n=$(cname "$sig")
	out=$TEST_ROOT/out.$n
	start_barco "$out" run --rootfs "$ROOTFS" --name "$n" "$@" -- barco-testhelper sigwait
	wait_until 30 file_has_line "$out" ready || fail "no 'ready' from sigwait: $(cat "$out.err")"
	kill -"$sig" "$BG_PID"
	wait_barco "$BG_PID"
	assert_equal "$BG_STATUS" $((100 + num))
	run cat "$out"
	assert_line "signal=SIG$sig"
	assert_nothing_left "$n"
}

# Ends the barco processes this test started and that still run: TERM, then KILL.
stop_background() {
	local pid
	for pid in "${BG_PIDS[@]}"; do
		kill -0 "$pid" 2>/dev/null || continue
		kill -TERM "$pid" 2>/dev/null
		# 10 s: a loaded machine can take seconds to clean up (slirp4netns's own exit).
		wait_until 10 not_running "$pid" || kill -KILL "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null || true
	done
	BG_PIDS=()
}

not_running() {
	! kill -0 "$1" 2>/dev/null
}

# is_stopped PID: the process is in state T (stopped by a signal).
is_stopped() {
	[[ $(awk '/^State:/ { print $2 }' "/proc/$1/status" 2>/dev/null) == T ]]
}

# wait_until SECONDS CMD...: polls CMD every 50 ms.
wait_until() {
	local limit=$(($1 * 20)) i
	shift
	for ((i = 0; i < limit; i++)); do
		"$@" && return 0
		sleep 0.05
	done
	return 1
}

file_has_line() {
	grep -qx -- "$2" "$1" 2>/dev/null
}

# ---- cgroups ---------------------------------------------------------------

is_cgroup_v2() {
	[ -f /sys/fs/cgroup/cgroup.controllers ]
}

# cgroup_dir NAME CONTROLLER: the container's cgroup for a controller
# (memory, cpu, pids; "unified" for the cgroup2 tree on a hybrid host).
cgroup_dir() {
	"$HOST_FACTS" cgroup-dirs "$1" | awk -v role="$2" '$1 == role { print $2 }'
}

# Every cgroup directory barco may have made for NAME.
cgroup_dirs_for() {
	"$HOST_FACTS" existing-cgroup-dirs "$1"
}

# The host pids in the container's cgroup.
container_procs() {
	local d procs
	# cgroup files report size 0: read them to know whether they hold anything.
	for d in $(cgroup_dirs_for "$1"); do
		procs=$(cat "$d/cgroup.procs" 2>/dev/null)
		if [ -n "$procs" ]; then
			echo "$procs"
			return 0
		fi
	done
	return 1
}

# container_init_pid NAME [COMM]: the host pid of the container's pid 1,
# once it runs COMM (the first 15 characters of the command's name).
container_init_pid() {
	local p nspid
	for p in $(container_procs "$1"); do
		nspid=$(awk '/^NSpid:/ { print $NF }' "/proc/$p/status" 2>/dev/null)
		[ "$nspid" = 1 ] || continue
		if [ -z "${2:-}" ] || [ "$(cat "/proc/$p/comm" 2>/dev/null)" = "${2:0:15}" ]; then
			echo "$p"
			return 0
		fi
	done
	return 1
}

# wait_init_pid NAME [COMM]: waits (up to 30 s: a slow start under emulation
# with other suites running is still a start) and sets INIT_PID.
wait_init_pid() {
	wait_until 30 container_init_pid "$@" || fail "container $1 never ran ${2:-its command}"
	INIT_PID=$(container_init_pid "$@")
}

# ---- what must not be left behind ---------------------------------------------

# /tmp/barco.* directories (the original leaked one per run).
tmp_barco_snapshot() {
	compgen -G '/tmp/barco.*' | sort || true
}

# Prints everything that remains of container NAME; nothing when clean.
leftovers_for() {
	local n=$1
	cgroup_dirs_for "$n" | sed 's/^/cgroup /'
	[ -e "/run/barco/$n" ] && echo "state /run/barco/$n"
	pgrep -a -f -- "$n" | sed 's/^/process /'
	return 0
}

# Mounts in this (the host's) mount namespace that involve the test's files.
host_mounts_of_test() {
	grep -F -- "$TEST_ROOT" /proc/self/mountinfo || true
}

# assert_nothing_left NAME...: no cgroup, state, process or mount remains,
# and no /tmp/barco.* appeared.
assert_nothing_left() {
	local n left=""
	for n in "$@"; do
		left+=$(leftovers_for "$n")
	done
	left+=$(host_mounts_of_test)
	left+=$(comm -13 "$TEST_ROOT/tmp-before" <(tmp_barco_snapshot))
	[ -z "$left" ] || fail "left behind: $left"
}

# ---- host and kernel facts -------------------------------------------------------

# skip_unless FEATURE: skips the test, saying why, when this host lacks it.
skip_unless() {
	case $1 in
	cgroup-memory | cgroup-pids | cgroup-cpu)
		local c=${1#cgroup-}
		if is_cgroup_v2; then
			grep -qw "$c" /sys/fs/cgroup/cgroup.controllers ||
				skip "cgroup v2 controller $c not enabled"
		else
			[ -d "/sys/fs/cgroup/$c" ] || skip "cgroup v1 controller $c not mounted"
		fi
		;;
	no-swap)
		[ "$(awk '/^SwapTotal:/ { print $2 }' /proc/meminfo)" = 0 ] ||
			skip "swap is enabled: a memory limit alone need not kill"
		;;
	userns)
		[ "$(cat /proc/sys/user/max_user_namespaces 2>/dev/null || echo 0)" -gt 0 ] ||
			skip "user namespaces disabled (user.max_user_namespaces = 0)"
		;;
	legacy-tiocsti)
		[ "$(cat /proc/sys/dev/tty/legacy_tiocsti 2>/dev/null || echo 1)" = 1 ] ||
			skip "dev.tty.legacy_tiocsti = 0: the kernel itself refuses TIOCSTI"
		;;
	*)
		fail "skip_unless: unknown feature $1"
		;;
	esac
}

# The host's namespace of a kind, as a link text ("mnt:[4026531841]").
host_ns() {
	readlink "/proc/self/ns/$1"
}

# Capability mask with every capability this kernel knows, as /proc prints it.
all_caps_mask() {
	"$HOST_FACTS" caps-mask
}
