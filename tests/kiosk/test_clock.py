"""The device clocks: boot id, NTP state, and the manual clock used in tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from kiosk.timekeeping.clock import ManualClock, SystemClock


def test_system_clock_reads_the_boot_id(tmp_path):
    boot = tmp_path / "boot_id"
    boot.write_text("1234abcd-0000-4000-8000-000000000000\n")
    assert SystemClock(boot_id_path=boot).boot_id() == "1234abcd-0000-4000-8000-000000000000"


def test_system_clock_boot_id_is_the_kernels():
    with open("/proc/sys/kernel/random/boot_id") as f:
        assert SystemClock().boot_id() == f.read().strip()


def test_timesyncd_flag_file_means_synchronised(tmp_path):
    flag = tmp_path / "synchronized"
    flag.touch()
    assert SystemClock(timesync_flag=flag).synchronized() is True


def test_ntp_state_is_cached_then_rechecked(tmp_path):
    flag = tmp_path / "synchronized"
    flag.touch()
    cached = SystemClock(timesync_flag=flag, recheck=3600)
    fresh = SystemClock(timesync_flag=flag, recheck=0)
    assert cached.synchronized() and fresh.synchronized()
    flag.unlink()
    assert cached.synchronized() is True  # within the recheck time: no system call
    assert fresh.synchronized() == SystemClock(timesync_flag=flag, recheck=0)._ask_system()


def test_system_clock_now_is_aware_utc_and_monotonic_grows():
    c = SystemClock()
    assert c.now().tzinfo is UTC
    assert abs(c.now() - datetime.now(UTC)) < timedelta(seconds=1)
    a = c.monotonic_ns()
    assert c.monotonic_ns() >= a


def test_manual_clock_moves_both_clocks_together():
    c = ManualClock(datetime(2026, 3, 1, tzinfo=UTC), monotonic_ns=5)
    c.advance(2.5)
    assert c.now() == datetime(2026, 3, 1, 0, 0, 2, 500000, tzinfo=UTC)
    assert c.monotonic_ns() == 5 + 2_500_000_000


def test_manual_clock_refuses_naive_time():
    with pytest.raises(ValueError, match="timezone-aware"):
        ManualClock(datetime(2026, 3, 1))


def test_the_kernels_ntp_state_looks_for_the_c_library_once(monkeypatch):
    """``find_library`` runs ``ldconfig`` (about 1.4 ms): a press must not pay it each time
    the NTP state is rechecked on a kiosk without systemd-timesyncd."""
    import ctypes.util

    from kiosk.timekeeping import clock

    found = []
    real = ctypes.util.find_library
    monkeypatch.setattr(ctypes.util, "find_library", lambda name: found.append(name) or real(name))
    clock._libc.cache_clear()
    states = [clock._adjtimex_state() for _ in range(3)]
    assert found == ["c"]
    assert all(isinstance(s, int) for s in states)
