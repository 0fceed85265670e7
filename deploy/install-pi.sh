#!/usr/bin/env bash
# Install (or update, or remove) a Hymiö kiosk on Raspberry Pi OS Bookworm.
#
#   sudo deploy/install-pi.sh              install or update; safe to run again
#   sudo deploy/install-pi.sh --uninstall  remove the program and the units; keep the data
#   sudo deploy/install-pi.sh --root DIR   the same into the system whose root file system
#                                          is DIR (an image's, mounted): it runs there by
#                                          chroot, so everything is at its final path
#   deploy/install-pi.sh --wheel FILE      install that built wheel instead of this checkout
#   sudo deploy/install-pi.sh --enroll URL CODE  and enrol the kiosk at HQ with that code
#   sudo deploy/install-pi.sh --enroll 'LINK'    the same with the enrolment link of the
#                                          code's QR code (hymio-enrol:?hq=…&code=…)
#
# What it does: a `hymio` system user in the gpio, video, input and render groups; a
# virtual environment in /opt/hymio/venv with Hymiö and its `pi` extra (lgpio, Kivy),
# named by the link /opt/hymio/current that the units run (hymio update moves it);
# /etc/hymio/kiosk.toml (mode 0600) from the commented example, only if there is none;
# the data folder /var/lib/hymio; the systemd units hymio-kiosk and hymio-sync, enabled
# (the kiosk takes tty1 from getty), and hymio-update.timer; the GL runtime libraries
# Kivy's wheel loads (libgl1, libegl1, libgles2, libgbm1, and libmtdev1 for touch).
# Settings and data are never overwritten. With --enroll, `hymio enroll` registers the
# kiosk at HQ (as the settings' [device] id: the host name in new settings) and writes
# HQ's address, the token and the store into the settings.
# HYMIO_PIP_ARGS adds options to pip (e.g. --no-deps, or --index-url of a local mirror);
# PYTHON names the interpreter of the virtual environment (default python3).
set -euo pipefail

ROOT=
IN_ROOT=0  # this run is the one inside --root's folder (chroot): no running system
UNINSTALL=0
WHEEL=
ENROLL_URL=
ENROLL_CODE=
ENROLL_LINK=
while [ $# -gt 0 ]; do
    case "$1" in
        --root) ROOT=${2:?--root needs a folder}; shift 2 ;;
        --in-root) IN_ROOT=1; shift ;;
        --wheel) WHEEL=${2:?--wheel needs a file}; shift 2 ;;
        --uninstall) UNINSTALL=1; shift ;;
        --enroll)
            if [[ ${2:-} == hymio-enrol:* ]]; then
                ENROLL_LINK=$2; shift 2; continue
            fi
            if [ $# -lt 3 ]; then
                echo "install-pi.sh: --enroll needs HQ's URL and the enrol code, or the" \
                    "enrolment link (hymio-enrol:?hq=…&code=…)" >&2
                exit 2
            fi
            ENROLL_URL=$2; ENROLL_CODE=$3; shift 3 ;;
        -h|--help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"
                   exit 0 ;;
        *) echo "install-pi.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
    esac
done

SRC=$(cd "$(dirname "$0")/.." && pwd)
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

