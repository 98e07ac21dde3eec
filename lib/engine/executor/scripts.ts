import { shellCommand, shellQuote } from '../connection/shell-quote';

/** Loads what earlier tests and prepare scripts left in TMT_PLAN_ENVIRONMENT_FILE (exported). */
const sourcePlanEnvironment = `if [[ -f $TMT_PLAN_ENVIRONMENT_FILE ]]; then
    set -o allexport
    . "$TMT_PLAN_ENVIRONMENT_FILE"
    set +o allexport
fi
`;

/** test.sh: the fmf `test:` body with tmt's strict-mode preamble. */
export function testScript(command: string): string {
  return `#!/bin/bash\n${sourcePlanEnvironment}set -e -o pipefail\n${command}\n`;
}

/** A plan prepare/finish `shell` script, run from the tree root. */
export function planShellScript(script: string, treeDir: string): string {
  return `cd ${shellQuote(treeDir)} || exit 1\n${sourcePlanEnvironment}set -e -o pipefail\n${script}\n`;
}

/**
 * Installs the packages that are missing with whatever package manager the
 * system has (dnf, yum or apt). `required`: any failure fails the script;
 * `recommended`: unavailable packages are skipped.
 */
export function packageInstallScript({ required = [], recommended = [] }: { required?: string[]; recommended?: string[] }): string {
  return `set -e
missing() {
    if command -v rpm >/dev/null; then
        rpm -q --qf '' --whatprovides "$@" 2>&1 | sed -nr -e 's/^no package provides (.+)$/\\1/p' -e 's/^package (.+) is not installed$/\\1/p' -e 's/error: file (.+): No such file or directory$/\\1/p'
    else
        local package
        for package in "$@"; do
            [[ $(dpkg-query -W -f '\${Status}' "$package" 2>/dev/null) == *" installed" ]] || echo "$package"
        done
    fi
}
install() {
    local mode=$1
    shift
    if command -v dnf5 >/dev/null; then
        if [[ $mode == recommended ]]; then dnf -q -y --setopt=install_weak_deps=False install --skip-broken --skip-unavailable "$@"
        else dnf -q -y --setopt=install_weak_deps=False install "$@"; fi
    elif command -v dnf >/dev/null; then
        if [[ $mode == recommended ]]; then dnf -q -y --setopt=install_weak_deps=False install --skip-broken "$@"
        else dnf -q -y --setopt=install_weak_deps=False install "$@"; fi
    elif command -v yum >/dev/null; then
        if [[ $mode == recommended ]]; then yum -q -y install --skip-broken filesystem "$@"
        else yum -q -y install "$@"; fi
    elif command -v apt-get >/dev/null; then
        export DEBIAN_FRONTEND=noninteractive
        # a fresh system may have no package lists yet
        compgen -G '/var/lib/apt/lists/*_Packages' >/dev/null || apt-get -q update >/dev/null
        if [[ $mode == recommended ]]; then
            local package
            for package; do apt-get -q -y --no-install-recommends install "$package" || true; done
        else
            apt-get -q -y --no-install-recommends install "$@"
        fi
    else
        echo "no supported package manager (dnf, yum, apt-get) found" >&2
        exit 1
    fi
}
${installStep('required', required)}${installStep('recommended', recommended)}`;
}

function installStep(mode: 'required' | 'recommended', packages: string[]): string {
  if (!packages.length) return '';
  return `mapfile -t packages < <(missing ${shellCommand(packages)})\nif (( \${#packages[@]} )); then install ${mode} "\${packages[@]}"; fi\n`;
}
