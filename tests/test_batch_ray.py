"""edgedigits batch on Ray Data: a real local Ray instance (2 CPUs, 127.0.0.1) and a real two-node cluster on
this machine (ray.cluster_utils.Cluster). No mocks: Ray schedules, retries and restarts for real."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from batchdata import check_ctrl_c_midway, check_max_pixels, fed_pipe, make_archive, non_utf8_folder, records, summary

from edgedigits.runtime import batch
from edgedigits.runtime.batch import read_archive, read_records

# Every node on 127.0.0.1 (Ray would otherwise resolve this machine to its network interface's address).
os.environ.setdefault("RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER", "0")
ray = pytest.importorskip("ray", reason="the [ray] extra is not installed (make test installs it)")
if os.environ.get("CI") == "true":
    assert ray is not None  # CI installs the extra: a missing Ray fails there rather than skips


@pytest.fixture(scope="module")
def archive(tmp_path_factory, mnist_test):
    folder = tmp_path_factory.mktemp("archive") / "in"
    return folder, make_archive(folder, mnist_test.images, n=300)


def _ray_runs_here() -> bool:
    """Is a Ray cluster (a gcs_server process) running on this machine? ``--address auto`` would join it."""
    for entry in os.listdir("/proc"):
        try:
            if entry.isdigit() and b"gcs_server" in Path(f"/proc/{entry}/cmdline").read_bytes():
                return True
        except OSError:
            continue
    return False


def test_address_auto_with_no_cluster_running_is_a_clear_error(archive, tmp_path):
    """--address auto on a machine where no Ray cluster runs: exit 2 and a message saying to start one (it was
    Ray's ConnectionError traceback, exit 1, which also means 'an input failed')."""
    if ray.is_initialized() or _ray_runs_here():
        pytest.skip("a Ray cluster runs on this machine: --address auto would join it")
    cmd = [sys.executable, "-m", "edgedigits.runtime.cli", "batch", archive[1][0], "--out", str(tmp_path / "o")]
    done = subprocess.run(cmd + ["--engine", "ray", "--address", "auto"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 2, done.stderr
    assert "--address auto: no running Ray cluster found" in done.stderr and "ray start --head" in done.stderr
    assert "Traceback" not in done.stderr


def test_address_auto_with_a_stale_address_file_is_a_clear_error_at_once(archive, tmp_path):
    """A Ray head that crashed or was killed leaves Ray's address file (ray_current_cluster) naming it: --address
    auto then waited on that address for minutes (2 min 44 s measured; a fresh-clone CI run after a killed one
    timed out on the test above). Now: exit 2 within seconds, saying the cluster last started here has stopped."""
    from ray._private.utils import get_ray_address_file

    # (placed before the tests that start Ray in this process: at the end of the file it was skipped)
    if ray.is_initialized() or _ray_runs_here():
        pytest.skip("a Ray cluster runs on this machine: --address auto would join it")
    address_file = Path(get_ray_address_file(None))
    if address_file.exists():
        pytest.skip(f"{address_file} exists: this test writes its own stale one")
    address_file.parent.mkdir(parents=True, exist_ok=True)
    address_file.write_text("127.0.0.1:1\n")  # (port 1: nothing listens)
    try:
        cmd = [sys.executable, "-m", "edgedigits.runtime.cli", "batch", archive[1][0], "--out", str(tmp_path / "o")]
        started = time.monotonic()
        done = subprocess.run(
            cmd + ["--engine", "ray", "--address", "auto"], capture_output=True, text=True, timeout=60
        )
        assert time.monotonic() - started < 30
        assert done.returncode == 2, done.stderr
        assert "--address auto: the Ray cluster last started on this machine (127.0.0.1:1" in done.stderr
        assert "Traceback" not in done.stderr
    finally:
        address_file.unlink(missing_ok=True)


def test_the_command_on_a_local_instance_prints_no_ray_notice_that_its_progress_bars_are_off(archive, tmp_path):
    """`edgedigits batch 5 PNGs --engine ray`, which starts a local Ray instance: stderr holds no 'Progress bars
    disabled. To enable, set ...' (Ray Data's notice, once per process, that the bars the command turns off for
    its own are off: noise to the user, who never asked for Ray's bars). The run still reads every input."""
    cmd = [sys.executable, "-m", "edgedigits.runtime.cli", "batch", *archive[1][:5], "--out", str(tmp_path / "o")]
    done = subprocess.run(cmd + ["--engine", "ray", "--workers", "1"], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "5 read, 0 failed, 0 skipped" in done.stderr
    assert "Progress bars disabled" not in done.stderr and "enable_progress_bars" not in done.stderr, done.stderr


def test_max_pixels_reaches_the_actors(archive, tmp_path):
    """`batch --max-pixels N --engine ray`: the actors decode with the driver's limit (batch had no --max-pixels,
    though the error of a big image told to raise it, and an API user's images.MAX_PIXELS stayed in the driver)."""
    check_max_pixels(archive[1][:20], tmp_path, ["--engine", "ray", "--workers", "1"])


def test_pdf_dpi_reaches_the_actors(mnist_test, tmp_path):
    """`batch --pdf-dpi D --engine ray`: the actors render PDF pages at the driver's resolution; at 100 dpi the
    boxes are half what the default 200 gives."""
    import io

    from PIL import Image

    from helpers import paper_digit

    from edgedigits.runtime.reader import DigitReader

    folder = tmp_path / "in"
    folder.mkdir()
    for i in range(3):
        page = Image.fromarray(paper_digit(mnist_test.images[i], size=80)).convert("RGB")
        data = io.BytesIO()
        page.save(data, "PDF", resolution=200)
        (folder / f"{i}.pdf").write_bytes(data.getvalue())
    cmd = [sys.executable, "-m", "edgedigits.runtime.cli", "batch", str(folder), "--out", str(tmp_path / "o")]
    done = subprocess.run(
        cmd + ["--engine", "ray", "--workers", "1", "--pdf-dpi", "100"], capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    records = {Path(r["path"]).name: r for r in read_records(tmp_path / "o")}
    reader = DigitReader()
    for i in range(3):
        (big,) = reader.read(folder / f"{i}.pdf").digits  # 200 dpi, here
        (small,) = records[f"{i}.pdf"]["digits"]
        assert all(abs(2 * s - b) <= 4 for s, b in zip(small["box"], big.box)), (small["box"], big.box)


@pytest.fixture(scope="module")
def local_ray():
    ray.init(
        address="local",
        num_cpus=2,
        include_dashboard=False,
        _node_ip_address="127.0.0.1",
        logging_level="ERROR",
        log_to_driver=False,
    )
    yield
    ray.shutdown()


@pytest.fixture(scope="module")
def local_records(archive, tmp_path_factory):
    folder, _ = archive
    out = tmp_path_factory.mktemp("local")
    read_archive([str(folder)], out, engine="local", workers=2, batch_size=64)
    return records(out)


def test_ray_reads_the_same_records_as_the_local_engine_and_broken_files_are_error_records(
    local_ray, archive, local_records, tmp_path
):
    folder, paths = archive
    s = read_archive([str(folder)], tmp_path / "out", engine="ray", batch_size=64)
    got = records(tmp_path / "out")
    assert got == local_records
    assert sorted(got) == paths
    assert (s.read, s.failed, s.skipped) == (len(paths) - 3, 3, 0)
    assert sum("error" in r for r in got.values()) == 3
    assert summary(tmp_path / "out")["cluster_cpus"] == 2.0


def test_ray_resumes_and_writes_parquet(local_ray, archive, local_records, tmp_path):
    folder, paths = archive
    manifest = tmp_path / "paths.txt"
    manifest.write_text("\n".join(paths[:100]) + "\n")
    first = read_archive([], tmp_path / "out", manifest=manifest, engine="ray", format="parquet", batch_size=32)
    assert (first.read + first.failed, first.skipped) == (100, 0)
    rest = read_archive([str(folder)], tmp_path / "out", engine="ray", format="parquet", batch_size=32)
    assert (rest.read + rest.failed, rest.skipped) == (len(paths) - 100, 100)
    assert list((tmp_path / "out").glob("part-*.parquet"))
    assert records(tmp_path / "out") == local_records


def test_ray_reads_a_file_name_that_is_not_utf8(local_ray, archive, tmp_path):
    """A Latin-1 file name among the inputs: recorded as the local engine records it (the bad byte as \\xe9),
    and a rerun skips it. The listing held the raw byte, and Ray's read_text failed the whole job on it."""
    folder, shown = non_utf8_folder(archive[1], tmp_path / "in")
    first = read_archive([str(folder)], tmp_path / "out", engine="ray")
    assert (first.read, first.failed) == (2, 0)
    assert sorted(records(tmp_path / "out")) == [shown, str(folder / "plain.png")]
    again = read_archive([str(folder)], tmp_path / "out", engine="ray")
    assert (again.read, again.failed, again.skipped) == (0, 0, 2)


def test_ray_reads_a_file_name_with_a_line_break_and_a_rerun_keeps_one_record_per_input(local_ray, archive, tmp_path):
    """A file named with a line break in it: Ray recorded it as an error ('cannot go in a listing', which is JSON
    lines and holds it escaped) that the local engine reads, and every rerun added one more such error record
    (found by a new user's trial: res_ray/, res_rayint/). It is read as the local engine reads it; a rerun skips
    it, reads again the input that failed (a corrupt PNG, failing again) and replaces its error record."""
    folder = tmp_path / "in"
    folder.mkdir()
    broken = folder / "line\nbreak.png"
    try:
        shutil.copy(archive[1][0], broken)
    except OSError:
        pytest.skip("this filesystem takes no line break in a file name")
    corrupt = next(p for p in archive[1] if p.endswith("zz-corrupt.png"))
    shutil.copy(corrupt, folder / "zz-corrupt.png")
    first = read_archive([str(folder)], tmp_path / "out", engine="ray")
    assert (first.read, first.failed) == (1, 1)
    got = records(tmp_path / "out")
    assert sorted(got) == [str(broken), str(folder / "zz-corrupt.png")] and got[str(broken)]["text"]
    again = read_archive([str(folder)], tmp_path / "out", engine="ray")
    assert (again.read, again.failed, again.skipped, again.retried) == (0, 1, 1, 1)
    assert sorted(records(tmp_path / "out")) == sorted(got)  # (asserts one record per input)


def test_ray_an_input_listed_twice_gets_a_record_each_time(local_ray, archive, tmp_path):
    """One path listed 12 times, batches of 1: 12 records, as the summary counts (the 12 shards had the same
    name, a hash of the batch's paths, and replaced each other: 1 record under a summary of 12)."""
    manifest = tmp_path / "paths.txt"
    manifest.write_text("\n".join(archive[1][:1] * 12) + "\n")
    s = read_archive([], tmp_path / "out", manifest=manifest, engine="ray", batch_size=1)
    written = list(read_records(tmp_path / "out"))
    assert s.read + s.failed == 12 == len(written)


def test_ray_a_manifest_from_a_pipe_gets_every_input_one_record(local_ray, archive, tmp_path):
    """--manifest <(find ...) on Ray: the listing reads the named pipe once, as it is fed, and every listed
    input gets exactly one record (the command refused a pipe as 'no such manifest file')."""
    listed = archive[1][:40]
    feeder = fed_pipe(tmp_path / "list.fifo", listed)
    s = read_archive([], tmp_path / "out", manifest=tmp_path / "list.fifo", engine="ray", batch_size=16)
    feeder.join(timeout=10)
    assert s.read + s.failed == len(listed)
    assert sorted(records(tmp_path / "out")) == sorted(listed)


@pytest.fixture(scope="module")
def two_nodes():
    from ray.cluster_utils import Cluster

    if ray.is_initialized():
        ray.shutdown()
    cluster = Cluster(
        initialize_head=True, head_node_args={"num_cpus": 1, "include_dashboard": False, "node_ip_address": "127.0.0.1"}
    )
    cluster.add_node(num_cpus=1, node_ip_address="127.0.0.1")
    ray.init(address=cluster.address, _node_ip_address="127.0.0.1", logging_level="ERROR", log_to_driver=False)
    cluster.wait_for_nodes()
    yield cluster
    ray.shutdown()
    cluster.shutdown()


def _actor_pids() -> set[int]:
    """The processes of the batch's actors (their process title names the callable class)."""
    pids = set()
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                if b"MapBatches(_RayReader)" in Path(f"/proc/{entry}/cmdline").read_bytes():
                    pids.add(int(entry))
            except OSError:
                continue
    return pids


def test_two_nodes_an_actor_killed_midway_is_retried_and_every_input_has_one_record(
    two_nodes, archive, local_records, tmp_path
):
    folder, paths = archive
    out = tmp_path / "out"
    assert len(ray.nodes()) == 2
    result = {}
    run = threading.Thread(
        target=lambda: result.update(s=read_archive([str(folder)], out, engine="ray", batch_size=16))
    )
    run.start()
    killed = None
    deadline = time.monotonic() + 120
    while run.is_alive() and time.monotonic() < deadline and killed is None:
        pids = _actor_pids()
        if len(pids) >= 2 and len(list(out.glob("part-*"))) >= 2:  # both actors up, reading under way
            killed = min(pids)
            os.kill(killed, signal.SIGKILL)
        time.sleep(0.05)
    run.join(timeout=300)
    assert killed is not None and not run.is_alive()
    s = result["s"]
    assert (s.read, s.failed) == (len(paths) - 3, 3)
    assert records(out) == local_records  # every input exactly once, the same records


def test_the_command_joins_a_running_cluster_by_address(two_nodes, archive, tmp_path):
    folder, paths = archive
    cmd = [
        sys.executable,
        "-m",
        "edgedigits.runtime.cli",
        "batch",
        *paths[:40],
        "--out",
        str(tmp_path / "o"),
        "--engine",
        "ray",
        "--address",
        two_nodes.address,
        "--batch-size",
        "10",
    ]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "40 read, 0 failed, 0 skipped" in done.stderr
    assert summary(tmp_path / "o")["cluster_cpus"] == 2.0


def test_an_address_where_no_cluster_answers_is_a_clear_error_at_once(tmp_path, archive):
    """--address HOST:PORT where nothing listens: an ArchiveError naming the address within seconds (ray.init
    retried it silently for minutes)."""
    from edgedigits.runtime.batch import ArchiveError

    started = time.perf_counter()
    with pytest.raises(ArchiveError, match="127.0.0.1:1: no Ray cluster answers there"):
        read_archive([str(archive[0])], tmp_path / "out", engine="ray", address="127.0.0.1:1", recursive=True)
    assert time.perf_counter() - started < 30


def test_a_cluster_that_requires_a_token_says_so_at_once_and_reads_with_it(archive, tmp_path):
    """A real `ray start --head` with token authentication (on by default since Ray 2.59), joined by --address
    HOST:PORT: without a token the command printed 20 s of InvalidAuthToken warnings, then 'no running Ray cluster
    found; start one with `ray start --head`' beside the running one (found by a new user's trial: verbatim/).
    Now one line within seconds saying the cluster requires its token and how to pass it (Ray's RAY_AUTH_MODE=token
    and token file); with them the run reads. The head is this test's own (`--block`), stopped with it, and keeps
    its files in a folder of its own: in Ray's (/tmp/ray) its address stayed in ray_current_cluster, and a later
    `--address auto` waited for the dead head past the 120 s of test_address_auto_with_no_cluster_running..."""
    import socket
    import tempfile
    import uuid

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    token = tmp_path / "auth_token"
    token.write_text(uuid.uuid4().hex)
    with_token = {**os.environ, "RAY_AUTH_MODE": "token", "RAY_AUTH_TOKEN_PATH": str(token)}
    ray_cli = str(Path(sys.executable).parent / "ray")
    own = tempfile.mkdtemp(prefix="rt", dir="/tmp")  # (short: Ray's socket paths are made under it)
    head = subprocess.Popen(
        [ray_cli, "start", "--head", "--block", f"--port={port}", "--num-cpus=1", "--include-dashboard=false"]
        + ["--disable-usage-stats", "--node-ip-address=127.0.0.1", f"--temp-dir={own}"],
        env=with_token,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and head.poll() is None:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.5)
        cmd = [sys.executable, "-m", "edgedigits.runtime.cli", "batch", *archive[1][:5], "--engine", "ray"]
        cmd += ["--address", f"127.0.0.1:{port}", "--out"]
        without = {k: v for k, v in os.environ.items() if not k.startswith("RAY_AUTH")}
        started = time.perf_counter()
        refused = subprocess.run(cmd + [str(tmp_path / "a")], env=without, capture_output=True, text=True, timeout=120)
        assert refused.returncode == 2 and time.perf_counter() - started < 15, refused.stderr
        assert refused.stderr.strip().splitlines() == [
            f"edgedigits: --address 127.0.0.1:{port}: the Ray cluster there requires its authentication token (Ray's "
            "token authentication, on by default for `ray start --head` since Ray 2.59) and this run sends none: "
            + batch.TOKEN_HELP
        ]
        done = subprocess.run(cmd + [str(tmp_path / "b")], env=with_token, capture_output=True, text=True, timeout=300)
        assert done.returncode == 0 and "5 read, 0 failed" in done.stderr, done.stderr
    finally:
        head.terminate()  # (--block: the head's processes stop with it)
        head.wait(timeout=120)
        shutil.rmtree(own, ignore_errors=True)


def test_ctrl_c_midway_the_summary_counts_every_record_the_actors_wrote(archive, tmp_path):
    """Ctrl-C in the middle of a Ray run (a local instance): exit 130, the actors are stopped, and the summary's
    read + failed are the records on disk. The actors' shards whose counts had not reached the driver were left
    out ('0 read' beside 3 shards), and actors went on writing after the summary."""
    check_ctrl_c_midway(archive[1], tmp_path, ["--engine", "ray"])


def test_sigterm_midway_ends_a_ray_run_as_ctrl_c_does(archive, tmp_path):
    """SIGTERM to the command (kill, timeout, docker stop) in the middle of a Ray run: the end of a Ctrl-C, exit
    143. ray.init had set its own SIGTERM handler, sys.exit(15): exit 15, Ray's stack dumps on stderr, and a summary
    of a finished run of 0 images beside the shards the actors wrote."""
    check_ctrl_c_midway(archive[1], tmp_path, ["--engine", "ray"], stop="sigterm")


def test_relative_inputs_and_out_on_a_cluster_started_in_another_folder(two_nodes, archive, local_records, tmp_path):
    """`batch scans --out o --address HOST:PORT` run in a folder other than the cluster's: the actors read the
    inputs and write the shards there, as the local engine does; the records keep the relative paths. (The
    actors looked in the cluster's folder: every input 'no such file', or, the listing not found, a traceback.)"""
    import shutil

    folder, paths = archive
    (tmp_path / "scans").mkdir()
    for p in paths[:20]:
        shutil.copy2(p, tmp_path / "scans")
    assert Path.cwd() != tmp_path  # the cluster was started in this process's folder
    cmd = [sys.executable, "-m", "edgedigits.runtime.cli", "batch", "scans", "--out", "o", "--engine", "ray"]
    cmd += ["--address", two_nodes.address, "--batch-size", "8"]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "20 read, 0 failed, 0 skipped" in done.stderr
    got = records(tmp_path / "o")
    assert sorted(got) == [f"scans/{Path(p).name}" for p in paths[:20]]
    assert all(got[f"scans/{Path(p).name}"]["digits"] == local_records[p]["digits"] for p in paths[:20])
    # A rerun naming the folder another way skips every input: the actors match a path made absolute against the
    # driver's folder, not their own (batch.input_key)
    cmd[cmd.index("scans")] = "./scans/"
    again = subprocess.run(cmd, capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert again.returncode == 0 and "0 read, 0 failed, 20 skipped" in again.stderr, again.stderr


@pytest.mark.parametrize("option", ["model", "line_model"])
def test_a_model_that_cannot_be_used_is_a_model_error_before_ray_starts(tmp_path, archive, option):
    """--model or --line-model naming a file that is no ONNX model, with --engine ray: the ModelError naming
    the file, at once (it was an ActorDiedError traceback raised from the actors after Ray had started)."""
    from edgedigits.runtime.model import ModelError

    bad = tmp_path / "notes.onnx"
    bad.write_text("not a model\n")
    with pytest.raises(ModelError, match="notes.onnx: not a usable ONNX model"):
        read_archive([archive[1][0]], tmp_path / "out", engine="ray", **{option: str(bad)})
    assert not (tmp_path / "out" / "_SUMMARY.json").exists()


def test_the_api_stops_the_ray_instance_it_started(archive, tmp_path):
    """read_archive(engine='ray') twice in one process: each call starts its own local instance and stops it on
    return. The first instance (1 CPU, workers=1) was left running, and the second call silently read on it
    with 1 actor instead of every core."""
    if (os.cpu_count() or 1) < 2:
        pytest.skip("needs 2 cores to tell the instances apart")
    code = f"""
import json, ray
from edgedigits.runtime.batch import read_archive
one = read_archive({archive[1][:8]!r}, {str(tmp_path / "a")!r}, engine="ray", workers=1)
left = ray.is_initialized()
two = read_archive({archive[1][8:16]!r}, {str(tmp_path / "b")!r}, engine="ray")
print(json.dumps([one.cluster_cpus, left, two.cluster_cpus, two.read, ray.is_initialized()]))
"""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    import json

    one_cpus, left, two_cpus, two_read, still = json.loads(done.stdout.strip().splitlines()[-1])
    assert one_cpus == 1.0 and not left and not still
    assert two_cpus >= 2.0 and two_read == 8
