#!/usr/bin/env bats
# OCI bundles through barco's own stages: `barco spec`, `barco run --bundle`,
# `barco step --bundle` (issue 16). The lifecycle commands engines call
# (create, start, state, kill, delete) are not here yet.

load helpers

setup_file() { setup_suite_rootfs; }
teardown_file() { teardown_suite_rootfs; }
teardown() { stop_background; }

# bundle DIR [PYTHON]: `barco spec` in DIR with root.path = $ROOTFS, then
# PYTHON run on the parsed config as `c` (e.g. c["process"]["args"] = [...]).
bundle() {
	local dir=$1 edit=${2:-}
	mkdir -p "$dir"
	"$BARCO" spec --bundle "$dir" || fail "barco spec --bundle $dir failed"
	edit_config "$dir" "c['root']['path'] = '$ROOTFS'; $edit"
}

edit_config() {
	python3 -c "import json, sys
p = sys.argv[1] + '/config.json'
c = json.load(open(p))
$2
json.dump(c, open(p, 'w'), indent=1)" "$1" || fail "editing $1/config.json failed"
}

@test "barco spec writes a config.json of barco's defaults and never overwrites it" {
	local dir=$TEST_ROOT/spec-$BATS_TEST_NUMBER
	mkdir -p "$dir"
	run_barco spec --bundle "$dir"
	assert_success
	assert_output ""
	run python3 -c "import json, sys
c = json.load(open(sys.argv[1]))
print(c['ociVersion'], c['root']['path'], c['process']['args'], c['hostname'])
print(sorted(n['type'] for n in c['linux']['namespaces']))
print(c['linux']['uidMappings'], len(c['process']['capabilities']['bounding']))
print([m['destination'] for m in c['mounts']])" "$dir/config.json"
	assert_success
	assert_line --index 0 "1.1.0 rootfs ['sh'] barco"
	assert_line --index 1 "['cgroup', 'ipc', 'mount', 'network', 'pid', 'user', 'uts']"
	assert_line --index 2 "[{'containerID': 0, 'hostID': 100000, 'size': 65536}] 14"
	assert_line --index 3 "['/proc', '/dev', '/dev/pts', '/dev/shm', '/dev/mqueue', '/sys', '/tmp']"
	cp "$dir/config.json" "$dir/before"
	run_barco spec --bundle "$dir"
	assert_failure 1
	assert_equal "${#stderr_lines[@]}" 1
	assert_equal "$stderr" "barco: $dir/config.json exists: remove it first"
	cmp "$dir/config.json" "$dir/before"
}

@test "run --bundle: args, env and cwd exactly as config.json gives them" {
	local dir=$TEST_ROOT/b-$BATS_TEST_NUMBER
	bundle "$dir" "c['process']['args'] = ['sh', '-c', 'env | sort; pwd; exit 7']
c['process']['env'] = ['PATH=/bin:/sbin', 'ONLY=this']
c['process']['cwd'] = '/tmp'"
	run_barco -7 run --bundle "$dir" --name "$(cname)"
	show_stderr
	assert_output "ONLY=this
PATH=/bin:/sbin
PWD=/tmp
SHLVL=1
/tmp"
	assert_nothing_left "$(cname)"
}

@test "run --bundle of barco spec's bundle gets what barco run gets: mounts, caps, maps, hostname" {
	local dir=$TEST_ROOT/b-$BATS_TEST_NUMBER
	local show='grep -E "^Cap(Eff|Bnd)" /proc/self/status; cat /proc/self/uid_map; awk "{print \$5, \$9}" /proc/self/mountinfo | sort'
	bundle "$dir" "c['process']['args'] = ['sh', '-c', '''$show''']"
	run_barco run --bundle "$dir" --name "$(cname b)"
	show_stderr
	assert_success
	local from_bundle=$output
	run_in --name "$(cname r)" -- sh -c "$show"
	assert_success
	assert_equal "$from_bundle" "$output"
	assert_line --partial "CapEff:	$DEFAULT_CAPS"
	edit_config "$dir" "c['process']['args'] = ['hostname']"
	run_barco run --bundle "$dir" --name "$(cname h)"
	assert_success
	assert_output "barco"
	assert_nothing_left "$(cname b)" "$(cname r)" "$(cname h)"
}

