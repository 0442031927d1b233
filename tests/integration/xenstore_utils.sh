#!/bin/bash
# xenstore_utils.sh - Debian's xenstore-utils tools (xenstore-read, -write,
# -ls, -list, -rm, -exists, -chmod, -watch) and Xen's xenstore-control work
# against our daemon unchanged: same output, same exit status as with Xen's
# C xenstored (PROTOCOL.md §1, §2, §4.2).
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/helpers/protocol.sh"

start_xenstored || { fail "daemon starts"; done_testing; exit 1; }

# --- write / read ---------------------------------------------------------
assert_cmd "xenstore-write several keys at once" \
	xenstore-write /u/a 1 /u/b "two words" /u/c/d deep
assert_eq "xenstore-read several keys" $'1\ntwo words' "$(xenstore-read /u/a /u/b 2>&1)"
assert_eq "xenstore-read -p prefixes the key" $'/u/a: 1\n/u/c/d: deep' \
	"$(xenstore-read -p /u/a /u/c/d 2>&1)"
assert_eq "write created the missing parent /u/c with an empty value" "" \
	"$(xenstore-read /u/c 2>&1)"
out=$(xenstore-read /u/nope 2>&1); rc=$?
assert_eq "xenstore-read of a missing key fails (status 1)" \
	"1 xenstore-read: couldn't read path /u/nope" "$rc $out"
xenstore-write /u/esc 'x\x41y'
assert_eq "xenstore-write unescapes \\x41, read -R shows the raw bytes" "xAy" \
	"$(xenstore-read -R /u/esc)"
xenstore-write -R /u/raw 'x\x41y'
assert_eq "xenstore-write -R stores the backslash" 'x\x41y' "$(xenstore-read -R /u/raw)"
assert_eq "xenstore-read escapes it again" 'x\\x41y' "$(xenstore-read /u/raw)"
xenstore-write /u/empty ""
assert_eq "an empty value reads back empty" "" "$(xenstore-read /u/empty 2>&1)"

# --- list / ls ------------------------------------------------------------
assert_eq "xenstore-list gives the children in creation order" \
	$'a\nb\nc\nesc\nraw\nempty' "$(xenstore-list /u 2>&1)"
assert_eq "xenstore-list -p gives full paths" \
	$'/u/a\n/u/b\n/u/c\n/u/esc\n/u/raw\n/u/empty' "$(xenstore-list -p /u 2>&1)"
assert_eq "xenstore-ls prints the subtree" \
	"$(printf '%s\n' 'a = "1"' 'b = "two words"' 'c = ""' ' d = "deep"' \
		'esc = "xAy"' 'raw = "x\\x41y"' 'empty = ""')" "$(xenstore-ls /u 2>&1)"
assert_eq "xenstore-ls -f prints full paths" \
	"$(printf '%s\n' '/u/a = "1"' '/u/b = "two words"' '/u/c = ""' '/u/c/d = "deep"' \
		'/u/esc = "xAy"' '/u/raw = "x\\x41y"' '/u/empty = ""')" "$(xenstore-ls -f /u 2>&1)"
assert_eq "xenstore-ls / starts with the initial tree" \
	"$(printf '%s\n' 'tool = ""' ' xenstored = ""')" "$(xenstore-ls / 2>&1 | head -2)"

# --- chmod and ls -p --------------------------------------------------------
assert_cmd "xenstore-chmod sets four permissions" xenstore-chmod /u/a n0 r3 w4 b5
assert_eq "xenstore-ls -p shows them, dotted to column 63" \
	'a = "1"  . . . . . . . . . . . . . . . . . . . . . . . . . .  (n0,r3,w4,b5)' \
	"$(xenstore-ls -p /u 2>&1 | head -1)"
assert_eq "xenstore-ls -fp shows them after the full path" \
	'/u/a = "1"   (n0,r3,w4,b5)' "$(xenstore-ls -fp /u 2>&1 | head -1)"
assert_eq "a created node inherits its parent's permissions" \
	'/u/c/d = "deep"   (n0)' "$(xenstore-ls -fp /u/c 2>&1)"
assert_cmd "xenstore-chmod -r changes the whole subtree" xenstore-chmod -r /u b0
assert_eq "every node of the subtree is now b0" "7 7" \
	"$(xenstore-ls -fp /u | wc -l) $(xenstore-ls -fp /u | grep -c '(b0)$')"
