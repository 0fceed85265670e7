"""The guest: QEMU under KVM, reached by ssh through a forwarded port and by its monitor.

Loopback only: QEMU's user-mode network forwards 127.0.0.1:<port> to the guest's ssh, and
the guest reaches the host's 127.0.0.1 as 10.0.2.2 (the HQ the rig starts). Every start is
bounded by a timeout, and the process is killed when the rig ends, whatever happened.
"""

from __future__ import annotations

import contextlib
import json
import os
import shlex
import socket
import subprocess
import time
from pathlib import Path

from field.image import FIELD, log, nice, run, ssh_key

HOST_FROM_GUEST = "10.0.2.2"  # QEMU user networking: the host's loopback


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def accel() -> list[str]:
    """KVM where it runs a stock kernel; else QEMU's own translator (TCG).

    This machine's /dev/kvm is PVM (kvm_pvm: a hypervisor inside a VM without nested
    virtualisation), which runs only kernels built as PVM guests; Debian's kernel hangs
    there right after its decompressor. HYMIO_FIELD_ACCEL=kvm or tcg overrides the choice.
    """
    choice = os.environ.get("HYMIO_FIELD_ACCEL")
    if choice is None:
        pvm = Path("/sys/module/kvm_pvm").exists()
        choice = "kvm" if Path("/dev/kvm").exists() and not pvm else "tcg"
    if choice == "kvm":
        return ["-accel", "kvm", "-cpu", "host"]
    return ["-accel", "tcg,thread=multi", "-cpu", "max"]