@test "run --bundle of a runc spec bundle: its namespaces, caps, rlimits, read-only root" {
	command -v runc >/dev/null || skip "runc is not installed (the reference bundle comes from 'runc spec')"
	local dir=$TEST_ROOT/runc-$BATS_TEST_NUMBER
	mkdir -p "$dir"
	(cd "$dir" && runc spec) || fail "runc spec failed"
	edit_config "$dir" "c['root']['path'] = '$ROOTFS'
c['process']['terminal'] = False
c['process']['args'] = ['sh', '-c', 'hostname; grep CapEff /proc/self/status; ulimit -n; cat /proc/self/uid_map; touch /x 2>&1; exit 3']"
	# No user namespace in runc's default bundle: container root is host root.
	# The rootfs is barco's own busybox, not an untrusted image.
	run_barco -3 run --bundle "$dir" --name "$(cname)"
	show_stderr
	assert_line --index 0 "runc"
	assert_line --index 1 "CapEff:	0000000020000420"
	assert_line --index 2 "1024"
	assert_line --index 3 --regexp '^ +0 +0 +4294967295$'
	assert_line --index 4 --partial "Read-only file system"
	assert_nothing_left "$(cname)"
}

@test "step --bundle pauses a bundle's container at a stage, and it runs to the end from there" {
	local dir=$TEST_ROOT/b-$BATS_TEST_NUMBER n
	n=$(cname)
	bundle "$dir" "c['process']['args'] = ['sh', '-c', 'echo stepped; exit 4']"
	run_barco step --bundle "$dir" --name "$n" --until=mounts
	show_stderr
	assert_success
	assert_output --partial "paused $n after mounts"
	run_barco -4 step "$n" --until=exec
	assert_output --partial "stepped"
	assert_nothing_left "$n"
}

@test "a config.json barco cannot apply: one line naming the JSON path, status 125, nothing left" {
	local dir=$TEST_ROOT/b-$BATS_TEST_NUMBER n
	n=$(cname)
	bundle "$dir" "c['linux']['namespaces'].append({'type': 'foo'})"
	run_barco run --bundle "$dir" --name "$n"
	assert_failure 125
	assert_equal "${#stderr_lines[@]}" 1
	assert_equal "$stderr" 'barco: config.json: linux.namespaces[7].type: unknown namespace type "foo"'
	edit_config "$dir" "c['linux']['namespaces'].pop(); c['process']['user']['uid'] = 1
c['process']['capabilities']['ambient'] = ['CAP_KILL']"
	run_barco run --bundle "$dir" --name "$n"
	assert_failure 125
	assert_output ""
	assert_equal "$stderr" "barco: config.json: process.capabilities.ambient: barco applies an empty set yet (a set other than that is not supported)"
	assert_nothing_left "$n"
}

@test "a relative root.path that leads out of the bundle is refused, also through a symbolic link" {
	local dir=$TEST_ROOT/b-$BATS_TEST_NUMBER
	bundle "$dir" "c['root']['path'] = '../../etc'"
	run_barco run --bundle "$dir" --name "$(cname)"
	assert_failure 125
	assert_equal "$stderr" 'barco: config.json: root.path: "../../etc" leads out of the bundle'
	ln -s / "$dir/rootfs"
	edit_config "$dir" "c['root']['path'] = 'rootfs'"
	run_barco run --bundle "$dir" --name "$(cname)"
	assert_failure 125
	assert_equal "$stderr" "barco: config.json: root.path: 'rootfs' leads out of the bundle (to '/'), through a symbolic link"
	assert_nothing_left "$(cname)"
}

@test "--bundle takes no command and none of the options config.json sets" {
	local dir=$TEST_ROOT/b-$BATS_TEST_NUMBER
	bundle "$dir"
	run_barco run --bundle "$dir" -- echo hi
	assert_failure 125
	assert_equal "$stderr" "barco: barco run --bundle: the command is config.json's process.args; 'echo' is one too many"
	run_barco run --bundle "$dir" --rootfs "$ROOTFS"
	assert_failure 125
	assert_equal "$stderr" "barco: --rootfs: with --bundle, config.json sets this (edit it instead)"
	run_barco run --bundle "$TEST_ROOT/none"
	assert_failure 125
	assert_equal "$stderr" "barco: bundle '$TEST_ROOT/none': No such file or directory"
}
