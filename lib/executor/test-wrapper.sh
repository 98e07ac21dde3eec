# Runs one test attempt on the remote. Needs bash and coreutils only.
#
# usage: bash test-wrapper.sh TEST_DIR FMF_DIR FLAGS TEST_SCRIPT METADATA
#   TEST_DIR     where test.sh and metadata.yaml are (re)written
#   FMF_DIR      the test's directory in the uploaded tree (its working directory)
#   FLAGS        comma-separated: pty, noexitcode
#   TEST_SCRIPT  body of test.sh
#   METADATA     body of metadata.yaml (TMT_TEST_METADATA)
#
# Our stdout is the control stream: it moves to a spare fd (ATEX_TEST_CONTROL)
# and the test's stdout and stderr both go to our stderr.
# Our stdin is the liveness line from the runner: while it stays open the test
# may run. EOF means the runner is gone or wants the test stopped, so the test's
# process group is killed - unless the runner first sent "disconnect SECONDS"
# (the test is about to reboot the system): then the test gets that long to do it.

test_dir=$1 fmf_dir=$2 flags=,$3,

printf '%s' "$4" > "$test_dir/test.sh" && printf '%s' "$5" > "$test_dir/metadata.yaml" || exit 3

exec {control_fd}>&1 1>&2
export ATEX_TEST_CONTROL=$control_fd

cd -- "$fmf_dir" || exit 2

# job control puts the test in a process group of its own, so it and
# everything it leaves behind can be killed at once
set -m
if [[ $flags == *,pty,* ]]; then
    TERM=vt100 script -qefc "stty rows 24 cols 80 2>/dev/null; exec bash $(printf '%q' "$test_dir/test.sh")" /dev/null < /dev/null &
else
    bash "$test_dir/test.sh" < /dev/null &
fi
test_pid=$!

{
    grace=
    while IFS= read -r line; do
        [[ $line == "disconnect "* ]] && grace=${line#disconnect }
    done
    [[ $grace ]] && sleep "$grace"
    kill -KILL -- "-$test_pid"
} <&0 > /dev/null 2>&1 &
watcher_pid=$!

# from here on the wrapper says nothing: bash's own job reports must not
# end up in the test's output
exec 2> /dev/null
trap 'kill -KILL -- "-$test_pid"' TERM HUP INT

while :; do
    wait "$test_pid"
    status=$?
    # a trapped signal interrupts the wait; the trap has killed the test, so
    # the next wait returns its real end
    kill -0 "$test_pid" || break
done

kill -KILL -- "-$test_pid" "-$watcher_pid"
trap '' PIPE
[[ $flags == *,noexitcode,* ]] || printf 'exitcode %d\n' "$status" >&"$control_fd"
exit 0
