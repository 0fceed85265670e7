#!/usr/bin/env bash
# Install (or update, or remove) a Hymiö kiosk on Raspberry Pi OS Bookworm.
#
#   sudo deploy/install-pi.sh              install or update; safe to run again
#   sudo deploy/install-pi.sh --uninstall  remove the program and the units; keep the data
#   deploy/install-pi.sh --root DIR        the same into DIR instead of / (tests, images)
#   deploy/install-pi.sh --wheel FILE      install that built wheel instead of this checkout
#   sudo deploy/install-pi.sh --enroll URL CODE  and enrol the kiosk at HQ with that code
#
# What it does: a `hymio` system user in the gpio, video, input and render groups; a
# virtual environment in /opt/hymio/venv with Hymiö and its `pi` extra (lgpio, Kivy),
# named by the link /opt/hymio/current that the units run (hymio update moves it);
# /etc/hymio/kiosk.toml (mode 0600) from the commented example, only if there is none;
# the data folder /var/lib/hymio; the systemd units hymio-kiosk and hymio-sync, enabled
# (the kiosk takes tty1 from getty), and hymio-update.timer; on the Pi itself, the GL runtime libraries Kivy's
# wheel loads (libgl1, libegl1, libgles2, libgbm1, and libmtdev1 for touch). Settings and data
# are never overwritten. With --enroll, `hymio enroll` registers the kiosk at HQ (as the
# settings' [device] id: the host name in new settings) and writes HQ's address, the token
# and the store into the settings.
# HYMIO_PIP_ARGS adds options to pip (e.g. --no-deps, or --index-url of a local mirror).
set -euo pipefail

ROOT=/
UNINSTALL=0
WHEEL=
ENROLL_URL=
ENROLL_CODE=
while [ $# -gt 0 ]; do
    case "$1" in
        --root) ROOT=${2:?--root needs a folder}; shift 2 ;;
        --wheel) WHEEL=${2:?--wheel needs a file}; shift 2 ;;
        --uninstall) UNINSTALL=1; shift ;;
        --enroll)
            if [ $# -lt 3 ]; then
                echo "install-pi.sh: --enroll needs HQ's URL and the enrol code" >&2
                exit 2
            fi
            ENROLL_URL=$2; ENROLL_CODE=$3; shift 3 ;;
        -h|--help) sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "install-pi.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
    esac
done

SRC=$(cd "$(dirname "$0")/.." && pwd)
R=${ROOT%/}  # prefix of every path below; empty for /
USER_NAME=hymio
GROUPS_NEEDED=(gpio video input render)
VENV=/opt/hymio/venv
CONFIG=/etc/hymio/kiosk.toml
DATA=/var/lib/hymio
UNITS=(hymio-kiosk.service hymio-sync.service)
UPDATE_UNITS=(hymio-update.service hymio-update.timer)
CURRENT=/opt/hymio/current
UNIT_DIR=/etc/systemd/system

say() { printf 'hymio install: %s\n' "$*"; }

if [ "$(id -u)" -ne 0 ]; then
    echo "install-pi.sh: run it as root (sudo $0)" >&2
    exit 1
fi

# Options for useradd, groupadd, usermod and systemctl when not installing into /.
prefix=()
sysctl=(systemctl)
if [ -n "$R" ]; then
    prefix=(--prefix "$R")
    sysctl=(systemctl --root="$R")
fi

uninstall() {
    if [ -z "$R" ]; then
        systemctl disable --now "${UNITS[@]}" hymio-update.timer 2>/dev/null || true
    else
        "${sysctl[@]}" disable "${UNITS[@]}" hymio-update.timer 2>/dev/null || true
    fi
    for unit in "${UNITS[@]}" "${UPDATE_UNITS[@]}"; do
        rm -f "$R$UNIT_DIR/$unit"
    done
    rm -rf "$R/opt/hymio"
    [ -L "$R/usr/local/bin/hymio" ] && rm -f "$R/usr/local/bin/hymio"
    "${sysctl[@]}" enable getty@tty1.service 2>/dev/null || true
    if [ -z "$R" ]; then
        systemctl daemon-reload
        systemctl start getty@tty1.service || true  # the login prompt comes back
    fi
    say "removed the program and the units"
    say "kept: $CONFIG (settings), $DATA (the ratings) and the user $USER_NAME"
}

has_line() {  # has_line FILE NAME: FILE (passwd or group) has an entry NAME
    grep -q "^$2:" "$R$1" 2>/dev/null
}

install_user() {
    for group in "${GROUPS_NEEDED[@]}"; do
        has_line /etc/group "$group" || groupadd "${prefix[@]}" --system "$group"
    done
    if ! has_line /etc/passwd "$USER_NAME"; then
        useradd "${prefix[@]}" --system --user-group --home-dir "$DATA" --no-create-home \
            --shell /usr/sbin/nologin --comment "Hymio kiosk" "$USER_NAME"
        say "made the user $USER_NAME"
    fi
    usermod "${prefix[@]}" --append --groups "$(IFS=,; echo "${GROUPS_NEEDED[*]}")" "$USER_NAME"
}