xenstore-chmod /u/c n0 r7
xenstore-write /u/c/new v
assert_eq "a node created later copies the parent's whole list" \
	'/u/c/new = "v"   (n0,r7)' "$(xenstore-ls -fp /u/c | grep new)"
assert_fails "xenstore-chmod of a missing node fails" xenstore-chmod /u/missing n0

# --- exists / rm ------------------------------------------------------------
assert_cmd "xenstore-exists of an existing key" xenstore-exists /u/a
assert_fails "xenstore-exists of a missing key" xenstore-exists /u/zz
assert_cmd "xenstore-rm of a leaf" xenstore-rm /u/c/d
assert_fails "the leaf is gone" xenstore-exists /u/c/d
assert_cmd "xenstore-rm of a missing node whose parent exists succeeds" xenstore-rm /u/zz
out=$(xenstore-rm /zz/yy 2>&1); rc=$?
assert_eq "xenstore-rm of a node whose parent is missing fails" \
	"1 xenstore-rm: could not remove path /zz/yy" "$rc $out"
xenstore-write /u/t1/t2/t3 v
assert_cmd "xenstore-rm -t removes the node and its now empty parents" \
	xenstore-rm -t /u/t1/t2/t3
assert_fails "the emptied parent /u/t1 is gone too" xenstore-exists /u/t1
assert_cmd "xenstore-rm of a whole subtree" xenstore-rm /u
assert_fails "the subtree root is gone" xenstore-exists /u
assert_fails "and so are its descendants" xenstore-exists /u/c/new

# --- relative paths (socket clients live in /local/domain/0) ----------------
xenstore-write rel/x 5
assert_eq "a relative write lands under /local/domain/0" 5 \
	"$(xenstore-read /local/domain/0/rel/x 2>&1)"
assert_eq "a relative read finds it" 5 "$(xenstore-read rel/x 2>&1)"
xenstore-rm rel

# --- a directory listing longer than one message (DIRECTORY_PART) ------------
names=()
for i in $(seq -w 1 300); do names+=("/big/child-with-a-long-name-$i" x); done
xenstore-write "${names[@]}"
assert_eq "xenstore-list of a 300-child directory (8400 bytes of names)" \
	"300 child-with-a-long-name-001 child-with-a-long-name-300" \
	"$(xenstore-list /big | wc -l) $(xenstore-list /big | head -1) $(xenstore-list /big | tail -1)"
assert_eq "xenstore-ls of it" 300 "$(xenstore-ls /big | wc -l)"
xenstore-rm /big

# --- xenstore-watch -----------------------------------------------------------
# The watcher's first line is the initial event every watch gets when it
# is registered: once it has been read, the watch is in place.
watch_open /w -n 3
assert_eq "xenstore-watch prints the initial event first" /w "$WATCH_FIRST"
xenstore-write /w/x 1
xenstore-write /w/y 2
watch_line l2; watch_line l3
assert_eq "xenstore-watch -n 3 /w gets the events of two writes by other clients" \
	"/w/x /w/y" "$l2 $l3"
if [ -n "$l3" ]; then
	wait "$WATCH_PID"; rc=$?
	assert_eq "xenstore-watch -n 3 exits 0 after the third event" 0 "$rc"
	exec {WATCH_FD}<&-
else
	fail "xenstore-watch -n 3 exits 0 after the third event (it never got it)"
	watch_close
fi

xenstore-write /w/x/sub v
watch_open /w/x/sub -n 2
xenstore-rm /w
watch_line l2
assert_eq "removing an ancestor fires the watch of a deleted descendant with its own path" \
	"/w/x/sub /w/x/sub" "$WATCH_FIRST $l2"
watch_close

watch_open rel -n 2
xenstore-write /local/domain/0/rel/k v
watch_line l2
assert_eq "a relative watch reports relative paths" "rel rel/k" "$WATCH_FIRST $l2"
watch_close
xenstore-rm rel

# --- xenstore-control ------------------------------------------------------------
CTL=
if have_peers; then CTL=$(peer_bin xenstore-control); fi
if [ -z "$CTL" ] || [ ! -x "$CTL" ]; then
	skip "xenstore-control" "no Xen peers (tests/peers/peers.sh setup failed)"
	done_testing; exit
fi
ctl() { "$CTL" "$@" 2>&1; }

