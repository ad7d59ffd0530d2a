"""`edgedigits bench --quick` runs end to end and reports well-formed figures (no speed is asserted here:
speed is measured by benchmarks/, never by the test suite)."""

from __future__ import annotations

import json
import math
import subprocess
import sys


def test_bench_quick_json_is_complete():
    result = subprocess.run(
        [sys.executable, "-m", "edgedigits.runtime.cli", "bench", "--quick", "--format", "json"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["model"]["batch1_latency_us"] > 0 and report["model"]["throughput_images_per_s"] > 0
    for case, digits in (("digit", 1), ("scene", 6)):
        stages = report[case]
        assert stages["digits_found"] == digits
        for key in ("decode_ms", "extract_ms", "infer_ms", "total_ms"):
            assert math.isfinite(stages[key]) and stages[key] > 0, (case, key)
        # each stage was timed inside the read that ran it: their sum cannot exceed the whole read by much
        assert stages["decode_ms"] + stages["extract_ms"] + stages["infer_ms"] <= 1.5 * stages["total_ms"] + 0.05
    for key, most in (("line_model", 20), ("orientation_model", 5)):  # the shipped models beside the digit model
        line = report[key]
        assert line["line_192px_latency_us"] > 0 and 0 < line["mflops_per_line_of_8_digits"] <= most, key
    turns = report["digit_orientation_model"]
    assert (
        turns["model"] == "digit-orientation" and turns["six_digits_latency_us"] > 0 and turns["mflops_per_digit"] <= 2
    )
    from edgedigits.runtime.bench import format_text

    text = format_text(report)  # what `edgedigits bench` prints
    assert "orientation model orientation:" in text and "digit-orientation model digit-orientation:" in text
    assert report["folder"]["failed"] == 0 and report["folder"]["classify_images_per_s"] > 0