install_venv() {
    local python=${PYTHON:-python3}
    if [ ! -x "$R$VENV/bin/python" ]; then
        "$python" -m venv "$R$VENV"
    fi
    local what="${SRC}[pi]"
    if [ -n "$WHEEL" ]; then
        what="$(cd "$(dirname "$WHEEL")" && pwd)/$(basename "$WHEEL")[pi]"
    fi
    # shellcheck disable=SC2086  # HYMIO_PIP_ARGS is a list of options
    "$R$VENV/bin/python" -m pip install --quiet ${HYMIO_PIP_ARGS:-} "$what"
    # The units run $CURRENT/bin/hymio; hymio update points the link at a release in
    # /opt/hymio/releases, and this script points it back at its own install.
    ln -sfn venv "$R$CURRENT"
    install -d -m 0755 "$R/usr/local/bin"
    ln -sfn "$CURRENT/bin/hymio" "$R/usr/local/bin/hymio"
    say "installed $("$R$VENV/bin/hymio" --version) in $VENV (command: hymio)"
}

install_config() {
    install -d -m 0755 "$R/etc/hymio"
    install -d -m 0750 -o "$(uid_of "$USER_NAME")" -g "$(gid_of "$USER_NAME")" "$R$DATA"
    if [ -e "$R$CONFIG" ]; then
        say "kept the settings in $CONFIG"
    else
        local host
        host=$(cat "$R/etc/hostname" 2>/dev/null || hostname)
        # The example with this kiosk's name, and HQ left out until you have a token.
        sed -e "s/^id = \"kiosk-1\"/id = \"${host//[^A-Za-z0-9._-]/-}\"/" \
            -e 's/^url = /# url = /' -e 's/^token = /# token = /' \
            "$SRC/kiosk/settings/kiosk.example.toml" > "$R$CONFIG.new"
        mv "$R$CONFIG.new" "$R$CONFIG"
        say "wrote $CONFIG: set [hq] url and token (and the staff PIN: hymio set-pin)"
    fi
    chown "$(uid_of "$USER_NAME"):$(gid_of "$USER_NAME")" "$R$CONFIG"
    chmod 0600 "$R$CONFIG"
}

uid_of() { awk -F: -v n="$1" '$1 == n { print $3 }' "$R/etc/passwd"; }
gid_of() { awk -F: -v n="$1" '$1 == n { print $4 }' "$R/etc/passwd"; }

enroll() {
    [ -n "$ENROLL_URL" ] || return 0
    # The id is the settings' [device] id: the host name in a file written above, or the
    # one an installer chose in a file kept.
    "$R$VENV/bin/hymio" enroll --config "$R$CONFIG" --hq "$ENROLL_URL" --code "$ENROLL_CODE"
    chown "$(uid_of "$USER_NAME"):$(gid_of "$USER_NAME")" "$R$CONFIG"
}

install_units() {
    install -d -m 0755 "$R$UNIT_DIR"
    for unit in "${UNITS[@]}" "${UPDATE_UNITS[@]}"; do
        install -m 0644 "$SRC/systemd/$unit" "$R$UNIT_DIR/$unit"
    done
    [ -z "$R" ] && systemctl daemon-reload
    # The kiosk owns tty1 (its unit conflicts with getty there).
    "${sysctl[@]}" disable getty@tty1.service 2>/dev/null || true
    "${sysctl[@]}" enable "${UNITS[@]}" hymio-update.timer
    if [ -z "$R" ]; then
        systemctl restart "${UNITS[@]}" || say "a unit did not start: run hymio doctor"
        systemctl start hymio-update.timer || true
        if systemctl is-enabled --quiet lightdm.service 2>/dev/null; then
            say "the desktop (lightdm) also wants the screen: sudo raspi-config, System"
            say "Options, Boot, Console; or use Raspberry Pi OS Lite"
        fi
    fi
    say "enabled ${UNITS[*]} hymio-update.timer"
}

if [ "$UNINSTALL" -eq 1 ]; then
    uninstall
    exit 0
fi
install_gl() {
    # Kivy's wheel brings SDL2 but loads the system's GL (its GL modules link libGL.so.1:
    # without libgl1 no window provider loads), EGL, GLES and GBM (KMS/DRM), and libmtdev
    # for multitouch (without it Kivy logs a traceback at every start). tests/test_deploy.py
    # checks this list against what the wheels' libraries need.
    local packages=(libgl1 libegl1 libgles2 libgbm1 libmtdev1)
    if [ -n "$R" ]; then
        say "into $ROOT: install ${packages[*]} on the Pi itself (apt-get)"
        return
    fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${packages[@]}" \
        || say "could not install ${packages[*]}: run apt-get update and try again"
}

install_user
install_gl
install_venv
install_config
enroll
install_units
say "done. Check it with: sudo hymio doctor --config $CONFIG"