enter_root() {
    # An image's root file system: this script runs again inside it (chroot), so the
    # virtual environment, its scripts, the user and the units are made where they will
    # be when the image boots, by the image's own tools. A private mount namespace holds
    # /dev, /proc and this checkout for it, and goes with it.
    local r
    if ! r=$(cd "$ROOT" 2>/dev/null && pwd -P); then
        echo "install-pi.sh: --root $ROOT: no such folder" >&2
        exit 2
    fi
    r=${r%/}
    local need missing=()
    for need in /etc/passwd /etc/group /bin/bash; do
        [ -e "$r$need" ] || missing+=("$r$need")
    done
    if [ "${#missing[@]}" -gt 0 ] || [ -z "$r" ]; then
        echo "install-pi.sh: --root $ROOT is not the root file system of a system (no" \
            "${missing[*]:-/}): give the folder an image's root file system is mounted on" >&2
        exit 2
    fi
    local work
    work=$(mktemp -d "$r/tmp/hymio-install.XXXXXX")
    mkdir "$work/src"
    local args=(--in-root)
    [ "$UNINSTALL" -eq 1 ] && args+=(--uninstall)
    [ -n "$ENROLL_URL" ] && args+=(--enroll "$ENROLL_URL" "$ENROLL_CODE")
    [ -n "$ENROLL_LINK" ] && args+=(--enroll "$ENROLL_LINK")
    if [ -n "$WHEEL" ]; then
        cp "$WHEEL" "$work/"
        args+=(--wheel "${work#"$r"}/$(basename "$WHEEL")")
    fi
    local status=0
    # shellcheck disable=SC2016  # the inner bash expands them
    unshare --mount --propagation private -- bash -euc '
        r=$1 src=$2 work=$3; shift 3
        mount --bind "$src" "$work/src"
        for fs in dev proc sys; do
            if [ -d "$r/$fs" ]; then mount --rbind "/$fs" "$r/$fs"; fi
        done
        exec chroot "$r" /bin/bash "${work#"$r"}/src/deploy/install-pi.sh" "$@"
    ' enter-root "$r" "$SRC" "$work" "${args[@]}" || status=$?
    rm -rf "$work"  # the checkout was only mounted there, in the namespace now gone
    exit "$status"
}

# A running system: systemd is PID 1 there (not in an image being built, nor in a chroot).
live() { [ "$IN_ROOT" -eq 0 ] && [ -d /run/systemd/system ]; }

uninstall() {
    if live; then
        systemctl disable --now "${UNITS[@]}" hymio-update.timer 2>/dev/null || true
    else
        systemctl disable "${UNITS[@]}" hymio-update.timer 2>/dev/null || true
    fi
    for unit in "${UNITS[@]}" "${UPDATE_UNITS[@]}"; do
        rm -f "$UNIT_DIR/$unit"
    done
    rm -rf /opt/hymio
    [ -L /usr/local/bin/hymio ] && rm -f /usr/local/bin/hymio
    systemctl enable getty@tty1.service 2>/dev/null || true
    if live; then
        systemctl daemon-reload
        systemctl start getty@tty1.service || true  # the login prompt comes back
    fi
    say "removed the program and the units"
    say "kept: $CONFIG (settings), $DATA (the ratings) and the user $USER_NAME"
}

has_line() {  # has_line FILE NAME: FILE (passwd or group) has an entry NAME
    grep -q "^$2:" "$1" 2>/dev/null
}

install_user() {
    for group in "${GROUPS_NEEDED[@]}"; do
        has_line /etc/group "$group" || groupadd --system "$group"
    done
    if ! has_line /etc/passwd "$USER_NAME"; then
        useradd --system --user-group --home-dir "$DATA" --no-create-home \
            --shell /usr/sbin/nologin --comment "Hymio kiosk" "$USER_NAME"
        say "made the user $USER_NAME"
    fi
    usermod --append --groups "$(IFS=,; echo "${GROUPS_NEEDED[*]}")" "$USER_NAME"
}

install_venv() {
    local python=${PYTHON:-python3}
    if [ ! -x "$VENV/bin/python" ]; then
        "$python" -m venv "$VENV"
    fi
    local what="${SRC}[pi]"
    if [ -n "$WHEEL" ]; then
        what="$(cd "$(dirname "$WHEEL")" && pwd)/$(basename "$WHEEL")[pi]"
    fi
    # shellcheck disable=SC2086  # HYMIO_PIP_ARGS is a list of options
    "$VENV/bin/python" -m pip install --quiet ${HYMIO_PIP_ARGS:-} "$what"
    # The units run $CURRENT/bin/hymio; hymio update points the link at a release in
    # /opt/hymio/releases, and this script points it back at its own install.
    ln -sfn venv "$CURRENT"
    install -d -m 0755 /usr/local/bin
    ln -sfn "$CURRENT/bin/hymio" /usr/local/bin/hymio
    say "installed $("$VENV/bin/hymio" --version) in $VENV (command: hymio)"
}

