# The per-remote test agent: started once by FmfExecutor (one command on the
# remote for as long as the connection lasts), it runs one test attempt per
# request. Needs bash and coreutils only.
#
# Why an agent: a new command per test costs an SSH session (sshd forks, the
# login shell reads its rc files) or a container exec (create, start, inspect:
# three API round trips and a conmon); the agent pays that once.
#
# Streams (those of the one command the agent runs as):
#   stdin   requests, one line each, evaluated: `run_test TOKEN SCRIPT FMF_DIR
#           FLAGS [NAME=VALUE...]`, before a test's first attempt on this
#           system `write_files PATH CONTENT [PATH CONTENT...]` (its script
#           and metadata, written only here: a test runs on few of the
#           systems, and each file costs; into an existing folder, as bash
#           alone cannot make one);
#           while a test runs, `stop` (kill it now) or
#           `disconnect SECONDS` (it is about to reboot the system: on EOF give
#           it that long). EOF ends the agent (and a running test).
#   stdout  the control streams: a test's ATEX_TEST_CONTROL fd is this stream.
#           After the test it carries `exitcode N` (unless FLAGS has noexitcode)
#           and then the end marker TOKEN followed by 3 digits (the attempt's
#           own status: 0 ran, 2 no FMF_DIR, 3 no SCRIPT) and `\n`.
#   stderr  the test's stdout and stderr; after the test, TOKEN and `\n`.
# TOKEN is fresh for every attempt and never shown to the test, so the runner
# can split the streams wherever the test left them (mid-line, mid-file).
#
# SCRIPT is the test's script (from write_files); FMF_DIR is the test's
# working directory; FLAGS is comma-separated: pty, noexitcode.

exec {control_fd}>&1 {output_fd}>&2 1>/dev/null 2>/dev/null
start_dir=$PWD
test_pid= watcher_pid=

# job control puts each test in a process group of its own, so it and
# everything it leaves behind can be killed at once
set -m

# killed (or hung up) with a test running: take it down, then go
trap '[[ $test_pid ]] && kill -KILL -- "-$test_pid" "-$watcher_pid"; exit 1' TERM HUP INT

end_attempt() {
    printf '%s%03d\n' "$token" "$1" >&"$control_fd"
    printf '%s\n' "$token" >&"$output_fd"
}

# a failure shows in the attempt that follows: no script
write_files() {
    while (( $# >= 2 )); do
        printf '%s' "$2" > "$1" || return
        shift 2
    done
}

run_test() {
    local token=$1 script=$2 fmf_dir=$3 flags=,$4, status
    shift 4
    if [[ ! -f $script ]]; then
        end_attempt 3
        return
    fi
    if ! cd -- "$fmf_dir"; then
        end_attempt 2
        return
    fi
    if [[ $flags == *,pty,* ]]; then
        (
            export ATEX_TEST_CONTROL=$control_fd OLDPWD=$start_dir "$@"
            TERM=vt100 exec script -qefc "stty rows 24 cols 80 2>/dev/null; exec bash $(printf '%q' "$script")" /dev/null
        ) < /dev/null >&"$output_fd" 2>&1 {output_fd}>&- &
    else
        (
            export ATEX_TEST_CONTROL=$control_fd OLDPWD=$start_dir "$@"
            exec bash "$script"
        ) < /dev/null >&"$output_fd" 2>&1 {output_fd}>&- &
    fi
    test_pid=$!

    # the rest of stdin, until the test ends, is about this test
    {
        grace= stop=
        while IFS= read -r line; do
            case $line in
                stop) stop=1; break ;;
                "disconnect "*) grace=${line#disconnect } ;;
            esac
        done
        [[ ! $stop && $grace ]] && sleep "$grace"
        kill -KILL -- "-$test_pid"
    } <&0 {control_fd}>&- {output_fd}>&- &
    watcher_pid=$!

    while :; do
        wait "$test_pid"
        status=$?
        # a trapped signal interrupts the wait; the next wait returns the real end
        kill -0 "$test_pid" || break
    done
    kill -KILL -- "-$test_pid" "-$watcher_pid"
    wait "$watcher_pid"
    test_pid= watcher_pid=
    [[ $flags == *,noexitcode,* ]] || printf 'exitcode %d\n' "$status" >&"$control_fd"
    end_attempt 0
}

while IFS= read -r request; do
    case $request in
        "run_test "* | "write_files "*) eval "$request" ;;
    esac
done