class Guest:
    """One QEMU process running a copy-on-write overlay of the base disk."""

    def __init__(self, base: Path, kernel: Path, initrd: Path, name: str = "run"):
        self.base, self.kernel, self.initrd = base, kernel, initrd
        self.disk = FIELD / f"{name}.qcow2"
        self.serial = FIELD / f"{name}-serial.log"
        self.monitor = FIELD / f"{name}-monitor.sock"
        self.qmp = FIELD / f"{name}-qmp.sock"
        self.port = free_port()
        self.proc: subprocess.Popen | None = None

    # -- the machine -----------------------------------------------------------------

    def create_disk(self) -> None:
        """A fresh overlay: every run starts from the same base image."""
        self.disk.unlink(missing_ok=True)
        run(["qemu-img", "create", "-q", "-f", "qcow2", "-F", "raw", "-b", str(self.base),
             str(self.disk)])  # fmt: skip

    def start(self) -> None:
        self.monitor.unlink(missing_ok=True)
        self.qmp.unlink(missing_ok=True)
        cmd = nice([
            "qemu-system-x86_64", *accel(), "-m", "2048", "-smp", "2",
            "-kernel", str(self.kernel), "-initrd", str(self.initrd),
            # the last console is /dev/console (the serial log); tty1 is the kiosk's
            "-append", "root=/dev/vda rw console=tty1 console=ttyS0 net.ifnames=1",
            "-drive", f"file={self.disk},if=virtio,format=qcow2",
            "-device", "virtio-gpu-pci",  # a DRM card (virtio_gpu), drawn by Mesa's llvmpipe
            "-device", "virtio-tablet-pci",  # the touchscreen: absolute pointer events
            "-netdev", f"user,id=net0,hostfwd=tcp:127.0.0.1:{self.port}-:22",
            "-device", "virtio-net-pci,netdev=net0",
            "-display", "none", "-vga", "none",
            "-serial", f"file:{self.serial}",
            "-monitor", f"unix:{self.monitor},server,nowait",
            "-qmp", f"unix:{self.qmp},server,nowait",  # input-send-event: the tablet's taps
        ])  # fmt: skip
        log(f"boot: ssh on 127.0.0.1:{self.port}, serial log {self.serial}")
        self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL)

    def kill(self) -> None:
        """The end of the guest, however the run went."""
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(timeout=30)
        self.proc = None

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def wait_ssh(self, timeout: float = 600) -> float:
        """Seconds until the guest answers on ssh; fails after *timeout*."""
        started = time.monotonic()
        while time.monotonic() - started < timeout:
            if not self.alive():
                raise RuntimeError(f"QEMU ended; see {self.serial}")
            if self.ssh("true", check=False, timeout=15).returncode == 0:
                return time.monotonic() - started
            time.sleep(2)
        raise TimeoutError(f"no ssh after {timeout:.0f} s; see {self.serial}")

    def wait_down(self, timeout: float = 90) -> None:
        """Until ssh stops answering (the guest went down for a reboot)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.ssh("true", check=False, timeout=5).returncode != 0:
                return
            time.sleep(1)
        raise TimeoutError("the guest did not go down")

    # -- talking to it ---------------------------------------------------------------

    def ssh_cmd(self) -> list[str]:
        return [
            "ssh", "-q", "-i", str(ssh_key()), "-p", str(self.port),
            "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
            "-o", "ConnectTimeout=5", "-o", "BatchMode=yes", "root@127.0.0.1",
        ]  # fmt: skip

    def ssh(
        self, command: str, *, check: bool = True, timeout: float = 120, stdin: bytes | None = None
    ) -> subprocess.CompletedProcess:
        """*command* in the guest's root shell; its output as text."""
        try:
            result = subprocess.run(
                [*self.ssh_cmd(), command],
                input=stdin,
                capture_output=True,
                timeout=timeout,
                check=False,
            )
        except subprocess.TimeoutExpired:
            if check:
                raise
            return subprocess.CompletedProcess(command, 255, b"", b"timeout")
        result.stdout = result.stdout.decode(errors="replace")
        result.stderr = result.stderr.decode(errors="replace")
        if check and result.returncode != 0:
            raise RuntimeError(
                f"guest: {command!r} exited {result.returncode}\n{result.stdout}{result.stderr}"
            )
        return result

    def put(self, local: Path, remote: str) -> None:
        """Copy a host folder's files (or one file) to *remote* in the guest."""
        tar = ["tar", "-C", str(local.parent), "-cf", "-", local.name]
        packed = subprocess.run(tar, capture_output=True, check=True).stdout
        self.ssh(
            f"mkdir -p {shlex.quote(remote)} && tar -C {shlex.quote(remote)} -xf -",
            stdin=packed,
            timeout=300,
        )

    def monitor_command(self, command: str, timeout: float = 30) -> str:
        """One command on QEMU's human monitor; what it printed."""
        with socket.socket(socket.AF_UNIX) as sock:
            sock.settimeout(timeout)
            sock.connect(str(self.monitor))
            sock.recv(4096)  # the banner and prompt
            sock.sendall(command.encode() + b"\n")
            out = b""
            with contextlib.suppress(TimeoutError, OSError):
                while b"(qemu)" not in out.split(b"\n", 1)[-1]:
                    chunk = sock.recv(4096)
                    if not chunk:
                        break
                    out += chunk
        return out.decode(errors="replace")

    def qmp_command(self, command: str, arguments: dict | None = None, timeout: float = 30):
        """One command on QEMU's machine protocol (QMP); its ``return``."""
        with socket.socket(socket.AF_UNIX) as sock:
            sock.settimeout(timeout)
            sock.connect(str(self.qmp))
            lines = sock.makefile("rb")

            def send(name: str, args: dict | None = None) -> dict:
                message = {"execute": name, **({"arguments": args} if args else {})}
                sock.sendall(json.dumps(message).encode() + b"\n")
                while True:  # events (with "event") may come before the answer
                    answer = json.loads(lines.readline())
                    if "return" in answer:
                        return answer["return"]
                    if "error" in answer:
                        raise RuntimeError(f"QMP {name}: {answer['error']}")

            json.loads(lines.readline())  # the greeting
            send("qmp_capabilities")
            return send(command, arguments)

    def tap(self, x: float, y: float, size: tuple[int, int]) -> None:
        """A finger on the tablet (virtio-tablet-pci) at pixel (*x*, *y*) of a screen of
        *size*: the pointer moves there, the button goes down and, a moment later, up.
        QEMU's absolute axes run from 0 to 0x7fff across the screen.

        The pointer comes from a pixel away: the kernel drops an absolute position equal
        to the last one, and SDL knows the pointer only from the moves it reads, so a tap
        where the last one was, after the kiosk restarted, would land where SDL's pointer
        starts (0, 0)."""
        top = 0x7FFF

        def at(px: float, py: float) -> list[dict]:
            return [
                {"type": "abs", "data": {"axis": "x", "value": round(px * top / (size[0] - 1))}},
                {"type": "abs", "data": {"axis": "y", "value": round(py * top / (size[1] - 1))}},
            ]

        def button(down: bool) -> list[dict]:
            return [{"type": "btn", "data": {"down": down, "button": "left"}}]

        self.qmp_command("input-send-event", {"events": at(x - 1, y - 1)})
        time.sleep(0.3)
        self.qmp_command("input-send-event", {"events": at(x, y)})
        time.sleep(0.3)
        self.qmp_command("input-send-event", {"events": at(x, y) + button(True)})
        time.sleep(0.3)
        self.qmp_command("input-send-event", {"events": at(x, y) + button(False)})

    def screendump(self, png: Path) -> Path:
        """The virtio GPU's scan-out (what the display shows) as a PNG."""
        png.unlink(missing_ok=True)
        self.monitor_command(f"screendump {png} -f png")
        deadline = time.monotonic() + 10
        while not png.exists() and time.monotonic() < deadline:
            time.sleep(0.2)
        return png

    def power_off_hard(self) -> None:
        """Pulling the plug: QEMU quits at once, the guest's caches unwritten."""
        with contextlib.suppress(OSError):
            self.monitor_command("quit", timeout=5)
        if self.proc is not None:
            self.proc.wait(timeout=30)
            self.proc = None
