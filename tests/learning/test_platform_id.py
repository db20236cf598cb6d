"""Tests of the numerics fingerprint (wavetheory.learning.platform_id)."""

import pytest

from wavetheory.learning import platform_id as pid

X86 = """processor\t: 0
vendor_id\t: AuthenticAMD
cpu family\t: 25
model\t\t: 17
model name\t: AMD EPYC
stepping\t: 1
flags\t\t: fpu sse avx2 avx512f

processor\t: 1
model name\t: Something Else
"""
ARM = """processor\t: 0
Features\t: fp asimd evtstrm
CPU implementer\t: 0x41
CPU part\t: 0xd0c
CPU revision\t: 1
"""


def test_cpu_model_tells_generations_apart_behind_one_model_name():
    a = pid.cpu_model(X86)
    assert a.startswith("AMD EPYC [25/17/1, flags ") and "Something" not in a  # the first processor only
    assert pid.cpu_model(X86.replace("model\t\t: 17", "model\t\t: 1")) != a  # another generation, same name
    assert pid.cpu_model(X86.replace("avx512f", "")) != a  # other instruction sets
    assert pid.cpu_model(X86.replace("fpu sse avx2", "avx2 sse fpu")) == a  # flag order does not matter
    assert "0x41/0xd0c/1" in pid.cpu_model(ARM)


def test_cpu_model_without_cpuinfo_falls_back(monkeypatch):
    monkeypatch.setattr(pid.platform, "processor", lambda: "")
    assert pid.cpu_model("") == "unknown"
    monkeypatch.setattr(pid.platform, "processor", lambda: "arm")
    assert pid.cpu_model("") == "arm"


def test_fingerprint_has_every_field_and_a_stable_hash():
    fp = pid.fingerprint()
    assert tuple(fp) == pid.FIELDS and all(isinstance(v, str) and v for v in fp.values())
    assert pid.fingerprint() == fp  # the same machine twice
    h = pid.fingerprint_hash(fp)
    assert len(h) == 12 and int(h, 16) >= 0
    assert pid.fingerprint_hash(dict(reversed(list(fp.items())))) == h  # key order does not matter
    assert pid.fingerprint_hash(dict(fp, torch="0.0")) != h
    with pytest.raises(TypeError, match="fp"):
        pid.fingerprint_hash(["not", "a", "dict"])


def test_same_numerics_only_for_an_equal_complete_fingerprint():
    fp = pid.fingerprint()
    assert pid.same_numerics(dict(fp))
    assert pid.same_numerics(dict(fp, extra="ignored"))
    for other in (None, {}, "x", dict(fp, cpu_model="Another CPU"), {k: v for k, v in fp.items() if k != "python"}):
        assert not pid.same_numerics(other), other