out=$(ctl help); rc=$?
assert_eq "xenstore-control help succeeds" 0 "$rc"
cmds=$(echo "$out" | cut -f1 | grep -v '^ ' | sort | tr '\n' ' ')
for c in check help log memreport print quota quota-soft; do
	if [[ " $cmds " == *" $c "* ]]; then ok "help lists '$c'"; else
		fail "help lists '$c'"; echo "#   listed: $cmds"; fi
done

assert_eq "xenstore-control quota prints the settings like C xenstored" \
	"$(printf '%s\n' 'Quota settings:' \
		'nodes            :     1000 Nodes per domain' \
		'watches          :      128 Watches per domain' \
		'transactions     :       10 Transactions per domain' \
		'outstanding      :       20 Outstanding requests per domain' \
		'transaction-nodes:     1024 Max. number of accessed nodes per transaction' \
		'memory           :  2621440 Total Xenstore memory per domain (error level)' \
		'node-size        :     2048 Max. size of a node' \
		'path-max         :     2048 Max. length of a node path' \
		'permissions      :        5 Max. number of permissions per node')" \
	"$(ctl quota)"
assert_eq "xenstore-control quota set nodes 500" OK "$(ctl quota set nodes 500)"
assert_eq "the new value shows in quota" 'nodes            :      500 Nodes per domain' \
	"$(ctl quota | grep '^nodes')"
assert_eq "quota set permissions 7 (xenstore-control's name)" OK \
	"$(ctl quota set permissions 7)"
assert_eq "it shows as permissions" 'permissions      :        7 Max. number of permissions per node' \
	"$(ctl quota | grep '^permissions')"
ctl quota set nodes 1000 >/dev/null; ctl quota set permissions 5 >/dev/null
out=$(ctl quota set bogus 5); rc=$?
assert_eq "quota set of an unknown quota fails with status 3" 3 "$rc"
out=$(ctl quota set nodes); rc=$?
assert_eq "quota set without a value fails with status 3" 3 "$rc"
assert_eq "xenstore-control quota 0 reports domain 0" "Domain 0:" "$(ctl quota 0 | head -1)"
assert_eq "xenstore-control quota-soft" \
	"$(printf '%s\n' 'Quota settings:' \
		'memory           :  2097152 Total Xenstore memory per domain (warning level)')" \
	"$(ctl quota-soft)"
assert_eq "quota-soft set memory 3000000" OK "$(ctl quota-soft set memory 3000000)"
assert_eq "the new soft value shows" 'memory           :  3000000 Total Xenstore memory per domain (warning level)' \
	"$(ctl quota-soft | sed -n 2p)"
ctl quota-soft set memory 2097152 >/dev/null

assert_eq "xenstore-control check finds the store consistent" OK "$(ctl check)"
assert_eq "xenstore-control print" OK "$(ctl print hello-from-xenstore-utils-test)"
if grep -q 'control: hello-from-xenstore-utils-test' "$XSD_RUN/daemon.log"; then
	ok "print writes 'control: <text>' to the daemon's log"
else
	fail "print writes 'control: <text>' to the daemon's log"
	sed 's/^/#   /' "$XSD_RUN/daemon.log" | tail -5
fi
out=$(ctl memreport); rc=$?
# Deliberate difference (docs/DIFFERENCES.md): the report is the reply,
# where C xenstored writes a talloc report to its trace file.
if [ $rc -eq 0 ] && [ -n "$out" ]; then ok "xenstore-control memreport returns a report"; else
	fail "xenstore-control memreport returns a report"
	echo "rc=$rc $out" | sed 's/^/#   /'
fi
out=$(ctl log on); rc=$?
assert_eq "xenstore-control log on" "0 OK" "$rc $out"
out=$(ctl log off); rc=$?
assert_eq "xenstore-control log off" "0 OK" "$rc $out"

out=$(ctl no-such-command); rc=$?
assert_eq "an unknown command fails with status 3" 3 "$rc"
assert_eq "and prints 'Command not supported' with the help text" \
	"Command not supported. Valid commands are:" "$(echo "$out" | head -1)"
if [ "$(echo "$out" | tail -n +2)" == "$(ctl help)" ]; then
	ok "the text after it is exactly the help output"
else
	fail "the text after it is exactly the help output"
fi

if daemon_alive; then ok "daemon still running"; else fail "daemon still running"; fi
done_testing