install_config() {
    install -d -m 0755 /etc/hymio
    install -d -m 0750 -o "$USER_NAME" -g "$USER_NAME" "$DATA"
    if [ -e "$CONFIG" ]; then
        say "kept the settings in $CONFIG"
    else
        local host
        host=$(cat /etc/hostname 2>/dev/null || hostname)
        # The example with this kiosk's name, and HQ left out until you have a token.
        sed -e "s/^id = \"kiosk-1\"/id = \"${host//[^A-Za-z0-9._-]/-}\"/" \
            -e 's/^url = /# url = /' -e 's/^token = /# token = /' \
            "$SRC/kiosk/settings/kiosk.example.toml" > "$CONFIG.new"
        mv "$CONFIG.new" "$CONFIG"
        say "wrote $CONFIG: set [hq] url and token (and the staff PIN: hymio set-pin)"
    fi
    chown "$USER_NAME:$USER_NAME" "$CONFIG"
    chmod 0600 "$CONFIG"
}

enroll() {
    [ -n "$ENROLL_URL$ENROLL_LINK" ] || return 0
    # The id is the settings' [device] id: the host name in a file written above, or the
    # one an installer chose in a file kept.
    if [ -n "$ENROLL_LINK" ]; then
        "$VENV/bin/hymio" enroll --config "$CONFIG" "$ENROLL_LINK"
    else
        "$VENV/bin/hymio" enroll --config "$CONFIG" --hq "$ENROLL_URL" --code "$ENROLL_CODE"
    fi
    chown "$USER_NAME:$USER_NAME" "$CONFIG"
}

install_units() {
    install -d -m 0755 "$UNIT_DIR"
    for unit in "${UNITS[@]}" "${UPDATE_UNITS[@]}"; do
        install -m 0644 "$SRC/systemd/$unit" "$UNIT_DIR/$unit"
    done
    if live; then systemctl daemon-reload; fi
    # The kiosk owns tty1 (its unit conflicts with getty there). Without a running
    # systemd (an image), systemctl makes the same links offline.
    systemctl disable getty@tty1.service 2>/dev/null || true
    systemctl enable "${UNITS[@]}" hymio-update.timer
    if live; then
        systemctl restart "${UNITS[@]}" || say "a unit did not start: run hymio doctor"
        systemctl start hymio-update.timer || true
        if systemctl is-enabled --quiet lightdm.service 2>/dev/null; then
            say "the desktop (lightdm) also wants the screen: sudo raspi-config, System"
            say "Options, Boot, Console; or use Raspberry Pi OS Lite"
        fi
    fi
    say "enabled ${UNITS[*]} hymio-update.timer"
}

if [ -n "$ROOT" ] && [ "$IN_ROOT" -eq 0 ] && [ "$(cd "$ROOT" 2>/dev/null && pwd -P)" != / ]; then
    enter_root  # (--root / is this system: installed as without it)
fi
if [ "$UNINSTALL" -eq 1 ]; then
    uninstall
    exit 0
fi
install_gl() {
    # Kivy's wheel brings SDL2 but loads the system's GL (its GL modules link libGL.so.1:
    # without libgl1 no window provider loads), EGL, GLES and GBM (KMS/DRM), and libmtdev
    # for multitouch (without it Kivy logs a traceback at every start). tests/hymio/test_deploy.py
    # checks this list against what the wheels' libraries need.
    local packages=(libgl1 libegl1 libgles2 libgbm1 libmtdev1)
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${packages[@]}" \
        || say "could not install ${packages[*]}: run apt-get update and try again;" \
               "without them the kiosk does not start"
}

install_user
install_gl
install_venv
install_config
enroll
install_units
say "done. Check it with: sudo hymio doctor"
