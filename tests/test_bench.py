"""`edgedigits bench --quick` runs end to end and reports well-formed figures (no speed is asserted here:
speed is measured by benchmarks/, never by the test suite)."""

from __future__ import annotations

import json
import math
import subprocess
import sys


def test_bench_quick_json_is_complete():
    result = subprocess.run([sys.executable, "-m", "edgedigits.runtime.cli", "bench", "--quick", "--format", "json"],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["model"]["batch1_latency_us"] > 0 and report["model"]["throughput_images_per_s"] > 0
    for case in ("digit", "scene"):
        stages = report[case]
        assert stages["digits_found"] >= 1
        for key in ("decode_ms", "detect_ms", "normalize_ms", "infer_ms", "total_ms"):
            assert math.isfinite(stages[key]) and stages[key] >= 0, (case, key)
    assert report["folder"]["failed"] == 0 and report["folder"]["classify_images_per_s"] > 0
